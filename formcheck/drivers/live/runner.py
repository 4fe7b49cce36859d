"""The live loop: frames from the capture thread through the pose model and the session,
drawn, shown and heard; the report at the end, whatever ends it."""

from __future__ import annotations

import logging
import math
import signal
import threading
import time
from array import array
from collections import deque
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType

import cv2
import numpy as np

from formcheck.analysis.events import Event, FrameState
from formcheck.analysis.report import Report, Status
from formcheck.analysis.session import Session
from formcheck.analysis.settings import SessionSettings
from formcheck.analysis.watch import ClipWatch, FrameMeter, WatchSettings
from formcheck.drivers.live.capture import Captured, CaptureThread, NewestFrame, Recorder
from formcheck.drivers.live.feedback import SetFeedback, set_state
from formcheck.drivers.live.keys import KeyAction, action_of
from formcheck.drivers.live.panels import LiveView, body_box, draw_live, mirrored_state
from formcheck.drivers.live.settings import (
    EXIT_INTERRUPTED,
    JOIN_TIMEOUT_S,
    POLL_S,
    RATE_WINDOW_S,
    SOURCE_ERRORS,
    Ending,
    LiveSettings,
)
from formcheck.drivers.live.sound import Sounds
from formcheck.drivers.live.window import Display, Window
from formcheck.drivers.run import ClipRun, PoseModel, marked, poses
from formcheck.drivers.speed import SpeedSettings
from formcheck.errors import ExitCode, FormcheckError, InputError
from formcheck.fileio import atomic_path, sha256_of
from formcheck.pose.estimator import PoseEstimator
from formcheck.reporters.json import write_json
from formcheck.sources.camera import Camera
from formcheck.sources.file import VideoFile
from formcheck.sources.frames import Frame, FrameSource, VideoInfo
from formcheck.sources.sampling import FrameSelector

logger = logging.getLogger(__name__)


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
        self._session_settings = session_settings or SessionSettings(exercise=settings.exercise)
        self._clock = time.monotonic
        self._interrupted = threading.Event()
        self._paused = threading.Event()
        self._ending: Ending | None = None
        self._failure: FormcheckError | None = None
        # Set by run():
        self._session: Session | None = None
        self._handoff = NewestFrame()
        self._capture: CaptureThread | None = None
        self._watch: ClipWatch | None = None
        self._meter: FrameMeter | None = None
        # Display state (what outlives a frame):
        self._feedback = SetFeedback(settings.banner_s, sounds)
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
            self._watch = _live_watch(source.info, is_camera=settings.source is None)
            self._meter = FrameMeter(self._watch.settings.sample_px)
            run = ClipRun(source.info, self._session_settings, model=estimator,
                          source_sha256=sha256_of(settings.source) if settings.source else None,
                          watch=self._watch, sinks=[self])
            self._session = run.session
            if self._feedback.sounds is None:
                self._feedback.sounds = stack.enter_context(Sounds(settings.sound))
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
            selector = FrameSelector(SpeedSettings(analysis_fps=settings.analysis_fps)
                                     .effective_fps(source.info.fps))
            try:
                for sample, frame in poses(self._frames(selector), estimator):
                    run.feed(sample, frame)
            finally:
                self._capture.stop()
                self._handoff.close()
                self._capture.join(JOIN_TIMEOUT_S)
                if self._capture.is_alive():
                    logger.warning("the capture thread did not stop (a camera stuck in a"
                                   " read); leaving it to the process's exit")
            self._watch.replay(self._meter.readings())
            return self._finish(run.finish(decoded=selector))

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

    def _frames(self, selector: FrameSelector) -> Iterator[Frame]:
        """The newest frame, one at a time, until the session should end, marked not
        analysed when the analysis rate leaves it out (it is shown with the state so far).
        """
        assert self._capture is not None and self._meter is not None
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
            if not self._meter.look(captured.frame):  # back in time: dropped, as from a file
                continue
            self._current = captured
            yield marked(captured.frame, selector)

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

    def add(self, state: FrameState, events: list[Event], frame: Frame | None) -> None:
        """After each frame (and once more for the events of the end of the stream): the
        runner is a sink of its own :class:`ClipRun`."""
        self._feedback.follow(state, events)
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

    def _view(self, state: FrameState) -> LiveView:
        feedback = self._feedback
        rest_s = feedback.rest_s(state)
        set_break_s = self._session_settings.set_break_s
        next_set = rest_s is not None and rest_s > set_break_s
        recent = [latency for _, latency in self._recent]
        span = self._recent[-1][0] - self._recent[0][0] if len(self._recent) > 1 else 0.0
        return LiveView(
            good=state.set_good_reps,
            set_index=state.set_index,
            set_over=(feedback.set_over.good if feedback.set_over is not None and not next_set
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
        image, shown = self._image, set_state(state)
        if self.settings.mirrored:
            image = image[:, ::-1]
            shown = mirrored_state(shown, image.shape[1])
        overlay = self._feedback.overlay
        drawn = overlay.draw(image, shown)
        banner = overlay.regions(shown, drawn.shape).get("banner")
        draw_live(drawn, self._view(state), above=banner,
                  body=body_box(shown, drawn.shape, margin=round(0.02 * drawn.shape[0])))
        self._drawn = drawn
        if self._display is not None:
            self._handle_key(self._display.show(drawn))

    def _handle_key(self, key: int) -> None:
        display = self._display
        if display is not None and display.closed:
            self._ending = self._ending or Ending.QUIT
            return
        action = action_of(key)
        if action is KeyAction.QUIT:
            self._ending = self._ending or Ending.QUIT
        elif action is KeyAction.NEW_SET and self._session is not None:
            self._session.new_set()
            self._redraw()
        elif action is KeyAction.PAUSE:
            if self._paused.is_set():
                self._paused.clear()
            else:
                self._paused.set()
            self._redraw()


def _live_watch(info: VideoInfo, *, is_camera: bool) -> ClipWatch:
    """The warnings' watch for a live session, as for a file (:mod:`formcheck.analysis.watch`)
    except that a live session ends when the user or the source says, so it is never
    "cut off" (the declared length is not held against it); and that a camera's stream has
    no edits, so its jumps (exposure, the camera moved) are not called cuts."""
    settings = WatchSettings(cut_min_diff=math.inf) if is_camera else WatchSettings()
    return ClipWatch(replace(info, duration_s=0.0, frame_count=None), settings)


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
