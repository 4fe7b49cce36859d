"""The rep engine on synthetic signals: hysteresis, amplitude, duration, no look-ahead."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.reps import Rep, RepEngine, RepSettings

SETTINGS = RepSettings(start_delta=10.0, min_amplitude=20.0, end_fraction=0.35,
                       min_duration_s=0.4, max_duration_s=12.0)
FPS = 30.0


def _run(values: np.ndarray, settings: RepSettings = SETTINGS) -> list[Rep]:
    engine = RepEngine(settings)
    t = np.arange(values.size) / FPS
    reps = [engine.update(float(ti), float(v)) for ti, v in zip(t, values, strict=True)]
    return [r for r in reps if r is not None]


def _reps_signal(amplitudes: list[float], rep_s: float = 3.0, rest_s: float = 1.0,
                 base: float = 10.0) -> np.ndarray:
    parts = [np.full(int(rest_s * FPS), base)]
    for amplitude in amplitudes:
        u = np.linspace(0, 1, int(rep_s * FPS))
        parts.append(base + amplitude * (0.5 - 0.5 * np.cos(2 * np.pi * u)))
        parts.append(np.full(int(rest_s * FPS), base))
    return np.concatenate(parts)


def test_counts_each_full_movement_once_with_times() -> None:
    reps = _run(_reps_signal([70, 70, 70]))
    assert [r.index for r in reps] == [1, 2, 3]
    for i, rep in enumerate(reps):
        rep_start = 1.0 + i * 4.0
        assert rep.start_s == pytest.approx(rep_start, abs=0.5)
        assert rep.peak_s == pytest.approx(rep_start + 1.5, abs=0.1)
        assert rep_start + 1.5 < rep.end_s < rep_start + 3.0
        assert rep.amplitude == pytest.approx(70, abs=1)


def test_jitter_near_the_threshold_is_not_a_rep() -> None:
    rng = np.random.default_rng(0)
    values = 10 + 9.5 * np.abs(np.sin(np.arange(600) / 3.0)) + rng.normal(0, 0.5, 600)
    assert _run(values) == []


def test_small_partial_movement_is_not_a_rep_but_a_shallow_rep_is() -> None:
    assert _run(_reps_signal([15])) == []  # under the minimum amplitude
    assert len(_run(_reps_signal([25]))) == 1


def test_amplitude_exactly_at_the_minimum_counts() -> None:
    settings = RepSettings(start_delta=10.0, min_amplitude=20.0, end_fraction=0.35,
                           min_duration_s=0.0)
    values = np.array([0.0] * 10 + [5.0, 12.0, 20.0, 12.0, 5.0, 0.0] + [0.0] * 10)
    assert len(_run(values, settings)) == 1
    assert _run(values - np.where(values == 20.0, 0.01, 0.0), settings) == []


def test_a_pause_at_the_top_is_one_rep() -> None:
    up = np.linspace(10, 80, 45)
    values = np.concatenate([np.full(30, 10.0), up, np.full(60, 80.0), up[::-1], np.full(30, 10.0)])
    assert len(_run(values)) == 1


def test_too_quick_a_blip_is_not_a_rep() -> None:
    values = np.concatenate([np.full(30, 10.0), [40.0, 80.0, 40.0], np.full(30, 10.0)])
    assert _run(values) == []  # 0.1 s, under min_duration_s


def test_getting_into_position_is_not_a_rep() -> None:
    # The signal moves to a new resting level and stays: longer than max_duration_s.
    values = np.concatenate([np.full(30, 10.0), np.linspace(10, 60, 30), np.full(600, 60.0),
                             _reps_signal([50], base=60.0)])
    reps = _run(values)
    assert len(reps) == 1
    assert reps[0].rest_value == pytest.approx(60.0)


def test_no_person_frames_are_skipped_and_long_gaps_restart() -> None:
    values = _reps_signal([70])
    holey = values.copy()
    holey[40:43] = np.nan  # a 0.1 s dropout mid-rep
    assert len(_run(holey)) == 1
    gap = values.copy()
    gap[40:100] = np.nan  # 2 s without a person: the rep is abandoned
    assert _run(gap) == []


def test_a_rep_is_reported_on_the_frame_it_ends() -> None:
    values = _reps_signal([70])
    engine = RepEngine(SETTINGS)
    for i, value in enumerate(values):
        rep = engine.update(i / FPS, float(value))
        if rep is not None:
            assert rep.end_s == pytest.approx(i / FPS)
            break
    else:
        pytest.fail("no rep")
