"""The live driver: a camera (or a video file played like one) through the same session as
``formcheck analyse``, drawn in a window as it happens, with sounds and keys.

It moves frames and nothing else: the grading is the :class:`~formcheck.session.Session`
fed one pose at a time by :func:`formcheck.analyse.run_session`, exactly as for a file::

    capture thread:  source.frames() -> [newest-frame slot] (a stale frame is dropped)
    main thread:     slot -> PoseEstimator (VIDEO mode) -> session.feed -> Overlay.draw
                     -> window (highgui), sounds, keys

Capture runs in its own thread and always hands over the newest frame: when the model is
slower than the camera, the frame waiting in the slot is replaced (and counted as
dropped), so the window shows the present, never a backlog. Processing stays on the main
thread because OpenCV's highgui must. A video file (``--source``) is played at its own
pace: the capture thread sleeps until each frame's timestamp; ``--fast`` hands over every
frame and waits until it was taken, so nothing is dropped and the result is exactly that
of ``formcheck analyse``.

Each processed frame's latency runs from the moment the capture thread got it (from the
camera or the decoder, after the pacing sleep) to the moment the drawn overlay was handed
to the window (``imshow`` and ``waitKey``'s repaint), or drawn when there is no window.

Keys: ``q`` (or Esc, or closing the window) quits, ``r`` starts a new set, space pauses.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import signal
import sys
import threading
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import Protocol

# isort: off
import cv2  # before av: see formcheck.video
import av
# isort: on
import numpy as np

from formcheck.analyse import run_session
from formcheck.errors import ExitCode, FormcheckError, InputError, UsageError
from formcheck.fileio import atomic_path
from formcheck.pose.estimator import PoseEstimator
from formcheck.pose.model import DEFAULT_MODEL, sha256_of
from formcheck.pose.series import PoseSample
from formcheck.report import Provenance, Report, Status
from formcheck.reporters.json import write_json
from formcheck.reporters.overlay import (
    FAULT_PANEL,
    FONT,
    GOOD,
    MUTED,
    PANEL,
    TEXT,
    WARN,
    Box,
    Colour,
    Overlay,
    ascii_text,
)
from formcheck.session import (
    CountStopped,
    Event,
    FrameState,
    RepGraded,
    Session,
    SessionSettings,
    SetupHint,
)
from formcheck.sound import Sounds, number_word
from formcheck.video import Camera, Frame, FrameSource, VideoFile, VideoInfo, VideoWriter

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


# ---------------------------------------------------------------------- the handoff


@dataclass(frozen=True)
class Captured:
    """A frame as the capture thread handed it over.

    Attributes:
        frame: The frame (its ``t_s`` is the stream time the session sees).
        captured_s: ``time.monotonic()`` when the capture thread got it, seconds: where
            the latency is measured from.
    """

    frame: Frame
    captured_s: float


class NewestFrame:
    """A one-frame slot between the capture thread and the processing loop.

    The producer :meth:`put` s frames; a frame still waiting when the next arrives is
    replaced and counted in :attr:`dropped`, so the consumer always :meth:`take` s the
    newest and memory never grows. With ``wait=True`` the producer instead blocks until
    the consumer took the waiting frame (a file played ``--fast``: nothing dropped).
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._slot: Captured | None = None
        self._finished = False  # the producer has no more frames
        self._closed = False  # the consumer takes no more frames
        self.offered = 0
        self.dropped = 0

    def put(self, item: Captured, *, wait: bool = False) -> bool:
        """Offer a frame; False when the consumer has gone (the producer should stop)."""
        with self._changed:
            if wait:
                self._changed.wait_for(lambda: self._slot is None or self._closed)
            if self._closed:
                return False
            self.offered += 1
            if self._slot is not None:
                self.dropped += 1
            self._slot = item
            self._changed.notify_all()
            return True

    def take(self, timeout: float) -> Captured | None:
        """The newest frame, waiting up to ``timeout`` seconds; None when none came (see
        :attr:`ended` for whether one ever will)."""
        with self._changed:
            self._changed.wait_for(lambda: self._slot is not None or self._finished, timeout)
            item, self._slot = self._slot, None
            if item is not None:
                self._changed.notify_all()  # a producer waiting for the slot to empty
            return item

    def finish(self) -> None:
        """The producer has no more frames (a frame still in the slot can be taken)."""
        with self._changed:
            self._finished = True
            self._changed.notify_all()

    def close(self) -> None:
        """The consumer stops: a waiting or later :meth:`put` returns False."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    @property
    def ended(self) -> bool:
        """The producer finished and its last frame was taken."""
        with self._changed:
            return self._finished and self._slot is None


class Recorder:
    """Writes captured frames to H.264 (:class:`VideoWriter`: atomic, never half a file),
    opened at the first frame (whose size, made even, is the video's)."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path = path
        self.fps = fps if fps > 0 else FALLBACK_FPS
        self._writer: VideoWriter | None = None
        self._failed = False
        self.frames_written = 0

    def write(self, frame: Frame) -> None:
        if self._failed:
            return
        height, width = frame.image.shape[:2]
        even = frame.image[:height - height % 2, :width - width % 2]
        try:
            if self._writer is None:
                self._writer = VideoWriter(self.path, even.shape[1], even.shape[0], self.fps)
            self._writer.write(even, frame.t_s)
            self.frames_written += 1
        except (OSError, ValueError, av.FFmpegError) as exc:
            # Recording is a side line: the session goes on without it.
            logger.error("recording to %s stopped: %s", self.path, exc)
            self._failed = True
            self.abort()

    def close(self) -> None:
        """Finish the file and move it into place (nothing when no frame came)."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    def abort(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.abort()


class CaptureThread(threading.Thread):
    """Reads a source's frames and hands each over through a :class:`NewestFrame`.

    Args:
        frames: The source's frames (read in this thread only).
        handoff: Where the frames go.
        pace: Sleep until each frame's timestamp (a file played at its real pace).
        wait_for_consumer: Block until each frame was taken (``--fast``: no drops).
        hold_when_paused: Stop reading while ``paused`` is set (a file; a camera cannot
            be paused, its frames are skipped by the consumer).
        paused: Set while the user has paused.
        recorder: Writes every captured frame, or None.
        clock: Monotonic seconds.
    """

    def __init__(self, frames: Iterator[Frame], handoff: NewestFrame, *, pace: bool,
                 wait_for_consumer: bool, hold_when_paused: bool, paused: threading.Event,
                 recorder: Recorder | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(name="formcheck-capture", daemon=True)
        self._frames = frames
        self._handoff = handoff
        self._pace = pace
        self._wait = wait_for_consumer
        self._hold = hold_when_paused
        self._paused = paused
        self._recorder = recorder
        self._clock = clock
        self._stopping = threading.Event()
        self.error: BaseException | None = None
        self.frames_read = 0
        self.last_t_s = 0.0

    def stop(self) -> None:
        self._stopping.set()

    def _hold_while_paused(self) -> float:
        """Wait while paused; the seconds spent waiting."""
        if not (self._hold and self._paused.is_set()):
            return 0.0
        began = self._clock()
        while self._paused.is_set() and not self._stopping.is_set():
            self._stopping.wait(0.05)
        return self._clock() - began

    def run(self) -> None:
        start: float | None = None  # wall time of stream time 0 (a paced file)
        try:
            for frame in self._frames:
                if self._stopping.is_set():
                    break
                held = self._hold_while_paused()
                if self._pace:
                    if start is None:
                        start = self._clock() - frame.t_s
                    start += held
                    delay = start + frame.t_s - self._clock()
                    if delay > 0 and self._stopping.wait(delay):
                        break
                self.frames_read += 1
                self.last_t_s = frame.t_s
                if self._recorder is not None:
                    self._recorder.write(frame)
                if not self._handoff.put(Captured(frame, self._clock()), wait=self._wait):
                    break
        except BaseException as exc:  # handed to the main thread, which decides
            self.error = exc
        finally:
            if self._recorder is not None:
                try:
                    self._recorder.close()
                except Exception as exc:
                    logger.error("recording to %s failed: %s", self._recorder.path, exc)
                    self._recorder.abort()
            self._handoff.finish()


# ------------------------------------------------------------------------ display


class Display(Protocol):
    """Where drawn frames are shown and keys come from."""

    def show(self, image_rgb: np.ndarray) -> int:
        """Show a frame; the key pressed meanwhile (-1 for none)."""
        ...

    def poll(self) -> int:
        """Keep the window alive without a new frame; the key pressed (-1 for none)."""
        ...

    @property
    def closed(self) -> bool:
        """The user closed the window."""
        ...

    def close(self) -> None: ...


def xcb_conflict() -> str | None:
    """A loaded xcb library that would make OpenCV's Qt window hang, or None.

    PyAV's and OpenCV's wheels bundle ``libxcb-shape``, ``-shm`` and ``-xfixes`` under the
    same file names; the dynamic loader uses whichever was loaded first for both. PyAV's
    copies call PyAV's own ``libxcb``, while Qt's xcb plugin talks to the system's: a
    window then never opens (Qt spins). Importing ``cv2`` before ``av`` avoids it, as
    ``formcheck.cli`` does.
    """
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:  # not Linux
        return None
    paths = {line.split()[-1] for line in maps.splitlines() if "/" in line}
    qt = next((path for path in paths if "/libQt5Gui" in path), None)
    if qt is None:
        return None
    for path in sorted(paths):
        name = Path(path).name
        if (name.startswith(("libxcb-shape", "libxcb-shm", "libxcb-xfixes"))
                and Path(path).parent != Path(qt).parent):
            return path
    return None


class Window:
    """An OpenCV highgui window; use from the main thread only.

    Raises:
        RuntimeError: ``av`` was imported before ``cv2`` (see :func:`xcb_conflict`); the
            window would hang.
    """

    def __init__(self, name: str) -> None:
        conflict = xcb_conflict()
        if conflict is not None:
            raise RuntimeError(f"OpenCV's window would hang: {conflict} was loaded before"
                               " OpenCV's own copy; import cv2 before av")
        self.name = name
        self._sized = False
        cv2.namedWindow(name, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)

    def show(self, image_rgb: np.ndarray) -> int:
        if not self._sized:
            self._sized = True
            cv2.resizeWindow(self.name, image_rgb.shape[1], image_rgb.shape[0])
        cv2.imshow(self.name, cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR))
        return self.poll()

    def poll(self) -> int:
        key = cv2.waitKey(1)
        return -1 if key < 0 else key & 0xFF

    @property
    def closed(self) -> bool:
        try:
            return cv2.getWindowProperty(self.name, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            return True

    def close(self) -> None:
        with contextlib.suppress(cv2.error):
            cv2.destroyWindow(self.name)
            cv2.waitKey(1)


class PoseModel(Protocol):
    """What the driver needs of a pose estimator (:class:`PoseEstimator`, or a test's)."""

    @property
    def model_name(self) -> str: ...

    @property
    def model_sha256(self) -> str | None: ...

    def estimate(self, frame: Frame) -> PoseSample: ...


# -------------------------------------------------------------------------- results


@dataclass(frozen=True)
class LiveStats:
    """How the live loop kept up.

    Attributes:
        frames_captured: Frames the capture thread read.
        frames_processed: Frames through the model and the session.
        frames_dropped: Frames replaced in the slot before they were taken (the model
            was slower than the source).
        frames_paused: Camera frames skipped while paused.
        processing_s: Wall time from the first processed frame to the last, seconds.
        latency_ms: ``(N,)`` per processed frame, capture to drawn overlay, milliseconds.
    """

    frames_captured: int
    frames_processed: int
    frames_dropped: int
    frames_paused: int
    processing_s: float
    latency_ms: np.ndarray

    @property
    def fps(self) -> float:
        """Frames processed per second (0 with fewer than two)."""
        if self.frames_processed < 2 or self.processing_s <= 0:
            return 0.0
        return (self.frames_processed - 1) / self.processing_s

    def latency_percentile_ms(self, q: float) -> float:
        return float(np.percentile(self.latency_ms, q)) if self.latency_ms.size else math.nan

    def summary(self) -> str:
        """One line: ``412 frames processed (24.8 per second), 75 dropped of 487...``."""
        line = (f"{self.frames_processed} frames processed ({self.fps:.1f} per second),"
                f" {self.frames_dropped} dropped of {self.frames_captured} captured")
        if self.latency_ms.size:
            line += (f"; capture to overlay: median {self.latency_percentile_ms(50):.0f} ms,"
                     f" 95th percentile {self.latency_percentile_ms(95):.0f} ms")
        return line


@dataclass(frozen=True)
class LiveResult:
    """What a live session produced.

    Attributes:
        report: The session's report: the reps so far, however it ended.
        stats: How the loop kept up.
        ending: Why it ended.
        failure: The source's error (exit code 3), or None.
        message: One line for the user when the ending was not a normal one.
        report_path: Where the JSON report was written, or None.
    """

    report: Report
    stats: LiveStats
    ending: Ending
    failure: FormcheckError | None = None
    message: str | None = None
    report_path: Path | None = None

    @property
    def exit_code(self) -> int:
        """0, 3 (the source failed), 4 (nothing could be graded), 130 (Ctrl-C)."""
        if self.failure is not None:
            return int(self.failure.exit_code)
        if self.ending is Ending.INTERRUPTED:
            return EXIT_INTERRUPTED
        return int(ExitCode.OK if self.report.graded else ExitCode.UNGRADABLE)


# --------------------------------------------------------------------- the driver


@dataclass(frozen=True)
class _SetOver:
    good: int
    rep: int | None


@dataclass(frozen=True)
class LiveView:
    """What the live panels show on top of the overlay (all display, no grading).

    Attributes:
        good: Good reps counted in the current set.
        set_index: The current set, 1-based.
        set_over: Good reps when the current set had its first bad rep, or None.
        rest_s: Seconds since the last rep ended while resting, or None.
        next_set: The rest is longer than the set break: the next rep opens a new set.
        paused: The user paused.
        fps: Frames processed per second over the last second.
        latency_ms: Median capture-to-overlay latency over the last second, ms.
        dropped: Frames dropped so far.
        keys: Show the key help (a window is open).
    """

    good: int
    set_index: int
    set_over: int | None = None
    rest_s: float | None = None
    next_set: bool = False
    paused: bool = False
    fps: float = 0.0
    latency_ms: float = math.nan
    dropped: int = 0
    keys: bool = False


def mirrored_state(state: FrameState, width: int) -> FrameState:
    """``state`` with its landmarks mirrored left-right, for an image shown mirrored."""
    points = np.array(state.landmarks_px, dtype=np.float64, copy=True)
    points[:, 0] = width - points[:, 0]
    return replace(state, landmarks_px=points)


class LiveRunner:
    """Runs one live session: capture thread, model, session, window, sounds, keys.

    Args:
        settings: What to do.
        source: A frame source to use instead of opening ``settings.camera`` or
            ``settings.source`` (tests); its end counts as a camera's failure when
            ``settings.source`` is None. The caller closes it.
        estimator: A pose model to use instead of loading ``settings.model`` (tests).
        display: Where to show frames instead of a highgui window (tests); used whatever
            ``settings.window`` says.
        sounds: Sounds to use instead of the default ones.
        session_settings: The session's settings; by default only the exercise is set,
            as for ``formcheck analyse``.
    """

    def __init__(self, settings: LiveSettings, *, source: FrameSource | None = None,
                 estimator: PoseModel | None = None, display: Display | None = None,
                 sounds: Sounds | None = None,
                 session_settings: SessionSettings | None = None) -> None:
        self.settings = settings
        self._given_source = source
        self._given_estimator = estimator
        self._display = display
        self._sounds = sounds
        self._session_settings = session_settings or SessionSettings(exercise=settings.exercise)
        self._clock = time.monotonic
        self._interrupted = threading.Event()
        self._paused = threading.Event()
        self._ending: Ending | None = None
        self._failure: FormcheckError | None = None
        # Set by run():
        self._session: Session | None = None
        self._estimator: PoseModel | None = None
        self._handoff = NewestFrame()
        self._capture: CaptureThread | None = None
        # Display state (what outlives a frame):
        self._overlay = Overlay(banner_s=settings.banner_s)
        self._overlay_set = 1
        self._set_counted = 0
        self._set_over: _SetOver | None = None
        self._last_rep_end_s: float | None = None
        self._image: np.ndarray | None = None  # the last frame's picture, as captured
        self._drawn: np.ndarray | None = None  # the last picture drawn
        self._current: Captured | None = None
        # Measurements:
        self._latency_ms = array("d")
        self._recent: deque[tuple[float, float]] = deque()  # (done at, latency ms)
        self._first_done_s: float | None = None
        self._last_done_s: float | None = None
        self._frames_paused = 0

    # ---------------------------------------------------------------- control

    def interrupt(self) -> None:
        """Stop at the next frame, as Ctrl-C does (safe from a signal handler or thread)."""
        self._interrupted.set()

    @contextmanager
    def _ctrl_c_stops_cleanly(self) -> Iterator[None]:
        """The first Ctrl-C ends the session at the next frame (the report is written);
        a second one stops at once."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = signal.getsignal(signal.SIGINT)
        restore = previous if previous is not None else signal.SIG_DFL

        def on_sigint(signum: int, frame: FrameType | None) -> None:
            self.interrupt()
            signal.signal(signal.SIGINT, restore)

        signal.signal(signal.SIGINT, on_sigint)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, restore)

    # -------------------------------------------------------------------- run

    def run(self) -> LiveResult:
        """Run until the file ends, the user quits or interrupts, or the camera fails."""
        settings = self.settings
        settings.check()
        with self._ctrl_c_stops_cleanly(), ExitStack() as stack:
            try:
                source = (self._given_source if self._given_source is not None
                          else stack.enter_context(self._open_source()))
            except InputError as exc:
                return self._could_not_open(exc)
            if self._given_estimator is not None:
                estimator: PoseModel = self._given_estimator
            else:
                model = PoseEstimator(settings.model)
                stack.callback(model.close)
                estimator = model
            self._estimator = estimator
            provenance = Provenance(
                model=estimator.model_name, model_sha256=estimator.model_sha256,
                source_sha256=sha256_of(settings.source) if settings.source else None)
            session = Session(source.info, self._session_settings, provenance=provenance)
            self._session = session
            if self._sounds is None:
                self._sounds = stack.enter_context(Sounds(settings.sound))
            if self._display is None and settings.window:
                self._display = Window(settings.window_name)
                stack.callback(self._display.close)
            is_file = settings.source is not None
            recorder = (Recorder(settings.record, source.info.fps)
                        if settings.record is not None else None)
            self._capture = CaptureThread(
                source.frames(), self._handoff, pace=is_file and not settings.fast,
                wait_for_consumer=settings.fast, hold_when_paused=is_file,
                paused=self._paused, recorder=recorder)
            self._capture.start()
            try:
                report = run_session(session, self._poses(), self._on_frame)
            finally:
                self._capture.stop()
                self._handoff.close()
                self._capture.join(JOIN_TIMEOUT_S)
                if self._capture.is_alive():
                    logger.warning("the capture thread did not stop (a camera stuck in a"
                                   " read); leaving it to the process's exit")
            return self._finish(report)

    def _open_source(self) -> FrameSource:
        settings = self.settings
        if settings.source is not None:
            return VideoFile(settings.source)
        index = settings.camera_index
        assert index is not None
        with _opencv_quiet():  # its own warnings about absent devices: ours says it better
            return Camera(index)

    def _source_label(self) -> str:
        if self.settings.source is not None:
            return str(self.settings.source)
        return f"camera {self.settings.camera_index}"

    def _could_not_open(self, error: InputError) -> LiveResult:
        """No frames at all: an ungradable report that says why (so that a stale report
        of an earlier session is never taken for this one's)."""
        settings = self.settings
        path = (str(settings.source) if settings.source is not None
                else f"camera:{settings.camera_index}")
        report = Report(Status.UNGRADABLE, VideoInfo(path, 0, 0, 0.0, 0.0, None, ""),
                        "other", reason=str(error))
        if settings.report is not None:
            write_json(report.to_dict(), settings.report)
        note = f" (report -> {settings.report})" if settings.report is not None else ""
        message = str(error) + note
        return LiveResult(report, self._stats(), Ending.SOURCE_FAILED, InputError(message),
                          message, settings.report)

    def _finish(self, report: Report) -> LiveResult:
        settings = self.settings
        if settings.report is not None:
            write_json(report.to_dict(), settings.report)
        if settings.snapshot is not None and self._drawn is not None:
            with atomic_path(settings.snapshot) as tmp:
                if not cv2.imwrite(str(tmp), cv2.cvtColor(self._drawn, cv2.COLOR_RGB2BGR)):
                    raise OSError(f"cannot write the snapshot {settings.snapshot}")
        ending = self._ending or Ending.SOURCE_ENDED
        message: str | None = None
        failure: FormcheckError | None = None
        if self._failure is not None:
            message = str(self._failure) + self._report_note(report)
            failure = InputError(message)
        elif ending is Ending.INTERRUPTED:
            message = f"interrupted after {report.total_reps} reps" + self._report_note(report)
        return LiveResult(report, self._stats(), ending, failure, message, settings.report)

    def _report_note(self, report: Report) -> str:
        if self.settings.report is None:
            return ""
        reps = report.total_reps
        return (f" (the report of the {reps} rep{'s' if reps != 1 else ''} so far ->"
                f" {self.settings.report})")

    def _stats(self) -> LiveStats:
        span = (self._last_done_s - self._first_done_s
                if self._first_done_s is not None and self._last_done_s is not None else 0.0)
        capture = self._capture
        return LiveStats(
            frames_captured=capture.frames_read if capture is not None else 0,
            frames_processed=len(self._latency_ms),
            frames_dropped=self._handoff.dropped,
            frames_paused=self._frames_paused,
            processing_s=span,
            latency_ms=np.frombuffer(self._latency_ms, dtype=np.float64).copy(),
        )

    # ------------------------------------------------------------- the frames

    def _poses(self) -> Iterator[tuple[PoseSample, Frame]]:
        """The newest frame's pose, one at a time, until the session should end."""
        assert self._estimator is not None and self._capture is not None
        is_camera = self.settings.source is None
        timeout_s = 2.0 * self.settings.camera_timeout_s  # a camera's first frame is slow
        last_frame_s = self._clock()
        while self._ending is None:
            if self._interrupted.is_set():
                self._ending = Ending.INTERRUPTED
                break
            captured = self._handoff.take(POLL_S)
            if captured is None:
                if self._handoff.ended:
                    self._source_ended()
                    break
                self._handle_key(self._display.poll() if self._display is not None else -1)
                if is_camera and self._clock() - last_frame_s > timeout_s:
                    self._fail(f"camera {self.settings.camera_index} sent no frame for"
                               f" {timeout_s:.0f} s: was it unplugged or taken by another"
                               " program?")
                    break
                continue
            last_frame_s, timeout_s = self._clock(), self.settings.camera_timeout_s
            if self._paused.is_set():  # a camera cannot pause: its frames are skipped
                self._frames_paused += 1
                self._handle_key(self._display.poll() if self._display is not None else -1)
                continue
            self._current = captured
            yield self._estimator.estimate(captured.frame), captured.frame

    def _source_ended(self) -> None:
        assert self._capture is not None
        error, label = self._capture.error, self._source_label()
        after = f"after {self._capture.last_t_s:.1f} s"
        if error is not None:
            if not isinstance(error, SOURCE_ERRORS):
                raise error  # a bug: keep its traceback
            self._fail(f"{label} failed {after}: {error}")
        elif self.settings.source is None:
            if self._capture.frames_read == 0:
                self._fail(f"{label} delivered no frames: is another program using it?")
            else:
                self._fail(f"{label} stopped delivering frames {after}: was it unplugged?")
        else:
            self._ending = Ending.SOURCE_ENDED

    def _fail(self, message: str) -> None:
        self._ending = Ending.SOURCE_FAILED
        self._failure = InputError(message)
        logger.info("%s", message)

    def _on_frame(self, state: FrameState, events: list[Event], frame: Frame | None) -> None:
        """After each frame (and once more for the events of the end of the stream)."""
        self._follow(state, events)
        if frame is not None:
            self._image = frame.image
        self._redraw(state)
        if frame is not None and self._current is not None:
            done = self._clock()
            latency = 1000.0 * (done - self._current.captured_s)
            self._latency_ms.append(latency)
            self._first_done_s = done if self._first_done_s is None else self._first_done_s
            self._last_done_s = done
            self._recent.append((done, latency))
            while self._recent and done - self._recent[0][0] > RATE_WINDOW_S:
                self._recent.popleft()

    def _follow(self, state: FrameState, events: list[Event]) -> None:
        """The overlay, the sounds and the set display follow the session's events."""
        if state.set_index != self._overlay_set:  # a new set: its own count and stop
            self._overlay = Overlay(banner_s=self.settings.banner_s)
            self._overlay_set, self._set_counted, self._set_over = state.set_index, 0, None
        spoken: list[str] = []
        # The overlay is told where the current set stopped rather than where the clip's
        # count did (the same for the first set): the window counts per set.
        shown: list[Event] = [e for e in events if not isinstance(e, CountStopped)]
        for event in events:
            if isinstance(event, RepGraded):
                self._last_rep_end_s = event.graded.rep.end_s
            elif isinstance(event, SetupHint):
                spoken.append(event.message)
        if state.set_good_reps > self._set_counted:
            spoken.append(number_word(state.set_good_reps))
        stopped_now = state.set_stopped and self._set_over is None
        if stopped_now:
            bad = next((e for e in events if isinstance(e, RepGraded) and not e.graded.good
                        and e.graded.set_index == state.set_index), None)
            self._set_over = _SetOver(state.set_good_reps, bad.index if bad else None)
            if bad is not None:
                fault = bad.graded.faults[0]
                shown.append(CountStopped(bad.t_s, bad.index, state.set_good_reps, fault))
                spoken.append(f"{fault.code.split('.', 1)[-1].replace('_', ' ')}: set over")
            else:
                spoken.append("set over")
        sounds = self._sounds
        if sounds is not None:
            if stopped_now:
                sounds.set_over()
            elif state.set_good_reps > self._set_counted:
                sounds.good_rep()
            if spoken:
                sounds.say(". ".join(spoken))
        self._set_counted = state.set_good_reps
        self._overlay.update(self._set_state(state), shown)

    @staticmethod
    def _set_state(state: FrameState) -> FrameState:
        """The state as the window counts: the current set's good reps and stop."""
        return replace(state, good_reps=state.set_good_reps, count_stopped=state.set_stopped)

    def _view(self, state: FrameState) -> LiveView:
        rest_s: float | None = None
        if state.phase == "rest" and self._last_rep_end_s is not None:
            rest_s = max(0.0, state.t_s - self._last_rep_end_s)
        set_break_s = self._session_settings.set_break_s
        next_set = rest_s is not None and rest_s > set_break_s
        recent = [latency for _, latency in self._recent]
        span = self._recent[-1][0] - self._recent[0][0] if len(self._recent) > 1 else 0.0
        return LiveView(
            good=state.set_good_reps,
            set_index=state.set_index,
            set_over=(self._set_over.good if self._set_over is not None and not next_set
                      else None),
            rest_s=rest_s,
            next_set=next_set,
            paused=self._paused.is_set(),
            fps=(len(self._recent) - 1) / span if span > 0 else 0.0,
            latency_ms=float(np.median(recent)) if recent else math.nan,
            dropped=self._handoff.dropped,
            keys=self._display is not None,
        )

    def _redraw(self, state: FrameState | None = None) -> None:
        """Draw the last picture with ``state`` (the session's current one by default)
        and show it; handle the key pressed meanwhile."""
        if self._image is None:
            return
        if state is None:
            assert self._session is not None
            state = self._session.state
        image, shown = self._image, self._set_state(state)
        if self.settings.mirrored:
            image = image[:, ::-1]
            shown = mirrored_state(shown, image.shape[1])
        drawn = self._overlay.draw(image, shown)
        banner = self._overlay.regions(shown, drawn.shape).get("banner")
        draw_live(drawn, self._view(state), above=banner)
        self._drawn = drawn
        if self._display is not None:
            self._handle_key(self._display.show(drawn))

    def _handle_key(self, key: int) -> None:
        display = self._display
        if display is not None and display.closed:
            self._ending = self._ending or Ending.QUIT
            return
        if key < 0:
            return
        char = chr(key).lower()
        if char == "q" or key == 27:
            self._ending = self._ending or Ending.QUIT
        elif char == "r" and self._session is not None:
            self._session.new_set()
            self._redraw()
        elif char == " ":
            if self._paused.is_set():
                self._paused.clear()
            else:
                self._paused.set()
            self._redraw()


@contextmanager
def _opencv_quiet() -> Iterator[None]:
    """Silence OpenCV's own log (its warnings about absent or busy devices)."""
    from cv2.utils import logging as cv_logging

    previous = cv_logging.getLogLevel()
    cv_logging.setLogLevel(cv_logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        cv_logging.setLogLevel(previous)


def run_live(settings: LiveSettings) -> LiveResult:
    """Run ``formcheck live``: see :class:`LiveRunner`."""
    return LiveRunner(settings).run()


# -------------------------------------------------------------------- live panels


def _scale_unit(height: int, width: int) -> float:
    # As the overlay sizes its text: from the height, capped by the width.
    return max(0.35, min(height / 720.0, width / 700.0))


def _boxed_lines(out: np.ndarray, lines: list[tuple[str, float, int, Colour]], *,
                 right: int | None = None, centre: int | None = None, top: int | None = None,
                 bottom: int | None = None, fill: Colour = PANEL, alpha: float = 0.65,
                 pad: int = 8) -> Box:
    """Draw ``(text, scale, thickness, colour)`` lines on a translucent box anchored by
    its right edge or centre, and its top or bottom; returns the box."""
    sizes = [cv2.getTextSize(text, FONT, scale, thick) for text, scale, thick, _ in lines]
    gap = max(2, pad // 2)
    width = max(w for (w, _), _ in sizes) + 2 * pad
    height = sum(h + b for (_, h), b in sizes) + gap * (len(lines) - 1) + 2 * pad
    x0 = (right - width) if right is not None else (centre or 0) - width // 2
    y0 = top if top is not None else (bottom or 0) - height
    x0, y0 = max(0, x0), max(0, y0)
    box = Box(x0, y0, x0 + width, y0 + height)
    region = box.crop(out)
    if region.size:
        tint = np.empty_like(region)
        tint[:] = fill
        region[:] = cv2.addWeighted(region, 1.0 - alpha, tint, alpha, 0.0)
    cursor = y0 + pad
    for (text, scale, thick, colour), ((w, h), b) in zip(lines, sizes, strict=True):
        cursor += h
        x = x0 + (width - w) // 2 if centre is not None else x0 + width - pad - w
        cv2.putText(out, text, (x, cursor), FONT, scale, colour, thick, cv2.LINE_AA)
        cursor += b + gap
    return box


def draw_live(out: np.ndarray, view: LiveView, *, above: Box | None = None) -> None:
    """Draw the live panels onto ``out`` (``(H, W, 3)`` uint8 RGB, in place): the large
    count of the set's good reps with the set, the rest and the processing rate (top
    right), "set over" above the banner, and "paused" in the middle.

    Args:
        out: The drawn frame.
        view: What to show.
        above: The overlay's banner, which the "set over" panel sits above.
    """
    height, width = out.shape[:2]
    unit = _scale_unit(height, width)
    pad, margin = max(3, round(8 * unit)), max(4, round(12 * unit))
    thick = max(1, round(1.5 * unit))
    small = 0.55 * unit
    lines: list[tuple[str, float, int, Colour]] = [
        (str(view.good), 3.2 * unit, max(2, round(7 * unit)),
         WARN if view.set_over is not None else GOOD),
        (f"good rep{'s' if view.good != 1 else ''}, set {view.set_index}", 0.7 * unit,
         max(1, round(2 * unit)), TEXT),
    ]
    if view.rest_s is not None:
        rest = f"rest {int(view.rest_s) // 60}:{int(view.rest_s) % 60:02d}"
        if view.next_set:
            rest += f": next rep opens set {view.set_index + 1}"
        lines.append((rest, small, thick, MUTED))
    rate = f"{view.fps:.0f} fps" if view.fps > 0 else "-- fps"
    latency = f"{view.latency_ms:.0f} ms" if math.isfinite(view.latency_ms) else "-- ms"
    lines.append((f"{rate}, {latency}, {view.dropped} dropped", small, thick, MUTED))
    if view.keys:
        lines.append(("q quit, r new set, space pause", small, thick, MUTED))
    _boxed_lines(out, lines, right=width - margin, top=margin, pad=pad)

    if view.set_over is not None:
        reps = f"{view.set_over} good rep{'s' if view.set_over != 1 else ''}"
        over: list[tuple[str, float, int, Colour]] = [
            (ascii_text(f"set over: {reps}"), 1.1 * unit, max(2, round(3 * unit)), TEXT)]
        if view.keys:
            over.append(("rest, then go again (r starts a new set now)", small, thick, TEXT))
        bottom = (above.y0 if above is not None else height) - margin
        _boxed_lines(out, over, centre=width // 2, bottom=bottom, fill=FAULT_PANEL,
                     alpha=0.8, pad=pad)
    if view.paused:
        _boxed_lines(out, [("paused", 1.4 * unit, max(2, round(3 * unit)), WARN),
                           ("space to go on", small, thick, TEXT)],
                     centre=width // 2, top=height // 2 - round(40 * unit), pad=pad)
