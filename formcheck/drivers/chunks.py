"""Both cores for one clip: the pose model over overlapping chunks in parallel processes.

A clip is cut into consecutive time ranges. This process analyses the first; each
other range goes to a spawned worker process (:mod:`formcheck.drivers.processes`: a fresh
interpreter, nothing of the caller's threads inherited). Every chunk opens the
file itself, seeks (PyAV, to the keyframe before the range), decodes forward and runs
its own landmarker in VIDEO mode, starting ``warmup_s`` before its range so that the
tracker has found the person and settled by the time the range starts; those warm-up
poses are dropped. The
raw poses of the ranges, stitched in time order, then go through the one
:class:`~formcheck.analysis.session.Session` exactly as a sequential run's would: everything
after the model still sees one pose at a time. Each chunk also looks at its frames as
the clip's :class:`~formcheck.analysis.watch.ClipWatch` would (brightness, cuts, time
going backwards: :class:`~formcheck.analysis.watch.FrameMeter`), so the warnings are the
same, and the whole stays within the clip's time limit (:mod:`formcheck.drivers.time_limits`).

Frames are picked for the model on the analysis rate's time grid, which depends only
on each frame's time and the previous one's, so a chunk picks the frames the whole clip
would (see :mod:`formcheck.drivers.speed`).

Each process gets one thread per native library (FFmpeg's decoder, OpenCV, the numeric
libraries' pools), so N processes on N cores do not oversubscribe them.
"""

from __future__ import annotations

import json
import logging
import math
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.analysis.watch import FrameMeter, FrameReadings
from formcheck.drivers import processes
from formcheck.drivers.processes import limit_threads
from formcheck.drivers.time_limits import TimeLimits, within_time_limit
from formcheck.errors import TimeLimitError
from formcheck.pose.series import PoseSample, PoseSeries
from formcheck.sources.file import VideoFile
from formcheck.sources.frames import Frame
from formcheck.sources.sampling import FrameSelector

logger = logging.getLogger(__name__)

#: Seconds of frames each chunk analyses before its range and drops (heuristic: the
#: tracker settles within a few frames; with 1 s, on a sample clip, the landmarks after
#: the cut are within 2 px (median) of a sequential run's: tests/drivers/test_chunks.py).
DEFAULT_WARMUP_S = 1.0
#: What starting a worker (interpreter, imports, loading the model) costs, seconds: the
#: first chunk, analysed here, is made longer by the video this time would analyse
#: (heuristic: importing OpenCV and MediaPipe alone took 1.5 s on the test machine).
DEFAULT_STARTUP_S = 1.5

#: A worker's exit code when its chunk went over the time limit.
TIME_LIMIT_EXIT = 3

#: Called with the fraction of this process's own chunk done, 0.0-1.0.
ChunkProgress = Callable[[float], None]


class ChunkingFailed(RuntimeError):
    """The parallel path cannot be used for this clip (a seek that did not land before
    the chunk, a worker that died): the caller analyses the clip sequentially."""


@dataclass(frozen=True)
class ChunkPoses:
    """The raw poses of one chunk's range.

    Attributes:
        start_s: The range's start, seconds (inclusive).
        end_s: The range's end, seconds (exclusive; inf for the last chunk).
        poses: The analysed frames' raw poses whose time is in the range.
        decoded: Frames decoded in the range, analysed or not.
        first_t_s: Time of the first frame decoded in the range (None: none).
        last_t_s: Time of the last frame decoded in the range.
        model_name: The pose model's file name.
        model_sha256: Its sha256.
        readings: What the clip's watch measures on the range's analysed frames (brightness,
            cuts, time going backwards), for :meth:`ClipWatch.replay`.
        decode_error: Why decoding stopped early in this chunk (None: it did not).
    """

    start_s: float
    end_s: float
    poses: PoseSeries
    decoded: int
    first_t_s: float | None
    last_t_s: float | None
    model_name: str
    model_sha256: str
    readings: FrameReadings
    decode_error: str | None = None


@dataclass(frozen=True)
class ChunkJob:
    """What a worker is asked: the raw poses of ``path`` in ``[start_s, end_s)``."""

    path: str
    start_s: float
    end_s: float
    warmup_s: float
    model: str
    analysis_fps: float | None
    max_side_px: int | None
    time_limit_s: float = TimeLimits().limit_s(0.0)


def plan(duration_s: float, processes: int, *, startup_s: float = DEFAULT_STARTUP_S,
         cost_per_s: float = 0.3) -> list[tuple[float, float]]:
    """Time ranges for ``processes`` chunks of a clip of ``duration_s`` seconds.

    The first range (analysed by this process, which starts no interpreter) is longer
    by the workers' start-up time, expressed in seconds of video at ``cost_per_s``
    seconds of work per second of video; the others share the rest equally.

    Returns:
        ``[(start_s, end_s), ...]``, consecutive, the first starting at 0 and the last
        ending at infinity (frames past the declared duration are not lost).
    """
    if processes < 2 or duration_s <= 0:
        return [(0.0, float("inf"))]
    head_start_s = startup_s / cost_per_s if cost_per_s > 0 else 0.0
    share = (duration_s + (processes - 1) * head_start_s) / processes
    first = min(share, duration_s)
    others = (duration_s - first) / (processes - 1)
    bounds = [0.0, first] + [first + others * k for k in range(1, processes)]
    bounds[-1] = float("inf")
    ranges = [(bounds[k], bounds[k + 1]) for k in range(processes)]
    return [(start, end) for start, end in ranges if end > start]


