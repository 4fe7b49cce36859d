"""The rep engine on synthetic signals: hysteresis, amplitude, duration, no look-ahead."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.signals.reps import Rep, RepEngine, RepSettings, median_half_samples

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


# 0.14 s: 5 samples at 30 a second.
MEDIAN = RepSettings(start_delta=10.0, min_amplitude=20.0, end_fraction=0.35,
                     min_duration_s=0.4, max_duration_s=12.0, median_s=0.14)


def test_a_two_frame_dip_at_the_top_splits_a_rep_without_the_median_but_not_with_it() -> None:
    values = _reps_signal([70])
    top = int(np.argmax(values))
    values[top:top + 2] = 10.0  # the pose model misplaced a joint for two frames
    assert len(_run(values)) == 2
    reps = _run(values, MEDIAN)
    assert len(reps) == 1
    clean = _run(_reps_signal([70]))[0]
    assert reps[0].start_s == pytest.approx(clean.start_s, abs=1 / FPS)
    assert reps[0].end_s == pytest.approx(clean.end_s, abs=1 / FPS)


def test_a_two_frame_spike_at_rest_is_not_a_rep_with_the_median() -> None:
    values = np.full(int(4 * FPS), 10.0)
    values[50:52] = 90.0
    values[52:65] = 10.0
    assert _run(values, RepSettings(start_delta=10.0, min_amplitude=20.0,
                                    min_duration_s=0.0)) != []
    assert _run(values, MEDIAN) == []


def test_the_median_reports_a_rep_half_its_window_late_and_finish_lets_the_rest_out() -> None:
    values = _reps_signal([70])
    engine = RepEngine(MEDIAN)
    ended_at = None
    for i, value in enumerate(values):
        if engine.update(i / FPS, float(value)) is not None:
            ended_at = i
            break
    assert ended_at is not None
    rep = _run(values, MEDIAN)[0]
    assert ended_at / FPS == pytest.approx(rep.end_s + 2 / FPS)
    # A clip cut on the way down: the last two samples still reach the engine at the end.
    cut = values[: int(np.argmax(values)) + int(0.6 * FPS)]
    engine = RepEngine(MEDIAN)
    assert all(engine.update(i / FPS, float(v)) is None for i, v in enumerate(cut))
    last = engine.finish(len(cut) / FPS)
    assert last is not None and last.ended_by_clip
    assert last.end_s == pytest.approx((len(cut) - 1) / FPS)


def test_the_median_does_not_mix_samples_across_a_gap() -> None:
    values = _reps_signal([70, 70], rest_s=3.0)
    values[190:240] = np.nan  # 1.7 s without a person, between the two reps
    assert len(_run(values, MEDIAN)) == len(_run(values)) == 2


def test_median_s_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="median_s"):
        RepSettings(start_delta=1.0, min_amplitude=2.0, median_s=-0.1)


def test_a_rep_ends_where_the_signal_settles_at_a_new_resting_level() -> None:
    # A rep from 10 up to 80 that comes back only to 55 (the feet moved further away),
    # rests there 2 s, then a second rep from 55 up to 80 and back.
    def ramp(a: float, b: float, s: float) -> np.ndarray:
        return np.linspace(a, b, int(s * FPS))

    values = np.concatenate([np.full(30, 10.0), ramp(10, 80, 1.0), np.full(30, 80.0),
                             ramp(80, 55, 0.7), np.full(60, 55.0), ramp(55, 80, 0.7),
                             np.full(30, 80.0), ramp(80, 55, 0.7), np.full(60, 55.0)])
    assert _run(values) == []  # never back within 35% of the first rest: no rep ends
    settling = RepSettings(start_delta=10.0, min_amplitude=20.0, settle_s=1.0)
    reps = _run(values, settling)
    assert len(reps) == 2
    # It ends as the signal comes within start_delta of where it settles, on the way down.
    down_s, flat_s = (30 + 30 + 30) / FPS, (30 + 30 + 30 + 21) / FPS
    assert down_s < reps[0].end_s <= flat_s
    assert reps[1].rest_value == pytest.approx(55.0)
    # A hold at the top is not settling: it is within start_delta of the peak.
    assert len(_run(_reps_signal([70, 70], rest_s=2.0), settling)) == 2


def test_a_small_movement_cut_by_the_end_is_not_a_rep_after_full_ones() -> None:
    def ended(last_amplitude: float) -> Rep | None:
        values = _reps_signal([70, 70, last_amplitude])
        cut = values[: -int(1.0 * FPS) - int(0.9 * FPS)]  # on the way down from the last peak
        engine = RepEngine(SETTINGS)
        reps = [engine.update(i / FPS, float(v)) for i, v in enumerate(cut)]
        assert len([r for r in reps if r is not None]) == 2
        return engine.finish(len(cut) / FPS)

    assert ended(25.0) is None  # legs put down at the end: under half the earlier reps
    last = ended(60.0)
    assert last is not None and last.ended_by_clip and last.index == 3


# ---------------------------------------------------------------- sample rates (issue 26)

BRIDGE_LIKE = RepSettings(start_delta=6.0, min_amplitude=10.0, end_fraction=0.35,
                          min_duration_s=0.4, max_duration_s=15.0, median_s=0.14,
                          settle_s=1.0)


def _smooth_reps(t: np.ndarray) -> np.ndarray:
    """Three reps of a smooth signal in continuous time: rest at 120 degrees, raised
    cosines of 1.2, 2.0 and 0.7 s up to 170, 1.5 s of rest between them."""
    values = np.full(t.shape, 120.0)
    start = 1.0
    for length in (1.2, 2.0, 0.7):
        inside = (t >= start) & (t <= start + length)
        u = (t[inside] - start) / length
        values[inside] += 50.0 * (0.5 - 0.5 * np.cos(2 * np.pi * u))
        start += length + 1.5
    return values


def _sampled(fps: float, settings: RepSettings, offset_s: float = 0.0) -> list[Rep]:
    engine = RepEngine(settings)
    t = np.arange(offset_s, 9.0, 1.0 / fps)
    reps = [engine.update(float(ti), float(v)) for ti, v in zip(t, _smooth_reps(t), strict=True)]
    last = engine.finish(float(t[-1]))
    return [r for r in [*reps, last] if r is not None]


@pytest.mark.parametrize("settings", [SETTINGS, BRIDGE_LIKE], ids=["no median", "median"])
def test_the_same_reps_at_10_15_30_and_60_samples_a_second(settings: RepSettings) -> None:
    at_60 = _sampled(60.0, settings)
    assert len(at_60) == 3
    for fps in (10.0, 15.0, 30.0):
        reps = _sampled(fps, settings, offset_s=0.37 / fps)  # grid off the reps' starts
        assert len(reps) == len(at_60), fps
        for rep, reference in zip(reps, at_60, strict=True):
            # The crossings are interpolated: within 25 ms of 60 a second's at any rate
            # (from the samples alone, end_s - start_s, up to 150 ms longer at 10 a second).
            assert rep.duration_s == pytest.approx(reference.duration_s, abs=0.025), fps
            assert rep.left_rest_s == pytest.approx(reference.left_rest_s, abs=0.025), fps
            assert rep.returned_s == pytest.approx(reference.returned_s, abs=0.025), fps
            # The median over 0.14 s is 3 samples, 0.2 s, at 10 a second: it flattens the
            # peak of the 0.7 s rep by about 6 degrees of its 50.
            assert rep.peak_value == pytest.approx(reference.peak_value, abs=7.0), fps


def test_a_reps_start_and_end_are_interpolated_between_samples() -> None:
    # Rest at 0, a straight ramp to 60 over 1 s from t = 1, back down over 1 s, at 10 a
    # second with the samples 0.04 s off the ramp's corners.
    t = np.arange(0.04, 5.0, 0.1)
    values = np.interp(t, [0.0, 1.0, 2.0, 3.0, 5.0], [0.0, 0.0, 60.0, 0.0, 0.0])
    engine = RepEngine(SETTINGS)
    reps = [r for r in (engine.update(float(a), float(b)) for a, b in zip(t, values,
                                                                          strict=True)) if r]
    assert len(reps) == 1
    rep = reps[0]
    # Crosses out of rest at half of start_delta (5) and back at 35% of the amplitude
    # (of the highest sample, 57.6 at 2.04 s: 20.2).
    assert rep.peak_value == pytest.approx(57.6)
    assert rep.left_rest_s == pytest.approx(1.0 + 5.0 / 60.0)
    assert rep.returned_s == pytest.approx(2.0 + (60.0 - 0.35 * 57.6) / 60.0)
    assert rep.duration_s == pytest.approx(rep.returned_s - rep.left_rest_s)
    # The window of frames still starts and ends on samples either side of the crossings.
    assert rep.start_s == pytest.approx(1.04) and rep.start_s <= rep.left_rest_s
    assert rep.end_s == pytest.approx(2.74) and rep.end_s >= rep.returned_s


@pytest.mark.parametrize(("fps", "samples"), [(10, 3), (15, 3), (20, 3), (24, 5), (30, 5),
                                              (60, 9)])
def test_the_median_covers_the_same_time_at_any_rate(fps: float, samples: int) -> None:
    assert 2 * median_half_samples(0.14, 1.0 / fps) + 1 == samples


def test_a_spike_of_a_thirtieth_of_a_second_is_not_a_rep_at_60_samples_a_second() -> None:
    fps = 60.0
    t = np.arange(0.0, 4.0, 1.0 / fps)
    values = np.full(t.shape, 10.0)
    values[120:123] = 90.0  # three samples: 50 ms, under half of 0.14 s
    spiky = RepSettings(start_delta=10.0, min_amplitude=20.0, min_duration_s=0.0,
                        median_s=0.14)
    engine = RepEngine(spiky)
    assert all(engine.update(float(a), float(b)) is None for a, b in zip(t, values,
                                                                         strict=True))
    assert engine.finish(float(t[-1])) is None
