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
from typing import Protocol

import cv2
import numpy as np

from formcheck.analyse import run_session
from formcheck.clip_warnings import ClipWatch, FrameLooker, WatchSettings
from formcheck.errors import ExitCode, FormcheckError, InputError
from formcheck.fileio import atomic_path
from formcheck.live.capture import Captured, CaptureThread, NewestFrame, Recorder
from formcheck.live.panels import LiveView, SetOver, draw_live, mirrored_state
from formcheck.live.settings import (
    EXIT_INTERRUPTED,
    JOIN_TIMEOUT_S,
    POLL_S,
    RATE_WINDOW_S,
    SOURCE_ERRORS,
    Ending,
    LiveSettings,
)
from formcheck.live.window import Display, Window
from formcheck.pose.estimator import PoseEstimator
from formcheck.pose.model import sha256_of
from formcheck.pose.series import PoseSample
from formcheck.report import Provenance, Report, Status
from formcheck.reporters.json import write_json
from formcheck.reporters.overlay import (
    Overlay,
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
from formcheck.speed import FrameSelector, SpeedSettings
from formcheck.video import Camera, Frame, FrameSource, VideoFile, VideoInfo

logger = logging.getLogger(__name__)


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
        self._watch: ClipWatch | None = None
        self._looker: FrameLooker | None = None
        # Display state (what outlives a frame):
        self._overlay = Overlay(banner_s=settings.banner_s)
        self._overlay_set = 1
        self._set_counted = 0
        self._set_over: SetOver | None = None
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
            self._watch = _live_watch(source.info, is_camera=settings.source is None)
            self._looker = FrameLooker(self._watch.settings.sample_px)
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
                selector = FrameSelector(SpeedSettings(analysis_fps=settings.analysis_fps)
                                         .effective_fps(source.info.fps))
                report = run_session(session, self._poses(selector), self._on_frame,
                                     decoded=selector)
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
        if self._watch is not None and self._looker is not None:
            self._watch.replay(self._looker.looks())
            report = self._watch.with_warnings(report)
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

    def _poses(self, selector: FrameSelector) -> Iterator[tuple[PoseSample | None, Frame]]:
        """The newest frame's pose, one at a time, until the session should end; None for
        a frame the analysis rate leaves out (it is shown with the state so far)."""
        assert self._estimator is not None and self._capture is not None
        assert self._looker is not None
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
            if not self._looker.look(captured.frame):  # back in time: dropped, as from a file
                continue
            self._current = captured
            if selector(captured.frame.t_s):
                yield self._estimator.estimate(captured.frame), captured.frame
            else:
                yield None, captured.frame

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
        if self._watch is not None:
            self._watch.observe(state, events)
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
            self._set_over = SetOver(state.set_good_reps, bad.index if bad else None)
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


def _live_watch(info: VideoInfo, *, is_camera: bool) -> ClipWatch:
    """The warnings' watch for a live session, as for a file (:mod:`formcheck.clip_warnings`)
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
