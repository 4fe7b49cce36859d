"""The file driver: ``formcheck analyse``, ``eval`` and ``pose``, and each batch worker.

A video file is hashed once and decoded once: its frames go through the pose model and
one :class:`~formcheck.drivers.run.ClipRun`, and every output (the annotated video, the
HTML report's pictures, the JSON and CSV) comes from that pass. A saved pose recording is
graded the same way without the model. Nothing of the clip is kept but what the session
keeps (a bounded window of frames) and what the outputs need, so memory does not grow
with the clip's length.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from formcheck.analysis.report import Report
from formcheck.analysis.settings import SessionSettings
from formcheck.analysis.watch import ClipWatch
from formcheck.drivers.chunks import ChunkingFailed, analyse_in_chunks, decoded_span, stitched
from formcheck.drivers.outputs import RECORDING_SUFFIX, Outputs, OutputSinks
from formcheck.drivers.run import (
    ClipRun,
    FrameSink,
    ProgressCallback,
    poses,
    selected_frames,
)
from formcheck.drivers.speed import SpeedSettings
from formcheck.drivers.time_limits import TimeLimits, within_time_limit
from formcheck.errors import InputError
from formcheck.fileio import sha256_of
from formcheck.pose.cleaning import CleaningSettings, PoseCleaner
from formcheck.pose.estimator import PoseEstimator
from formcheck.pose.model import DEFAULT_MODEL
from formcheck.pose.series import PoseRecording, PoseSample, PoseSeries
from formcheck.sources.file import VideoFile
from formcheck.sources.frames import FrameSource
from formcheck.sources.prefetch import prefetched
from formcheck.sources.sampling import FrameSelector

logger = logging.getLogger(__name__)


def analyse_file(path: str | Path, exercise: str = "auto", *,
                 outputs: Outputs | None = None, sinks: Sequence[FrameSink] = (),
                 model: str = DEFAULT_MODEL, on_progress: ProgressCallback | None = None,
                 limits: TimeLimits | None = None, speed: SpeedSettings | None = None
                 ) -> Report:
    """Grade a video file, or a pose recording saved by ``formcheck pose -o x.npz``, and
    write ``outputs``.

    Args:
        path: The clip or the recording.
        exercise: ``auto`` or an exercise name.
        outputs: Files to write (all from the one pass).
        sinks: More sinks to tell each frame's state and events.
        model: The pose model.
        on_progress: Told the fraction of the clip done.
        limits: The clip's time limits.
        speed: The analysis rate and processes (see :mod:`formcheck.drivers.speed`).

    Raises:
        UsageError: ``outputs`` cannot be written (a missing folder, ...).
        InputError: the file cannot be read as a video.
        TooShortError: it is too short to grade.
        TimeLimitError: decoding and analysis went over the clip's time limit.
    """
    path = Path(path)
    outputs = outputs or Outputs()
    outputs.check(path)
    if path.suffix.lower() == RECORDING_SUFFIX:
        recording = PoseRecording.load_npz(path)
        with OutputSinks(outputs, recording.video, pictures=False) as written:
            report = analyse_recording(recording, exercise, sinks=[*written.sinks, *sinks])
    else:
        if path.suffix.lower() == ".json" and _looks_like_pose_json(path):
            raise InputError(f"{path}: a JSON pose file holds only the cleaned series;"
                             " re-grade from a .npz recording (formcheck pose VIDEO -o"
                             " poses.npz)")
        with VideoFile(path) as video:
            source_sha256 = sha256_of(path)
            with OutputSinks(outputs, video.info) as written:
                report = analyse_video(video, exercise, model=model, sinks=[*written.sinks,
                                                                            *sinks],
                                       every_frame=written.every_frame,
                                       source_sha256=source_sha256, on_progress=on_progress,
                                       limits=limits, speed=speed)
    written.write(report)
    return report


def analyse_recording(recording: PoseRecording, exercise: str = "auto", *,
                      sinks: Sequence[FrameSink] = ()) -> Report:
    """Grade a saved recording's raw poses again (the session cleans them again, exactly
    as it did when the video was analysed)."""
    run = ClipRun(recording.video, SessionSettings(exercise=exercise), model=recording.model,
                  model_sha256=recording.meta.get("model_sha256"),
                  source_sha256=recording.meta.get("source_sha256"), sinks=sinks)
    return run.run((sample, None) for sample in recording.raw_samples())


def analyse_video(video: VideoFile | str | Path, exercise: str = "auto", *,
                  model: str = DEFAULT_MODEL, sinks: Sequence[FrameSink] = (),
                  every_frame: bool = False, source_sha256: str | None = None,
                  on_progress: ProgressCallback | None = None,
                  limits: TimeLimits | None = None,
                  speed: SpeedSettings | None = None) -> Report:
    """Run the pose model over a video file, frame by frame, and grade it.

    The frames the analysis rate picks are decoded on a helper thread under the clip's
    time limit (:mod:`formcheck.drivers.time_limits`), looked at by a :class:`ClipWatch`
    (cuts, light, timestamps), given to the model and fed to one :class:`ClipRun`. A clip
    long enough is analysed in parallel chunks when ``speed`` allows more than one
    process and no sink needs the pictures (:mod:`formcheck.drivers.chunks`); each chunk
    then looks at its frames as the watch would, so the warnings are the same either way.

    Args:
        video: The open file (or its path).
        every_frame: Decode every frame at full size for the sinks (the annotated
            video), not only the frames the analysis rate picks.
        source_sha256: The file's sha256 (computed when None).
    """
    if not isinstance(video, VideoFile):
        path = Path(video)
        with VideoFile(path) as opened:
            return analyse_video(opened, exercise, model=model, sinks=sinks,
                                 every_frame=every_frame,
                                 source_sha256=source_sha256 or sha256_of(path),
                                 on_progress=on_progress, limits=limits, speed=speed)
    speed = speed or SpeedSettings()
    info = video.info
    if source_sha256 is None:
        source_sha256 = sha256_of(video.path)
    settings = SessionSettings(exercise=exercise)
    selector = FrameSelector(speed.effective_fps(info.fps))
    processes = speed.processes_for(info.duration_s)
    if not sinks and processes > 1:
        try:
            return _analyse_in_chunks(video, settings, model=model,
                                      source_sha256=source_sha256, on_progress=on_progress,
                                      processes=processes, speed=speed, fps=selector.fps,
                                      limits=limits)
        except ChunkingFailed as exc:
            logger.warning("analysing %s in one process: %s", info.path, exc)
    watch = ClipWatch(info)
    # The watch looks at each frame on the decoding thread, while it is in the cache.
    frames = within_time_limit(
        watch.frames(selected_frames(video, selector, max_side_px=speed.max_side_px,
                                     every_frame=every_frame)),
        info.duration_s, limits, name=str(video.path), on_abandon=video.abandon)
    with PoseEstimator(model) as estimator:
        run = ClipRun(info, settings, model=estimator, source_sha256=source_sha256,
                      watch=watch, sinks=sinks)
        for sample, frame in poses(frames, estimator, duration_s=info.duration_s,
                                   on_progress=on_progress):
            run.feed(sample, frame)
    return run.finish(decoded=selector, decode_error=video.decode_error, check_length=True)


def analyse_source(source: FrameSource, exercise: str = "auto", *,
                   model: str = DEFAULT_MODEL, source_sha256: str | None = None,
                   on_progress: ProgressCallback | None = None,
                   sinks: Sequence[FrameSink] = (),
                   speed: SpeedSettings | None = None) -> Report:
    """Run the pose model over any frame source (a camera), frame by frame, and grade it,
    without a file's checks (see :func:`analyse_video`); the source is read until it stops
    delivering frames. Frames are decoded on a reader thread while the model works."""
    speed = speed or SpeedSettings()
    selector = FrameSelector(speed.effective_fps(source.info.fps))
    frames = prefetched(selected_frames(source, selector, max_side_px=speed.max_side_px,
                                        every_frame=bool(sinks)), speed.prefetch)
    try:
        with PoseEstimator(model) as estimator:
            run = ClipRun(source.info, SessionSettings(exercise=exercise), model=estimator,
                          source_sha256=source_sha256, sinks=sinks)
            return run.run(poses(frames, estimator, duration_s=source.info.duration_s,
                                 on_progress=on_progress), decoded=selector)
    finally:
        frames.close()  # stops the reader thread if the session ended early


def _analyse_in_chunks(video: VideoFile, settings: SessionSettings, *, model: str,
                       source_sha256: str, on_progress: ProgressCallback | None,
                       processes: int, speed: SpeedSettings, fps: float | None,
                       limits: TimeLimits | None) -> Report:
    """The model over parallel chunks, their poses through one run, what the chunks saw
    of the frames given to its watch."""
    info = video.info
    chunks = analyse_in_chunks(info.path, duration_s=info.duration_s, processes=processes,
                               model=model, analysis_fps=fps, max_side_px=speed.max_side_px,
                               limits=limits, on_progress=on_progress)
    watch = ClipWatch(info)
    for chunk in chunks:
        watch.replay(chunk.readings)
    run = ClipRun(info, settings, model=chunks[0].model_name,
                  model_sha256=chunks[0].model_sha256, source_sha256=source_sha256,
                  watch=watch)
    for sample in stitched(chunks):
        run.feed(sample)
    if on_progress is not None:
        on_progress(1.0)
    # A chunk that found no frame of its range was sent past where the file really ends
    # (a cut-off file declares its whole length): its error is the seek's, not the file's.
    errors = [chunk.decode_error for chunk in chunks
              if chunk.decode_error is not None and chunk.decoded > 0]
    return run.finish(decoded=decoded_span(chunks), decode_error=errors[0] if errors else None,
                      check_length=True)


def extract_poses(video_path: str | Path, *, model: str | Path = DEFAULT_MODEL,
                  cleaning: CleaningSettings | None = None,
                  on_progress: ProgressCallback | None = None,
                  analysis_fps: float | None = None) -> PoseRecording:
    """Run the pose model over every frame of a video file (or the frames an analysis rate
    picks) and keep every pose: what ``formcheck pose`` saves (grading keeps only a
    bounded window).

    Args:
        video_path: The clip.
        model: Model name or ``.task`` path.
        cleaning: Swap repair and smoothing settings.
        on_progress: Optional progress callback.
        analysis_fps: Frames a second given to the model, picked on the time grid of
            :mod:`formcheck.sources.sampling` as ``formcheck analyse --analysis-fps``
            picks them (None: every frame); the recording holds those frames only.

    Returns:
        The raw and cleaned pose series with the video's description; ``meta`` holds
        the sha256 of the clip and of the model.
    """
    path = Path(video_path)
    raw: list[PoseSample] = []
    clean: list[PoseSample] = []
    with VideoFile(path) as video, PoseEstimator(model) as estimator:
        source_sha256 = sha256_of(path)
        info = video.info
        cleaner = PoseCleaner(info.height, cleaning)
        speed = SpeedSettings(analysis_fps=analysis_fps)
        selector = FrameSelector(speed.effective_fps(info.fps))
        frames = prefetched(selected_frames(video, selector, max_side_px=speed.max_side_px),
                            speed.prefetch)
        for sample, _ in poses(frames, estimator, duration_s=info.duration_s,
                               on_progress=on_progress):
            assert sample is not None  # only the frames picked are decoded
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
        meta={"source_sha256": source_sha256, "model_sha256": model_sha256},
    )
    logger.info("%s: %d frames, person found in %.1f%%, %d swap-repaired frames",
                video_path, len(recording.clean), 100 * recording.clean.detection_rate,
                int(recording.clean.swapped.sum()))
    return recording


def _looks_like_pose_json(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return b"formcheck.poses/" in fh.read(4096)
    except OSError:
        return False
