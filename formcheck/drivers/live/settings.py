"""What a live session is asked to do, and how it can end."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

# isort: off
import cv2  # before av: see formcheck.sources.file
import av
# isort: on

from formcheck.drivers.speed import DEFAULT_ANALYSIS_FPS
from formcheck.errors import FormcheckError, UsageError
from formcheck.pose.model import DEFAULT_MODEL

logger = logging.getLogger(__name__)


#: Exit code after Ctrl-C (128 + SIGINT, as shells report it); the report is still written.
EXIT_INTERRUPTED = 130
#: How long the processing loop waits for a frame before it looks at the keys again, s.
POLL_S = 0.03
#: How long to wait for the capture thread to finish, seconds (a camera stuck in a read
#: is left to the process's exit: the thread is a daemon).
JOIN_TIMEOUT_S = 2.0
#: Nominal rate given to the recorder when the camera does not say its own, frames/s.
FALLBACK_FPS = 30.0
#: The processing rate and latency shown in the window are over this many seconds.
RATE_WINDOW_S = 1.0
#: Errors of a source that breaks mid-stream (the user's problem, not a bug).
SOURCE_ERRORS: tuple[type[BaseException], ...] = (FormcheckError, OSError, av.FFmpegError,
                                                  cv2.error)


class Ending(StrEnum):
    """How a live session ended."""

    SOURCE_ENDED = "source ended"  # a --source file played to its end
    QUIT = "quit"  # q, Esc, or the window closed
    INTERRUPTED = "interrupted"  # Ctrl-C
    SOURCE_FAILED = "source failed"  # could not open, stopped delivering, or broke


@dataclass(frozen=True)
class LiveSettings:
    """What ``formcheck live`` does.

    Attributes:
        camera: OpenCV camera index; None with ``source`` (and 0 when neither is given).
        source: A video file played as if it were a camera.
        exercise: ``auto`` or an exercise name.
        record: Write what the camera saw here (H.264 ``.mp4``), all frames, unmirrored.
        report: Write the JSON report here at the end, however the session ends.
        window: Show the OpenCV window (False: headless).
        fast: With ``source``: every frame, as fast as the model goes, none dropped.
        sound: Tones and speech (False: ``--quiet``).
        snapshot: Save the last drawn frame here (``.png`` or ``.jpg``).
        model: Pose model name or ``.task`` path.
        mirror: Show the image mirrored, like a mirror; None mirrors a camera and not a file.
        camera_timeout_s: A camera that delivers no frame for this long has failed, seconds
            (twice this for its first frame, cameras take a moment to start).
        banner_s: How long a fault banner or a setup hint stays on screen, seconds.
        window_name: The window's title.
        analysis_fps: Frames per second given to the pose model, as for ``formcheck
            analyse`` (None: every frame); the frames in between are shown with the
            analysis of the last one.
    """

    camera: int | None = None
    source: Path | None = None
    exercise: str = "auto"
    record: Path | None = None
    report: Path | None = None
    window: bool = True
    fast: bool = False
    sound: bool = True
    snapshot: Path | None = None
    model: str = DEFAULT_MODEL
    mirror: bool | None = None
    camera_timeout_s: float = 5.0
    banner_s: float = 5.0
    window_name: str = "formcheck live"
    analysis_fps: float | None = DEFAULT_ANALYSIS_FPS

    def __post_init__(self) -> None:
        if self.camera is not None and self.source is not None:
            raise UsageError("--camera and --source go one at a time: watch a camera or"
                             " play a file")
        if self.camera is not None and self.camera < 0:
            raise UsageError(f"--camera {self.camera}: camera indexes start at 0")
        if self.fast and self.source is None:
            raise UsageError("--fast plays a file as fast as the model goes: it needs"
                             " --source FILE")

    @property
    def camera_index(self) -> int | None:
        """The camera to open, or None when a file is played."""
        if self.source is not None:
            return None
        return 0 if self.camera is None else self.camera

    @property
    def mirrored(self) -> bool:
        return self.mirror if self.mirror is not None else self.source is None

    def check(self) -> None:
        """Refuse what cannot work before a camera or the model is opened."""
        if self.record is not None and self.record.suffix.lower() != ".mp4":
            raise UsageError(f"--record {self.record}: use a .mp4 file name")
        if self.snapshot is not None and self.snapshot.suffix.lower() not in (
                ".png", ".jpg", ".jpeg"):
            raise UsageError(f"--snapshot {self.snapshot}: use a .png or .jpg file name")
        outputs = {"--record": self.record, "--report": self.report,
                   "--snapshot": self.snapshot}
        for option, path in outputs.items():
            if path is None:
                continue
            if path.is_dir():
                raise UsageError(f"{option} {path} is a folder: give a file name")
            if not path.parent.is_dir():
                raise UsageError(f"{option} {path}: the folder {path.parent} does not exist")
            if self.source is not None and path.resolve() == self.source.resolve():
                raise UsageError(f"{option} {path}: would overwrite the video being played")
        if self.window and not has_display():
            raise UsageError("no display to open a window on: run with --no-window")


def has_display() -> bool:
    """Whether a window can be opened (on Linux: an X11 or Wayland display is set)."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
