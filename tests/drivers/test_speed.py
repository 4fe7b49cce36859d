"""The analysis rate's frame grid, the speed settings, and the chunk plan."""

from __future__ import annotations

import itertools
import math
import os

import numpy as np
import pytest

from formcheck.drivers.chunks import plan
from formcheck.drivers.speed import SpeedSettings, speed_settings
from formcheck.sources.sampling import FrameSelector, on_grid


def _picked(times: np.ndarray, fps: float | None) -> list[int]:
    selector = FrameSelector(fps)
    return [i for i, t in enumerate(times) if selector(float(t))]


def test_half_the_rate_of_a_30_fps_clip_is_every_other_frame() -> None:
    times = np.arange(300) / 30.0
    assert _picked(times, 15.0) == list(range(0, 300, 2))


def test_15_fps_from_24_fps_gives_15_frames_a_second() -> None:
    times = np.arange(240) / 24.0  # 10 s
    picked = _picked(times, 15.0)
    assert len(picked) == 150
    gaps = np.diff(times[picked])
    assert gaps.max() <= 2 / 24 + 1e-9  # never more than one frame left out in a row


def test_every_frame_without_a_rate_and_the_selector_counts_all_frames() -> None:
    times = np.arange(10) / 30.0
    selector = FrameSelector(None)
    assert all(selector(float(t)) for t in times)
    assert (selector.decoded, selector.first_t_s, selector.last_t_s) == (10, 0.0, 9 / 30)


def test_variable_frame_rate_keeps_one_frame_per_grid_step() -> None:
    times = np.array([0.0, 0.01, 0.05, 0.07, 0.2, 0.21, 0.5, 0.9])
    assert _picked(times, 10.0) == [0, 4, 6, 7]


def test_a_chunk_decoded_from_any_earlier_frame_picks_what_the_whole_clip_picks() -> None:
    rng = np.random.default_rng(3)
    times = np.cumsum(rng.uniform(1 / 40, 1 / 20, 400))  # a jittery 20-40 fps clip
    whole = set(_picked(times, 12.0))
    for start in range(1, 300, 17):
        chunk = FrameSelector(12.0)
        picked = {start + i for i, t in enumerate(times[start:]) if chunk(float(t))}
        # The chunk's first frame has no predecessor: from its second frame on it agrees.
        assert picked - {start} == whole - set(range(start + 1))


def test_no_frame_is_skipped_at_or_near_the_clips_own_rate() -> None:
    settings = SpeedSettings(analysis_fps=29.0)
    assert settings.effective_fps(30.0) is None
    assert SpeedSettings(analysis_fps=15.0).effective_fps(30.0) == 15.0
    assert SpeedSettings(analysis_fps=None).effective_fps(30.0) is None
    # Millisecond timestamps at the clip's own rate would otherwise lose frames.
    assert on_grid(0.033, 0.067, 30.0) and on_grid(0.0, 0.033, 15.0) is False


def test_command_line_values() -> None:
    assert speed_settings(None).analysis_fps == SpeedSettings().analysis_fps
    assert speed_settings(0).analysis_fps is None
    assert speed_settings(10, 1) == SpeedSettings(analysis_fps=10, workers=1)
    with pytest.raises(ValueError, match="analysis_fps"):
        SpeedSettings(analysis_fps=-1)
    with pytest.raises(ValueError, match="workers"):
        SpeedSettings(workers=0)


def test_chunk_plan_covers_the_clip_once_and_gives_this_process_a_head_start() -> None:
    ranges = plan(60.0, 2, startup_s=1.5, cost_per_s=0.3)
    assert ranges[0][0] == 0.0 and math.isinf(ranges[-1][1])
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    first = ranges[0][1] - ranges[0][0]
    assert first == pytest.approx((60.0 + 5.0) / 2)  # 1.5 s of start-up = 5 s of video
    assert plan(60.0, 1) == [(0.0, math.inf)]
    assert len(plan(60.0, 3)) == 3


def test_a_clip_is_cut_into_chunks_of_at_least_four_seconds() -> None:
    two = SpeedSettings(workers=2)
    assert [two.processes_for(s) for s in (0.0, 7.9, 8.0, 600.0)] == [1, 1, 2, 2]
    assert SpeedSettings(workers=8).processes_for(12.0) == 3
    assert SpeedSettings().processes_for(600.0) == 1  # one process is the default
    assert speed_settings(None, 0).process_count == len(os.sched_getaffinity(0))


def test_live_and_files_share_the_default_analysis_rate() -> None:
    from formcheck.drivers.live.settings import LiveSettings
    from formcheck.drivers.speed import DEFAULT_ANALYSIS_FPS

    assert LiveSettings().analysis_fps == SpeedSettings().analysis_fps == DEFAULT_ANALYSIS_FPS
    assert DEFAULT_ANALYSIS_FPS is None or DEFAULT_ANALYSIS_FPS > 0
