"""``formcheck batch INBOX --person-from-folder``: whose sessions the clips are, from the
inbox's sub-folders (``INBOX/ana/monday.mp4`` is ana's; deeper folders belong to the
person folder they are in).

A clip's bytes found in two people's folders are a session of each; a clip lying in the
inbox itself is no one's. Each session is dated from the path in the person's folder
(:func:`~formcheck.sources.dates.clip_date`: the container's creation time, else the
file's time).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from formcheck.errors import UsageError
from formcheck.sources.dates import clip_date
from formcheck.store.people import SessionOf, clean_name

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Owners:
    """Whose sessions one clip is.

    Attributes:
        sessions: One per person folder the clip was found in.
        unassigned: Paths of it that are in no person's folder (the inbox itself, or a
            folder whose name cannot be a person's).
    """

    sessions: tuple[SessionOf, ...]
    unassigned: tuple[str, ...]


def owners(inbox: Path, paths: Sequence[str]) -> Owners:
    """The sessions a clip found at ``paths`` (absolute, under ``inbox``) is."""
    root = inbox.resolve()
    sessions: dict[str, SessionOf] = {}
    unassigned = []
    for path in sorted(paths):
        parts = Path(path).relative_to(root).parts
        if len(parts) < 2:
            unassigned.append(path)
            continue
        try:
            name = clean_name(parts[0])
        except UsageError as exc:
            logger.warning("%s: not a person's folder: %s", path, exc)
            unassigned.append(path)
            continue
        if name.casefold() in sessions:
            continue
        try:
            sessions[name.casefold()] = SessionOf(name, clip_date(path))
        except OSError as exc:
            logger.warning("%s: cannot be dated: %s", path, exc)
            unassigned.append(path)
    return Owners(tuple(sessions.values()), tuple(unassigned))