def analyse_chunk(job: ChunkJob, on_progress: ChunkProgress | None = None) -> ChunkPoses:
    """Run the pose model over one chunk (in any process) and keep its range's poses.

    The frames are decoded on a helper thread under ``job.time_limit_s`` (and the
    decoder's stall limit, :mod:`formcheck.drivers.time_limits`), and looked at by a
    :class:`FrameMeter` as the whole clip's watch would look at them.

    Raises:
        ChunkingFailed: the seek landed after the warm-up's start.
        TimeLimitError: the chunk went over its time limit, or the decoder stalled.
    """
    from formcheck.pose.estimator import PoseEstimator

    warm_from = max(0.0, job.start_s - job.warmup_s)
    selector = FrameSelector(job.analysis_fps)
    in_range = FrameSelector(None)  # counts the range's decoded frames
    meter = FrameMeter(record_from_s=job.start_s)
    samples: list[PoseSample] = []
    limits = TimeLimits(factor=0.0, base_s=max(job.time_limit_s, 1e-3))
    with VideoFile(job.path, threads=1) as video, PoseEstimator(job.model) as estimator:
        if warm_from > 0:
            video.seek(warm_from)
        span = (min(job.end_s, video.info.duration_s) - job.start_s
                if video.info.duration_s > 0 else 0.0)
        first = True

        def select(t_s: float) -> bool:
            nonlocal first
            if first:
                first = False
                if job.start_s > 0 and t_s > warm_from + 1e-6:
                    raise ChunkingFailed(f"seeking to {warm_from:.2f} s landed at {t_s:.2f} s")
            if t_s >= job.end_s:
                return True  # yielded to end the loop
            keep = selector(t_s)  # every frame is seen, so the grid matches a full run
            if t_s >= job.start_s:
                in_range(t_s)
            return keep and t_s >= warm_from

        # The meter looks at each frame on the decoding thread, while it is in the cache.
        frames = within_time_limit(
            meter.frames(_until(video.frames(max_side_px=job.max_side_px, select=select),
                                 job.end_s)),
            0.0, limits, name=f"{job.path} from {job.start_s:.1f} s", on_abandon=video.abandon)
        for frame in frames:
            sample = estimator.estimate(frame)
            if frame.t_s >= job.start_s:
                samples.append(sample)
                if on_progress is not None and span > 0:
                    on_progress(min(1.0, (frame.t_s - job.start_s) / span))
        info = video.info
        model_name, model_sha256 = estimator.model_name, estimator.model_sha256
        decode_error = video.decode_error
    return ChunkPoses(job.start_s, job.end_s,
                      PoseSeries.from_samples(samples, info.width, info.height),
                      in_range.decoded, in_range.first_t_s, in_range.last_t_s,
                      model_name, model_sha256, meter.readings(), decode_error)


def _until(frames: Iterator[Frame], end_s: float) -> Iterator[Frame]:
    """``frames`` up to (not including) the first at or after ``end_s``."""
    for frame in frames:
        if frame.t_s >= end_s:
            return
        yield frame


def chunk_worker(job: ChunkJob, output: str, log: str) -> None:
    """A chunk worker's body (a spawned process, :func:`formcheck.drivers.processes.start`):
    the chunk's poses written to ``output`` (``.npz``). Exits with
    :data:`TIME_LIMIT_EXIT` when the chunk goes over its time limit, and says why on the
    last line of ``log``."""
    limit_threads(1)
    try:
        chunk = analyse_chunk(job)
    except TimeLimitError as exc:
        Path(log).write_text(f"{exc}\n", encoding="utf-8")
        sys.exit(TIME_LIMIT_EXIT)
    except BaseException as exc:
        Path(log).write_text(f"{type(exc).__name__}: {exc}\n", encoding="utf-8")
        raise
    arrays: dict[str, Any] = {f"poses_{k}": v for k, v in chunk.poses.arrays().items()}
    arrays.update(looks_t_s=chunk.readings.t_s, looks_bright=chunk.readings.bright,
                  looks_diff=chunk.readings.diff)
    meta = {k: getattr(chunk, k) for k in ("start_s", "end_s", "decoded", "first_t_s",
                                           "last_t_s", "model_name", "model_sha256",
                                           "decode_error")}
    meta.update(backwards=chunk.readings.backwards,
                first_backwards_t=chunk.readings.first_backwards_t)
    meta.update(width=chunk.poses.width, height=chunk.poses.height)
    meta["end_s"] = None if math.isinf(chunk.end_s) else chunk.end_s
    arrays["meta"] = np.array(json.dumps(meta))
    with open(output, "wb") as fh:
        np.savez(fh, **arrays)


