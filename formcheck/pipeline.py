"""From a video file to a cleaned pose recording: decode, estimate, clean."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from formcheck.pose.cleaning import CleaningSettings, PoseCleaner
from formcheck.pose.estimator import PoseEstimator
from formcheck.pose.model import DEFAULT_MODEL
from formcheck.pose.series import PoseRecording, PoseSample, PoseSeries
from formcheck.video import VideoFile

logger = logging.getLogger(__name__)

#: Called with the fraction of the clip done, 0.0-1.0.
ProgressCallback = Callable[[float], None]


def extract_poses(
    video_path: str | Path,
    *,
    model: str | Path = DEFAULT_MODEL,
    cleaning: CleaningSettings | None = None,
    on_progress: ProgressCallback | None = None,
) -> PoseRecording:
    """Run the pose model over every frame of a video file.

    Args:
        video_path: The clip.
        model: Model name or ``.task`` path.
        cleaning: Swap repair and smoothing settings.
        on_progress: Optional progress callback.

    Returns:
        The raw and cleaned pose series with the video's description.
    """
    raw: list[PoseSample] = []
    clean: list[PoseSample] = []
    with VideoFile(video_path) as video, PoseEstimator(model) as estimator:
        info = video.info
        cleaner = PoseCleaner(info.height, cleaning)
        for frame in video.frames():
            sample = estimator.estimate(frame)
            raw.append(sample)
            clean.append(cleaner(sample))
            if on_progress is not None and info.duration_s > 0:
                on_progress(min(1.0, frame.t_s / info.duration_s))
        model_name = estimator.model_name
    if raw:
        info = info.decoded(len(raw), raw[0].t_s, raw[-1].t_s)
    if on_progress is not None:
        on_progress(1.0)
    recording = PoseRecording(
        video=info,
        raw=PoseSeries.from_samples(raw, info.width, info.height),
        clean=PoseSeries.from_samples(clean, info.width, info.height),
        model=model_name,
    )
    logger.info("%s: %d frames, person found in %.1f%%, %d swap-repaired frames",
                video_path, len(recording.clean), 100 * recording.clean.detection_rate,
                int(recording.clean.swapped.sum()))
    return recording
