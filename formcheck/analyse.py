"""Grade a source of frames (a video file, a camera) or a saved pose recording, fed
through one :class:`~formcheck.session.Session`.

This is the driver behind ``formcheck analyse`` and ``formcheck eval``. It keeps
nothing of the clip but what the session keeps (a bounded window of frames), so
memory does not grow with the clip's length.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from formcheck.clip_warnings import ClipWatch
from formcheck.errors import InputError
from formcheck.limits import TimeLimits, within_time_limit
from formcheck.pipeline import ProgressCallback, estimated_poses, recorded_poses
from formcheck.pose.estimator import PoseEstimator
from formcheck.pose.model import DEFAULT_MODEL, sha256_of
from formcheck.pose.series import PoseRecording, PoseSample
from formcheck.report import Provenance, Report
from formcheck.session import Event, FrameState, Session, SessionSettings
from formcheck.video import Frame, FrameSource, VideoFile, VideoInfo

logger = logging.getLogger(__name__)

#: Called after each frame with the session's state, the events of that frame, and the
#: decoded frame (None when re-grading a saved recording, which has no pictures).
FrameCallback = Callable[[FrameState, list[Event], Frame | None], None]

#: Saved pose recordings (``formcheck pose -o poses.npz``) are graded without the model.
RECORDING_SUFFIX = ".npz"


def run_session(session: Session, poses: Iterable[tuple[PoseSample, Frame | None]],
                on_frame: FrameCallback | None = None) -> Report:
    """Feed every pose through ``session`` and return its report.

    Args:
        session: A fresh session.
        poses: ``(pose, frame)`` pairs in time order; the frame may be None.
        on_frame: Told each frame's state, events and frame; the events of the end of
            the stream (a rep cut off by it) come in one more call, without a frame.
    """
    for sample, frame in poses:
        events = session.feed(sample)
        if on_frame is not None:
            on_frame(session.state, events, frame)
    final = session.end()
    if on_frame is not None and final:
        on_frame(session.state, final, None)
    return session.finish()


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
                   on_frame: FrameCallback | None = None) -> Report:
    """Run the pose model over a frame source (a file or a camera), frame by frame, and
    grade it; the source is read until it stops delivering frames."""
    with PoseEstimator(model) as estimator:
        provenance = Provenance(model=estimator.model_name, model_sha256=estimator.model_sha256,
                                source_sha256=source_sha256)
        session = Session(source.info, SessionSettings(exercise=exercise),
                          provenance=provenance)
        poses = estimated_poses(source.frames(), estimator, duration_s=source.info.duration_s,
                                on_progress=on_progress)
        return run_session(session, poses, on_frame)


def analyse_video(path: str | Path, exercise: str = "auto", *, model: str = DEFAULT_MODEL,
                  on_progress: ProgressCallback | None = None,
                  on_frame: FrameCallback | None = None,
                  limits: TimeLimits | None = None) -> Report:
    """Run the pose model over a video file, frame by frame, and grade it.

    The report carries warnings about the file (cut off, cuts, the person leaving...).

    Raises:
        InputError: the file cannot be read as a video.
        TooShortError: it is too short to grade.
        TimeLimitError: decoding and analysis went over the clip's time limit.
    """
    path = Path(path)
    with VideoFile(path) as video:
        watch = ClipWatch(video.info)
        frames = within_time_limit(video.frames(), video.info.duration_s, limits,
                                   name=str(path), on_abandon=video.abandon)
        watched = WatchedSource(video.info, watch.frames(frames))

        def on_watched_frame(state: FrameState, events: list[Event], frame: Frame | None
                             ) -> None:
            watch.observe(state, events)
            if on_frame is not None:
                on_frame(state, events, frame)

        report = analyse_source(watched, exercise, model=model, source_sha256=sha256_of(path),
                                on_progress=on_progress, on_frame=on_watched_frame)
        watch.check_length()
        return watch.with_warnings(report, video.decode_error)


class WatchedSource(FrameSource):
    """A source's description with its frames passed through a :class:`ClipWatch`."""

    def __init__(self, info: VideoInfo, frames: Iterator[Frame]) -> None:
        self.info = info
        self._frames = frames

    def frames(self) -> Iterator[Frame]:
        return self._frames

    def close(self) -> None:
        pass


def analyse_file(path: str | Path, exercise: str = "auto", *, model: str = DEFAULT_MODEL,
                 on_progress: ProgressCallback | None = None,
                 on_frame: FrameCallback | None = None) -> Report:
    """Grade a video file, or a pose recording saved by ``formcheck pose -o x.npz``."""
    path = Path(path)
    if path.suffix.lower() == RECORDING_SUFFIX:
        return analyse_recording(PoseRecording.load_npz(path), exercise, on_frame=on_frame)
    if path.suffix.lower() == ".json" and _looks_like_pose_json(path):
        raise InputError(f"{path}: a JSON pose file holds only the cleaned series; re-grade"
                         " from a .npz recording (formcheck pose VIDEO -o poses.npz)")
    return analyse_video(path, exercise, model=model, on_progress=on_progress,
                         on_frame=on_frame)


def _looks_like_pose_json(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return b"formcheck.poses/" in fh.read(4096)
    except OSError:
        return False
