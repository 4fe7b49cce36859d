"""Is this file a video? Judged by its first bytes (container signatures), else by a short
FFmpeg probe; and the duration a container declares."""

from __future__ import annotations

from pathlib import Path

#: Bytes read to recognise a container.
SNIFF_BYTES = 64
#: Names that say "this was meant to be a video": such a file that is not one is
#: recorded as ungradable rather than ignored.
VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".mts",
                            ".m2ts", ".mpg", ".mpeg", ".3gp", ".part"})


# --- discovery -------------------------------------------------------------------------

def sniff_video(path: Path) -> bool:
    """Whether ``path`` holds a video, judged by its first bytes, else by PyAV.

    Recognised signatures: MP4/MOV (``ftyp`` at offset 4), Matroska/WebM (EBML
    ``1A 45 DF A3``), AVI (``RIFF....AVI ``), MPEG-TS (sync byte ``0x47`` every 188
    bytes) and MPEG-PS (pack header ``00 00 01 BA``). Anything else is opened with
    PyAV with a short probe and counts as a video when it has a video stream (a PNG
    is an image to FFmpeg, so images are refused by name of format).
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
            if len(head) >= 1 and head[0] == 0x47:
                fh.seek(188)
                ts_next = fh.read(1)
            else:
                ts_next = b""
    except OSError:
        return False
    if not head:
        return False
    if head[4:8] == b"ftyp" or head[:4] == b"\x1a\x45\xdf\xa3":
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return True
    if head[:4] == b"\x00\x00\x01\xba" or ts_next == b"\x47":
        return True
    return _pyav_sees_video(path)


def _pyav_sees_video(path: Path) -> bool:
    # isort: off
    import cv2  # noqa: F401  (before av: see formcheck.sources.file)
    import av
    # isort: on

    try:
        with av.open(str(path), options={"probesize": "65536",
                                         "analyzeduration": "500000"}) as container:
            is_image = any(name in container.format.name
                           for name in ("image2", "_pipe", "png", "gif", "jpeg", "webp"))
            return bool(container.streams.video) and not is_image
    except (av.FFmpegError, UnicodeDecodeError, OSError, ValueError):
        return False


def probe_duration_s(path: Path) -> float | None:
    """The duration a container declares, s, or None when it cannot say."""
    # isort: off
    import cv2  # noqa: F401  (before av: see formcheck.sources.file)
    import av
    # isort: on

    try:
        with av.open(str(path), options={"probesize": "1000000"}) as container:
            if container.streams.video:
                stream = container.streams.video[0]
                if stream.duration is not None and stream.time_base is not None:
                    return float(stream.duration * stream.time_base)
            if container.duration is not None:
                return container.duration / 1_000_000
    except (av.FFmpegError, UnicodeDecodeError, OSError, ValueError):
        pass
    return None


def named_like_video(path: Path) -> bool:
    return any(suffix.lower() in VIDEO_SUFFIXES for suffix in path.suffixes)