def _read_chunk(path: Path) -> ChunkPoses:
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        poses = PoseSeries(**{k[len("poses_"):]: data[k] for k in data.files
                              if k.startswith("poses_")},
                           width=meta.pop("width"), height=meta.pop("height"))
        readings = FrameReadings(data["looks_t_s"], data["looks_bright"], data["looks_diff"],
                           meta.pop("backwards"), meta.pop("first_backwards_t"))
    if meta["end_s"] is None:
        meta["end_s"] = float("inf")
    return ChunkPoses(poses=poses, readings=readings, **meta)


class _Worker:
    """One chunk analysed in a spawned worker process."""

    def __init__(self, job: ChunkJob, folder: Path, index: int) -> None:
        self.output = folder / f"chunk{index}.npz"
        self._name = f"{job.path} from {job.start_s:.1f} s"
        self._log = folder / f"chunk{index}.log"
        self._process = processes.start(chunk_worker, job, str(self.output), str(self._log),
                                        name=f"formcheck-chunk-{index}")

    def result(self, timeout_s: float) -> ChunkPoses:
        """Wait for the worker, at most ``timeout_s``; its chunk's poses.

        Raises:
            TimeLimitError: the worker went over the time limit (or ran past
                ``timeout_s``, and was stopped).
            ChunkingFailed: the worker failed otherwise (its log says why).
        """
        self._process.join(timeout=max(0.0, timeout_s))
        if self._process.is_alive():
            self.stop()
            raise TimeLimitError(f"{self._name}: gave up after the clip's time limit:"
                                 " decoding or analysis is far too slow; is the file"
                                 " damaged?")
        code = self._process.exitcode
        if code != 0:
            lines = (self._log.read_text(errors="replace").strip().splitlines()
                     if self._log.is_file() else [])
            last = lines[-1] if lines else "no message"
            if code == TIME_LIMIT_EXIT:
                raise TimeLimitError(last)
            raise ChunkingFailed(f"a chunk's worker failed (exit code {code}): {last}")
        return _read_chunk(self.output)

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.kill()
        self._process.join()


def analyse_in_chunks(path: str | Path, *, duration_s: float, processes: int, model: str,
                      analysis_fps: float | None, max_side_px: int | None,
                      warmup_s: float = DEFAULT_WARMUP_S, limits: TimeLimits | None = None,
                      on_progress: ChunkProgress | None = None) -> list[ChunkPoses]:
    """The raw poses of the whole clip, from ``processes`` chunks analysed in parallel,
    all within the clip's time limit (``limits``).

    Returns:
        The chunks in time order.

    Raises:
        TimeLimitError: a chunk went over the clip's time limit, or its decoder stalled.
        ChunkingFailed: a seek or a worker failed; analyse sequentially instead (which
            raises what the clip itself causes, an unreadable video, ...).
    """
    deadline = time.monotonic() + (limits or TimeLimits()).limit_s(duration_s)
    cost_per_s = 0.02 * (analysis_fps or 30.0)  # about 20 ms a frame for the model
    ranges = plan(duration_s, processes, cost_per_s=cost_per_s)
    jobs = [ChunkJob(str(path), start, end, warmup_s, model, analysis_fps, max_side_px,
                     deadline - time.monotonic())
            for start, end in ranges]
    if len(jobs) == 1:
        return [analyse_chunk(jobs[0], on_progress)]
    import cv2

    with tempfile.TemporaryDirectory(prefix="formcheck-chunks-") as folder:
        workers: list[_Worker] = []
        threads = cv2.getNumThreads()
        try:
            workers = [_Worker(job, Path(folder), k) for k, job in enumerate(jobs[1:], 1)]
            cv2.setNumThreads(1)  # this process shares the cores with the workers
            first = analyse_chunk(jobs[0], on_progress)
            rest = [worker.result(deadline - time.monotonic()) for worker in workers]
        finally:
            cv2.setNumThreads(threads)
            for worker in workers:
                worker.stop()
    return [first, *rest]


def stitched(chunks: list[ChunkPoses]) -> Iterator[PoseSample]:
    """The chunks' raw poses, one at a time, in time order."""
    last_t = -np.inf
    for chunk in chunks:
        for i in range(len(chunk.poses)):
            sample = chunk.poses.sample(i)
            if sample.t_s < last_t:
                raise ValueError(f"chunks overlap: {sample.t_s} s after {last_t} s")
            last_t = sample.t_s
            yield sample


def decoded_span(chunks: list[ChunkPoses]) -> FrameSelector:
    """What decoding the whole clip saw, from its chunks: the frames decoded, and the
    first and last frame's time (as a :class:`FrameSelector` would have counted them)."""
    span = FrameSelector(None)
    firsts = [c.first_t_s for c in chunks if c.first_t_s is not None]
    lasts = [c.last_t_s for c in chunks if c.last_t_s is not None]
    span.decoded = sum(c.decoded for c in chunks)
    span.first_t_s = firsts[0] if firsts else None
    span.last_t_s = lasts[-1] if lasts else None
    return span
