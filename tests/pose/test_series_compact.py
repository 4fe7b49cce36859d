"""A clip's pose series is compact: float32 landmarks, about 1 KB a frame."""

from __future__ import annotations

import numpy as np

from formcheck.pose.series import PoseSample, PoseSeries


def _sample(t_s: float) -> PoseSample:
    rng = np.random.default_rng(int(t_s * 1000))
    return PoseSample(t_s, rng.normal(300, 50, (33, 3)), rng.normal(0, 0.3, (33, 3)),
                      rng.uniform(0, 1, 33), rng.uniform(0, 1, 33), detected=True)


def test_landmarks_are_stored_as_float32_and_times_as_float64() -> None:
    samples = [_sample(i / 30) for i in range(30)] + [PoseSample.missing(1.0)]
    series = PoseSeries.from_samples(samples, 1280, 720)
    for name in ("image_px", "world_m", "visibility", "presence"):
        assert series.arrays()[name].dtype == np.float32, name
    assert series.t_s.dtype == np.float64  # hours of video at sub-microsecond precision
    assert np.isnan(series.image_px[-1]).all() and not series.detected[-1]
    np.testing.assert_allclose(series.image_px[3], samples[3].image_px, rtol=1e-6)


def test_a_frame_costs_about_a_kilobyte() -> None:
    series = PoseSeries.from_samples([_sample(i / 30) for i in range(300)], 1280, 720)
    per_frame = sum(a.nbytes for a in series.arrays().values()) / len(series)
    assert per_frame < 1100  # 33 x (3 + 3 + 1 + 1) x 4 bytes + a time and two flags
