"""The one way through: poses into a session, its state and events out to the sinks.

Every driver (a file, a saved recording, a camera, parallel chunks, a batch worker, the
web service's workers) grades a clip through one :class:`ClipRun`::

    run = ClipRun(video.info, SessionSettings(exercise="auto"), model=estimator,
                  source_sha256=digest, watch=ClipWatch(video.info), sinks=[annotated])
    for sample, frame in poses:         # a None sample: a frame shown, not analysed
        run.feed(sample, frame)
    report = run.finish(decoded=selector, decode_error=video.decode_error)

The run builds the session and the report's provenance, tells the clip's watch (warnings)
and every sink (the annotated video, the HTML report's trace and key frames, a live
window) each frame's state and events, and at the end puts the watch's warnings on the
report. What a driver adds is only where the frames come from and where the results go.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Protocol

from formcheck.analysis.events import Event, FrameState
from formcheck.analysis.report import Provenance, Report
from formcheck.analysis.session import Session
from formcheck.analysis.settings import SessionSettings
from formcheck.analysis.watch import ClipWatch
from formcheck.pose.series import PoseSample
from formcheck.sources.file import VideoFile
from formcheck.sources.frames import Frame, FrameSource, VideoInfo
from formcheck.sources.sampling import FrameSelector


class FrameSink(Protocol):
    """Told each frame's state and events (the annotated video, a trace, a window).

    ``frame`` is the decoded picture, or None: a frame of a saved recording, or the
    events of the end of the stream (a rep cut off by it), told once more after the last
    frame.
    """

    def add(self, state: FrameState, events: list[Event], frame: Frame | None) -> None: ...


class PoseModel(Protocol):
    """What a run needs of a pose estimator (:class:`~formcheck.pose.estimator.PoseEstimator`,
    or a test's)."""

    @property
    def model_name(self) -> str: ...

    @property
    def model_sha256(self) -> str | None: ...

    def estimate(self, frame: Frame) -> PoseSample: ...


#: Called with the fraction of the clip done, 0.0-1.0.
ProgressCallback = Callable[[float], None]


def selected_frames(source: FrameSource, selector: FrameSelector, *,
                    max_side_px: int | None = None, every_frame: bool = False
                    ) -> Iterator[Frame]:
    """The frames of ``source`` to analyse, as ``selector`` picks them on the analysis
    rate's time grid (:mod:`formcheck.sources.sampling`).

    Args:
        source: A video file or a camera.
        selector: Picks the frames to analyse and counts every frame decoded.
        max_side_px: Frames larger than this are scaled down for the model (not with
            ``every_frame``: those frames are drawn on at full size).
        every_frame: Also yield the frames not picked, marked ``analysed=False``, for a
            sink that draws every frame; otherwise a file never converts them to RGB.
    """
    if isinstance(source, VideoFile):
        yield from source.frames(max_side_px=None if every_frame else max_side_px,
                                 select=selector, unselected=every_frame)
        return
    for frame in source.frames():
        picked = marked(frame, selector)
        if picked.analysed or every_frame:
            yield picked


def marked(frame: Frame, selector: FrameSelector) -> Frame:
    """``frame``, marked not analysed when the analysis rate leaves it out."""
    return frame if selector(frame.t_s) else replace(frame, analysed=False)


def poses(frames: Iterable[Frame], model: PoseModel, *, duration_s: float = 0.0,
          on_progress: ProgressCallback | None = None
          ) -> Iterator[tuple[PoseSample | None, Frame]]:
    """Each frame with its raw pose, one at a time; a frame not analysed (shown only)
    comes with None."""
    for frame in frames:
        yield (model.estimate(frame) if frame.analysed else None), frame
        if on_progress is not None and duration_s > 0:
            on_progress(min(1.0, frame.t_s / duration_s))
    if on_progress is not None:
        on_progress(1.0)


class ClipRun:
    """One analysis of one clip: a session, its provenance and watch, and the sinks.

    Args:
        info: The source's description.
        settings: The session's settings (the exercise, ``auto`` or forced).
        model: The pose model's name, or the estimator itself (its name and sha256 go
            into the provenance).
        model_sha256: The model's sha256, when ``model`` is a name.
        source_sha256: The clip's sha256 (None for a camera).
        watch: Looks for what makes the grade less trustworthy; None: no warnings.
        sinks: Told each frame's state and events, in order.
        exercises: The exercise registry (a test may pass its own).
    """

    def __init__(self, info: VideoInfo, settings: SessionSettings | None = None, *,
                 model: PoseModel | str | None = None, model_sha256: str | None = None,
                 source_sha256: str | None = None, watch: ClipWatch | None = None,
                 sinks: Sequence[FrameSink] = (), exercises: dict | None = None) -> None:
        if model is None or isinstance(model, str):
            name = model or ""
        else:
            name, model_sha256 = model.model_name, model.model_sha256
        provenance = Provenance(model=name, model_sha256=model_sha256,
                                source_sha256=source_sha256)
        self.session = Session(info, settings, exercises=exercises, provenance=provenance)
        self.watch = watch
        self.sinks = list(sinks)
        # The state is worked out only when someone looks at it.
        self._listening = watch is not None or bool(self.sinks)

    def feed(self, sample: PoseSample | None, frame: Frame | None = None) -> list[Event]:
        """One frame: its raw pose (None: shown with the state so far, not analysed) and
        its picture (None for a recording). Returns the frame's events."""
        if sample is None:
            if frame is not None and self._listening:
                self._tell(replace(self.session.state, t_s=frame.t_s), [], frame)
            return []
        events = self.session.feed(sample)
        if self._listening:
            self._tell(self.session.state, events, frame)
        return events

    def run(self, stream: Iterable[tuple[PoseSample | None, Frame | None]], *,
            decoded: FrameSelector | None = None) -> Report:
        """Feed every ``(pose, frame)`` of ``stream`` and finish (see :meth:`finish`)."""
        for sample, frame in stream:
            self.feed(sample, frame)
        return self.finish(decoded=decoded)

    def finish(self, *, decoded: FrameSelector | None = None,
               decode_error: str | None = None, check_length: bool = False) -> Report:
        """End the stream and return the report, with the watch's warnings.

        Args:
            decoded: The selector that picked the analysed frames: the report then
                describes every frame decoded (its count and rate), not only those
                analysed.
            decode_error: Why decoding stopped before the end of the file, if it did.
            check_length: Refuse a clip too short to grade (a file; a live session
                ends when the user says).

        Raises:
            TooShortError: with ``check_length``, the clip is too short to grade.
        """
        final = self.session.end()
        if final and self._listening:
            self._tell(self.session.state, final, None)
        report = with_decoded_frames(self.session.report(), decoded)
        if self.watch is None:
            return report
        if decoded is not None and decoded.first_t_s is not None \
                and decoded.last_t_s is not None:
            self.watch.count_decoded(decoded.decoded, decoded.first_t_s, decoded.last_t_s)
        if check_length:
            self.watch.check_length()
        return self.watch.with_warnings(report, decode_error)

    def _tell(self, state: FrameState, events: list[Event], frame: Frame | None) -> None:
        if self.watch is not None:
            self.watch.observe(state, events)
        for sink in self.sinks:
            sink.add(state, events, frame)


def with_decoded_frames(report: Report, decoded: FrameSelector | None) -> Report:
    """``report`` describing every frame ``decoded`` saw (count, rate, duration), when the
    analysis rate left some out of the session."""
    if decoded is None or decoded.first_t_s is None or decoded.last_t_s is None:
        return report
    if report.video.frame_count == decoded.decoded:
        return report
    return replace(report, video=report.video.decoded(decoded.decoded, decoded.first_t_s,
                                                      decoded.last_t_s))
