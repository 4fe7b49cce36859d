"""Which files of an inbox are clips: walked recursively (hidden files and symbolic links
left out), judged by content, grouped by the sha256 of their bytes."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from formcheck.errors import InputError
from formcheck.fileio import sha256_of
from formcheck.sources.sniff import named_like_video, sniff_video

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Found:
    """One distinct clip found in the inbox.

    Attributes:
        hash: sha256 of its bytes, hex.
        paths: Every absolute path with these bytes, sorted.
        video: Whether the content is a video; a non-video is here only because its
            name says it was meant to be one (``.mp4``, ...), and is recorded as such.
    """

    hash: str
    paths: tuple[str, ...]
    video: bool


@dataclass(frozen=True)
class Discovery:
    """What is in the inbox: the clips, and how many other files were ignored."""

    clips: tuple[Found, ...]
    ignored: int


def discover(inbox: Path) -> Discovery:
    """Walk ``inbox`` recursively (hidden files and folders, and symbolic links, are
    left out) and group the videos, and the files named like videos, by content hash."""
    if not inbox.is_dir():
        raise InputError(f"inbox {inbox} is not a folder")
    by_hash: dict[str, list[str]] = {}
    is_video: dict[str, bool] = {}
    ignored = 0
    for path in _walk(inbox.resolve()):
        video = sniff_video(path)
        if not video and not named_like_video(path):
            ignored += 1
            continue
        try:
            digest = sha256_of(path)
        except OSError as exc:
            logger.warning("cannot read %s: %s", path, exc)
            ignored += 1
            continue
        by_hash.setdefault(digest, []).append(str(path))
        is_video[digest] = is_video.get(digest, False) or video
    clips = tuple(sorted((Found(digest, tuple(sorted(paths)), is_video[digest])
                          for digest, paths in by_hash.items()), key=lambda f: f.paths))
    return Discovery(clips, ignored)


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if not name.startswith(".") and path.is_file() and not path.is_symlink():
                yield path
