"""How fast an analysis runs: the analysis frame rate, the processes one clip may use,
and the thread limits that keep processes from fighting over the cores.

One :class:`SpeedSettings` serves ``formcheck analyse``, ``eval``, ``batch`` and ``live``,
so that the same clip is graded from the same frames whichever driver reads it.

The analysis frame rate picks frames on a fixed time grid: a frame is analysed when a
grid point (every ``1 / analysis_fps`` seconds from time 0) falls after the previous
decoded frame and at or before this one. The choice depends only on a frame's time and
the previous frame's, so a chunk decoded from any earlier point picks exactly the frames
the whole clip would, and a variable-frame-rate clip keeps its true timestamps.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from formcheck.sources.sampling import _SKIP_BELOW

#: The default analysis rate, frames per second; None: every frame. The rule (issue 26):
#: the lowest of 10, 15, 20 and 30 at which no measure (exercise recognised, rep count
#: exact, good-rep count exact, clean clips with a fault, F1 of each fault code) is worse
#: than with every frame, on the rendered held-out split and on the real clips
#: (``python benchmarks/rates.py``, BENCHMARKS.md "Frame rates", 2026-12-02). The real
#: clips and the samples scored the same at every rate. On the fourth held-out split (41
#: clips, scored once) 10 lost `bridge.pelvic_drop` (F1 0.50 -> 0.40) and `bridge.rushed`
#: (0.86 -> 0.75), one false fault each; 20 faulted one more clean clip (3 of 20 against
#: 2); 15 was worse on nothing. So 15. (Before issue 26, 15 had added `bridge.rushed` false
#: alarms on rendered bridges: the rep engine's median was 5 samples, 333 ms at 15 against
#: 167 ms at 30, and a rep's length was measured between samples; both are in seconds now,
#: formcheck/signals/reps.py.)
DEFAULT_ANALYSIS_FPS: float | None = 15.0
#: Each parallel chunk of a clip covers at least this much of it, seconds, so a clip is
#: cut in two from 8 s (heuristic: starting a worker costs about 1 s and it analyses 1 s
#: before its chunk to settle the tracker).
DEFAULT_MIN_CHUNK_S = 4.0
#: Frames larger than this on their long side are scaled down before the model sees
#: them, pixels (the model looks at 224x224 and 256x256 crops; 4K frames only cost
#: conversion time).
DEFAULT_MAX_SIDE_PX = 1920

@dataclass(frozen=True)
class SpeedSettings:
    """How an analysis spends the machine.

    Attributes:
        analysis_fps: Frames per second given to the pose model (default
            :data:`DEFAULT_ANALYSIS_FPS`); None (or a rate at or above 0.9 of the clip's)
            analyses every frame. The frames in between are decoded (their timestamps are
            counted) but not converted or analysed.
        workers: Processes one clip may use; 1 (the default) analyses it in this
            process; None: one per core this process may run on. Chunks are not the
            default because they do not grade exactly as one process does: the pose
            model's tracker, started afresh in a chunk, places the joints up to a few
            pixels apart from the continuous run's for a second or two after the cut, and
            a measurement near its limit can flip (5 of the 41 rendered held-out clips
            changed, none of the samples or real clips; BENCHMARKS.md).
        min_chunk_s: Each chunk covers at least this much of the clip, seconds.
        max_side_px: Frames with a longer side are scaled down before the model, pixels;
            landmarks stay in the original frame's pixels.
        prefetch: Frames decoded ahead by the reader thread (0: decode on the caller's
            thread).
    """

    analysis_fps: float | None = DEFAULT_ANALYSIS_FPS
    workers: int | None = 1
    min_chunk_s: float = DEFAULT_MIN_CHUNK_S
    max_side_px: int = DEFAULT_MAX_SIDE_PX
    prefetch: int = 4

    def __post_init__(self) -> None:
        if self.analysis_fps is not None and not self.analysis_fps > 0:
            raise ValueError(f"analysis_fps must be positive, got {self.analysis_fps}")
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")

    @property
    def process_count(self) -> int:
        """Processes one clip may use: ``workers``, or one per core."""
        return self.workers if self.workers is not None else available_cores()

    def processes_for(self, duration_s: float) -> int:
        """Processes for a clip of ``duration_s`` seconds: one per chunk of at least
        ``min_chunk_s``, at most :attr:`process_count`."""
        if self.min_chunk_s <= 0:
            return self.process_count
        return max(1, min(self.process_count, int(duration_s // self.min_chunk_s)))

    def effective_fps(self, source_fps: float) -> float | None:
        """The analysis rate for a source of ``source_fps`` (None: every frame)."""
        if self.analysis_fps is None or source_fps <= 0:
            return self.analysis_fps
        return None if self.analysis_fps >= _SKIP_BELOW * source_fps else self.analysis_fps


def speed_settings(analysis_fps: float | None = None, workers: int | None = 1
                   ) -> SpeedSettings:
    """Settings from command-line options: ``analysis_fps`` None for the default, 0 for
    every frame; ``workers`` 0 or None for one per core."""
    workers = workers or None
    if analysis_fps is None:
        return SpeedSettings(workers=workers)
    return SpeedSettings(analysis_fps=analysis_fps or None, workers=workers)


#: Every frame analysed, one process: what the model-alone comparison is measured with.
EVERY_FRAME = SpeedSettings(analysis_fps=None, workers=1)


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
