"""Grade a source of frames (a video file, a camera) or a saved pose recording, fed
through one :class:`~formcheck.session.Session`.

This is the driver behind ``formcheck analyse`` and ``formcheck eval``. It keeps
nothing of the clip but what the session keeps (a bounded window of frames), so
memory does not grow with the clip's length.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from formcheck.chunks import ChunkingFailed, analyse_in_chunks, decoded_span, stitched
from formcheck.clip_warnings import ClipWatch
from formcheck.errors import InputError
from formcheck.limits import TimeLimits, within_time_limit
from formcheck.pipeline import (
    ProgressCallback,
    estimated_poses,
    model_frames,
    prefetched,
    recorded_poses,
)
from formcheck.pose.estimator import PoseEstimator
from formcheck.pose.model import DEFAULT_MODEL, sha256_of
from formcheck.pose.series import PoseRecording, PoseSample
from formcheck.report import Provenance, Report
from formcheck.session import Event, FrameState, Session, SessionSettings
from formcheck.speed import FrameSelector, SpeedSettings
from formcheck.video import Frame, FrameSource, VideoFile, VideoInfo

logger = logging.getLogger(__name__)

#: Called after each frame with the session's state, the events of that frame, and the
#: decoded frame (None when re-grading a saved recording, which has no pictures).
FrameCallback = Callable[[FrameState, list[Event], Frame | None], None]

#: Saved pose recordings (``formcheck pose -o poses.npz``) are graded without the model.
RECORDING_SUFFIX = ".npz"


def run_session(session: Session, poses: Iterable[tuple[PoseSample | None, Frame | None]],
                on_frame: FrameCallback | None = None, *,
                decoded: FrameSelector | None = None) -> Report:
    """Feed every pose through ``session`` and return its report.

    Args:
        session: A fresh session.
        poses: ``(pose, frame)`` pairs in time order; the frame may be None. A None pose
            is a frame decoded to be shown but not analysed (between the frames the
            analysis rate picks): ``on_frame`` is told it with the state so far.
        on_frame: Told each frame's state, events and frame; the events of the end of
            the stream (a rep cut off by it) come in one more call, without a frame.
        decoded: The selector that picked the analysed frames: the report then
            describes every frame decoded (its count and rate), not only those analysed.
    """
    for sample, frame in poses:
        if sample is None:
            if on_frame is not None and frame is not None:
                on_frame(replace(session.state, t_s=frame.t_s), [], frame)
            continue
        events = session.feed(sample)
        if on_frame is not None:
            on_frame(session.state, events, frame)
    final = session.end()
    if on_frame is not None and final:
        on_frame(session.state, final, None)
    return with_decoded_frames(session.finish(), decoded)


def with_decoded_frames(report: Report, decoded: FrameSelector | None) -> Report:
    """``report`` describing every frame ``decoded`` saw (count, rate, duration), when the
    analysis rate left some out of the session."""
    if decoded is None or decoded.first_t_s is None or decoded.last_t_s is None:
        return report
    if report.video.frame_count == decoded.decoded:
        return report
    return replace(report, video=report.video.decoded(decoded.decoded, decoded.first_t_s,
                                                      decoded.last_t_s))


def analyse_recording(recording: PoseRecording, exercise: str = "auto", *,
                      on_frame: FrameCallback | None = None) -> Report:
    """Re-grade a saved recording's raw poses (the session cleans them again, exactly as
    it did when the video was analysed)."""
    provenance = Provenance(model=recording.model,
                            model_sha256=recording.meta.get("model_sha256"),
                            source_sha256=recording.meta.get("source_sha256"))
    session = Session(recording.video, SessionSettings(exercise=exercise),
                      provenance=provenance)
    return run_session(session, ((sample, None) for sample in recorded_poses(recording)),
                       on_frame)


def analyse_source(source: FrameSource, exercise: str = "auto", *,
                   model: str = DEFAULT_MODEL, source_sha256: str | None = None,
                   on_progress: ProgressCallback | None = None,
                   on_frame: FrameCallback | None = None,
                   speed: SpeedSettings | None = None) -> Report:
    """Run the pose model over a frame source (a camera, or a file without the file's
    checks: see :func:`analyse_video`), frame by frame, and grade it; the source is read
    until it stops delivering frames.

    Frames are decoded on a reader thread while the model works on the previous one, and
    picked at ``speed``'s analysis rate.
    """
    speed = speed or SpeedSettings()
    selector = FrameSelector(speed.effective_fps(source.info.fps))
    frames = prefetched(model_frames(source, selector, speed, pictures=on_frame is not None),
                        speed)
    try:
        return _grade_frames(source.info, frames, selector, exercise, model=model,
                             source_sha256=source_sha256, on_progress=on_progress,
                             on_frame=on_frame)
    finally:
        frames.close()  # stops the reader thread if the session ended early


def _grade_frames(info: VideoInfo, frames: Iterator[Frame], selector: FrameSelector,
                  exercise: str, *, model: str, source_sha256: str | None,
                  on_progress: ProgressCallback | None,
                  on_frame: FrameCallback | None) -> Report:
    """The pose model over ``frames`` and their poses through one session."""
    with PoseEstimator(model) as estimator:
        provenance = Provenance(model=estimator.model_name, model_sha256=estimator.model_sha256,
                                source_sha256=source_sha256)
        session = Session(info, SessionSettings(exercise=exercise), provenance=provenance)
        poses = estimated_poses(frames, estimator, duration_s=info.duration_s,
                                on_progress=on_progress)
        return run_session(session, poses, on_frame, decoded=selector)


def analyse_video(path: str | Path, exercise: str = "auto", *, model: str = DEFAULT_MODEL,
                  on_progress: ProgressCallback | None = None,
                  on_frame: FrameCallback | None = None,
                  limits: TimeLimits | None = None,
                  speed: SpeedSettings | None = None) -> Report:
    """Run the pose model over a video file, frame by frame, and grade it.

    One pipeline: the frames the analysis rate picks are decoded on a helper thread under
    the clip's time limit (:mod:`formcheck.limits`), looked at by a :class:`ClipWatch`
    (cuts, light, timestamps), given to the model and fed to the session. A file long
    enough is analysed in parallel chunks when ``speed`` allows more than one process
    (:mod:`formcheck.chunks`); each chunk then looks at its frames as the watch would,
    and the watch takes what they saw, so the warnings are the same either way.

    The report carries warnings about the file (cut off, cuts, the person leaving...).

    Raises:
        InputError: the file cannot be read as a video.
        TooShortError: it is too short to grade.
        TimeLimitError: decoding and analysis went over the clip's time limit.
    """
    path = Path(path)
    speed = speed or SpeedSettings()
    with VideoFile(path) as video:
        info = video.info
        watch = ClipWatch(info)
        source_sha256 = sha256_of(path)

        def on_watched_frame(state: FrameState, events: list[Event], frame: Frame | None
                             ) -> None:
            watch.observe(state, events)
            if on_frame is not None:
                on_frame(state, events, frame)

        selector = FrameSelector(speed.effective_fps(info.fps))
        processes = speed.processes_for(info.duration_s)
        if on_frame is None and processes > 1:
            try:
                report, decode_error = _analyse_in_chunks(
                    video, exercise, watch, model=model, source_sha256=source_sha256,
                    on_progress=on_progress, processes=processes, speed=speed,
                    fps=selector.fps, limits=limits, on_frame=on_watched_frame)
            except ChunkingFailed as exc:
                logger.warning("analysing %s in one process: %s", info.path, exc)
            else:
                watch.check_length()
                return watch.with_warnings(report, decode_error)
        # The watch looks at each frame on the decoding thread, while it is in the cache.
        frames = within_time_limit(
            watch.frames(model_frames(video, selector, speed, pictures=on_frame is not None)),
            info.duration_s, limits, name=str(path), on_abandon=video.abandon)
        report = _grade_frames(info, frames, selector, exercise,
                               model=model, source_sha256=source_sha256,
                               on_progress=on_progress, on_frame=on_watched_frame)
        watch.check_length()
        return watch.with_warnings(report, video.decode_error)


def _analyse_in_chunks(source: VideoFile, exercise: str, watch: ClipWatch, *, model: str,
                       source_sha256: str | None, on_progress: ProgressCallback | None,
                       processes: int, speed: SpeedSettings, fps: float | None,
                       limits: TimeLimits | None, on_frame: FrameCallback | None = None
                       ) -> tuple[Report, str | None]:
    """The model over parallel chunks, their poses through one session (``on_frame`` is
    told the states and events, without pictures), what the chunks saw of the frames
    given to ``watch``; the report and why decoding stopped early (None: it did not)."""
    info = source.info
    chunks = analyse_in_chunks(info.path, duration_s=info.duration_s, processes=processes,
                               model=model, analysis_fps=fps, max_side_px=speed.max_side_px,
                               limits=limits, on_progress=on_progress)
    for chunk in chunks:
        watch.replay(chunk.looks)
    provenance = Provenance(model=chunks[0].model_name, model_sha256=chunks[0].model_sha256,
                            source_sha256=source_sha256)
    session = Session(info, SessionSettings(exercise=exercise), provenance=provenance)
    report = run_session(session, ((sample, None) for sample in stitched(chunks)), on_frame,
                         decoded=decoded_span(chunks))
    if on_progress is not None:
        on_progress(1.0)
    # A chunk that found no frame of its range was sent past where the file really ends
    # (a cut-off file declares its whole length): its error is the seek's, not the file's.
    errors = [chunk.decode_error for chunk in chunks
              if chunk.decode_error is not None and chunk.decoded > 0]
    return report, (errors[0] if errors else None)


def analyse_file(path: str | Path, exercise: str = "auto", *, model: str = DEFAULT_MODEL,
                 on_progress: ProgressCallback | None = None,
                 on_frame: FrameCallback | None = None,
                 limits: TimeLimits | None = None,
                 speed: SpeedSettings | None = None) -> Report:
    """Grade a video file, or a pose recording saved by ``formcheck pose -o x.npz``."""
    path = Path(path)
    if path.suffix.lower() == RECORDING_SUFFIX:
        return analyse_recording(PoseRecording.load_npz(path), exercise, on_frame=on_frame)
    if path.suffix.lower() == ".json" and _looks_like_pose_json(path):
        raise InputError(f"{path}: a JSON pose file holds only the cleaned series; re-grade"
                         " from a .npz recording (formcheck pose VIDEO -o poses.npz)")
    return analyse_video(path, exercise, model=model, on_progress=on_progress,
                         on_frame=on_frame, limits=limits, speed=speed)


def _looks_like_pose_json(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return b"formcheck.poses/" in fh.read(4096)
    except OSError:
        return False
