"""The One Euro filter: less jitter on a noisy still point, little lag on motion."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.pose.smoothing import OneEuroFilter


def _run(filter_: OneEuroFilter, t: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.array([filter_(float(ti), np.array([xi]))[0] for ti, xi in zip(t, x, strict=True)])


def test_jitter_is_cut_on_a_still_landmark() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(300) / 30.0
    noisy = 0.5 + rng.normal(0, 0.005, t.size)  # 0.5% of frame height of jitter
    smoothed = _run(OneEuroFilter(), t, noisy)
    jitter_in = np.std(np.diff(noisy[30:]))
    jitter_out = np.std(np.diff(smoothed[30:]))
    assert jitter_out < 0.25 * jitter_in


def test_lag_on_a_rep_like_motion_is_small() -> None:
    # A bridge rep: hips travel a quarter of the frame height at 0.5 Hz.
    t = np.arange(300) / 30.0
    signal = 0.5 + 0.125 * np.sin(2 * np.pi * 0.5 * t)
    smoothed = _run(OneEuroFilter(), t, signal)
    lags = np.arange(0, 30)
    errors = [np.mean(np.abs(smoothed[60:] - np.roll(signal, lag)[60:])) for lag in lags]
    best_lag_s = lags[int(np.argmin(errors))] / 30.0
    assert best_lag_s <= 0.1
    assert np.max(np.abs(smoothed[60:] - signal[60:])) < 0.02


def test_same_timestamp_returns_the_last_value() -> None:
    filter_ = OneEuroFilter()
    filter_(0.0, np.array([1.0]))
    first = filter_(0.1, np.array([2.0]))
    assert filter_(0.1, np.array([5.0])) == pytest.approx(first)


def test_reset_forgets_the_past() -> None:
    filter_ = OneEuroFilter()
    filter_(0.0, np.array([1.0]))
    filter_.reset()
    assert filter_(1.0, np.array([7.0])) == pytest.approx([7.0])


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        OneEuroFilter(min_cutoff_hz=0)
