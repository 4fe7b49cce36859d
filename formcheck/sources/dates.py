"""When a clip was filmed: the creation time its container carries, else the file's time.

Phones write ``creation_time`` into the MP4/MOV header (UTC, from the phone's clock) and
it survives copying, where a file's modification time often becomes the time of the copy;
so the container's time is preferred and the file's is the fallback. Which one was used is
kept with the date (:class:`DateSource`), so that a page can say "filmed" or "file dated".
Only the header is read: no frame is decoded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

logger = logging.getLogger(__name__)

#: A creation time before this is a clock that was never set (QuickTime counts from 1904,
#: Unix from 1970; cameras without a clock write either): heuristic, not a real date.
EARLIEST_CREDIBLE = datetime(1971, 1, 1, tzinfo=UTC)
#: A creation time further than this past the present is a wrong clock: heuristic (a day
#: covers any time zone written as if it were UTC).
FUTURE_SLACK = timedelta(days=1)


class DateSource(StrEnum):
    """Where a session's date came from (a contract: never renamed)."""

    #: The container's ``creation_time`` (the camera's clock).
    METADATA = "metadata"
    #: The file's modification time.
    FILE = "file"
    #: When the web service received the upload.
    UPLOAD = "upload"


@dataclass(frozen=True)
class ClipDate:
    """When a clip was filmed, and how that is known.

    Attributes:
        at: The time, timezone-aware, in UTC.
        source: Where it came from.
    """

    at: datetime
    source: DateSource

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError(f"at: expected a timezone-aware time, got {self.at!r}")
        object.__setattr__(self, "at", self.at.astimezone(UTC))
        object.__setattr__(self, "source", DateSource(self.source))


def parse_creation_time(text: str, *, now: datetime | None = None) -> datetime | None:
    """A container's ``creation_time`` value as a UTC time, or None when it is not a
    credible date (unparseable, an unset clock, or in the future).

    A value without a time zone is taken as UTC, as the MP4 header stores it.
    """
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    now = now or datetime.now(UTC)
    if when < EARLIEST_CREDIBLE or when > now + FUTURE_SLACK:
        return None
    return when


def container_creation_time(path: str | Path) -> datetime | None:
    """The credible ``creation_time`` of ``path``'s container or of one of its streams, or
    None (no such field, not a container PyAV can open)."""
    import av

    try:
        with av.open(str(path)) as container:
            values = [container.metadata.get("creation_time")]
            values += [stream.metadata.get("creation_time") for stream in container.streams]
    except (av.FFmpegError, OSError, ValueError) as exc:
        logger.debug("no container metadata in %s: %s", path, exc)
        return None
    for value in values:
        if value:
            when = parse_creation_time(value)
            if when is not None:
                return when
    return None


def clip_date(path: str | Path, *, fallback: ClipDate | None = None) -> ClipDate:
    """When the clip at ``path`` was filmed: its container's creation time when present,
    else ``fallback`` (the web service passes when the upload arrived, as
    :attr:`DateSource.UPLOAD`: an uploaded file's own time is the upload's), else the
    file's modification time.

    Raises:
        OSError: the file cannot be looked at.
    """
    when = container_creation_time(path)
    if when is not None:
        return ClipDate(when, DateSource.METADATA)
    if fallback is not None:
        return fallback
    mtime = Path(path).stat().st_mtime
    return ClipDate(datetime.fromtimestamp(mtime, UTC), DateSource.FILE)
