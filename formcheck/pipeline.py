"""Where poses come from: a video file or camera through the pose model, or a saved
recording. Each source yields raw :class:`PoseSample` s one at a time, in time order,
for a :class:`formcheck.session.Session` (which cleans them) or for a recording.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from formcheck.pose.cleaning import CleaningSettings, PoseCleaner
from formcheck.pose.estimator import PoseEstimator
from formcheck.pose.model import DEFAULT_MODEL, sha256_of
from formcheck.pose.series import PoseRecording, PoseSample, PoseSeries
from formcheck.prefetch import Prefetcher
from formcheck.speed import FrameSelector, SpeedSettings
from formcheck.video import Frame, FrameSource, VideoFile

logger = logging.getLogger(__name__)

#: Called with the fraction of the clip done, 0.0-1.0.
ProgressCallback = Callable[[float], None]


def model_frames(source: FrameSource, selector: FrameSelector, speed: SpeedSettings, *,
                 pictures: bool = False) -> Iterator[Frame]:
    """The frames of ``source`` to give the pose model, as ``selector`` picks them.

    Args:
        source: A video file or a camera.
        selector: Picks the frames to analyse and counts every frame decoded.
        speed: The largest frame size for the model.
        pictures: Also yield the frames not picked (``analysed=False``), full size, for a
            driver that draws every frame; otherwise those are never converted to RGB,
            and frames larger than ``speed.max_side_px`` are scaled down.
    """
    if isinstance(source, VideoFile):
        yield from source.frames(max_side_px=None if pictures else speed.max_side_px,
                                 select=selector, unselected=pictures)
        return
    for frame in source.frames():
        analysed = selector(frame.t_s)
        if analysed or pictures:
            yield frame if analysed else replace(frame, analysed=False)


def prefetched(frames: Iterator[Frame], speed: SpeedSettings) -> Generator[Frame]:
    """``frames`` decoded on a reader thread, ``speed.prefetch`` ahead (0: inline); the
    thread stops when the caller stops iterating (or closes this generator)."""
    if speed.prefetch <= 0:
        yield from frames
        return
    with Prefetcher(frames, speed.prefetch) as reader:
        yield from reader


def estimated_poses(frames: Iterable[Frame], estimator: PoseEstimator, *,
                    duration_s: float = 0.0, on_progress: ProgressCallback | None = None,
                    ) -> Iterator[tuple[PoseSample | None, Frame]]:
    """The raw pose of each frame, one at a time, with its frame; a frame not picked
    for the model (``analysed=False``, shown only) comes with None."""
    for frame in frames:
        yield (estimator.estimate(frame) if frame.analysed else None), frame
        if on_progress is not None and duration_s > 0:
            on_progress(min(1.0, frame.t_s / duration_s))
    if on_progress is not None:
        on_progress(1.0)


def recorded_poses(recording: PoseRecording) -> Iterator[PoseSample]:
    """The raw poses of a saved recording, as the model gave them, one at a time."""
    for i in range(len(recording.raw)):
        yield recording.raw.sample(i)


def extract_poses(
    video_path: str | Path,
    *,
    model: str | Path = DEFAULT_MODEL,
    cleaning: CleaningSettings | None = None,
    on_progress: ProgressCallback | None = None,
) -> PoseRecording:
    """Run the pose model over every frame of a video file and keep every pose.

    This is what ``formcheck pose`` saves; grading does not keep the whole clip (see
    :mod:`formcheck.analyse`).

    Args:
        video_path: The clip.
        model: Model name or ``.task`` path.
        cleaning: Swap repair and smoothing settings.
        on_progress: Optional progress callback.

    Returns:
        The raw and cleaned pose series with the video's description; ``meta`` holds
        the sha256 of the clip and of the model.
    """
    raw: list[PoseSample] = []
    clean: list[PoseSample] = []
    with VideoFile(video_path) as video, PoseEstimator(model) as estimator:
        info = video.info
        cleaner = PoseCleaner(info.height, cleaning)
        frames = prefetched(video.frames(), SpeedSettings(analysis_fps=None))
        for sample, _ in estimated_poses(frames, estimator, duration_s=info.duration_s,
                                         on_progress=on_progress):
            assert sample is not None  # every frame is analysed
            raw.append(sample)
            clean.append(cleaner(sample))
        model_name, model_sha256 = estimator.model_name, estimator.model_sha256
    if raw:
        info = info.decoded(len(raw), raw[0].t_s, raw[-1].t_s)
    recording = PoseRecording(
        video=info,
        raw=PoseSeries.from_samples(raw, info.width, info.height),
        clean=PoseSeries.from_samples(clean, info.width, info.height),
        model=model_name,
        meta={"source_sha256": sha256_of(Path(video_path)), "model_sha256": model_sha256},
    )
    logger.info("%s: %d frames, person found in %.1f%%, %d swap-repaired frames",
                video_path, len(recording.clean), 100 * recording.clean.detection_rate,
                int(recording.clean.swapped.sum()))
    return recording
