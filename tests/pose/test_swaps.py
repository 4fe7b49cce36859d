"""Left/right leg swap repair on synthetic side-view series."""

from __future__ import annotations

import numpy as np

from formcheck.pose.landmarks import Landmark
from formcheck.pose.series import PoseSample
from formcheck.pose.swaps import LegSwapRepair, swap_legs

FPS = 30.0


def _standing(t_s: float, stride_px: float = 40.0) -> PoseSample:
    """A person seen from the side, legs apart front to back (torso 100 px)."""
    points = np.zeros((33, 3), np.float32)
    points[:, 0], points[:, 1] = 100.0, 100.0
    points[[Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER], :2] = (100, 100)
    points[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP], :2] = (100, 200)
    sway = 3.0 * np.sin(2 * np.pi * 0.5 * t_s)  # slow motion, a few pixels per frame at most
    for side, offset in ((0, -stride_px), (1, stride_px)):
        knee, ankle, heel, toe = (
            (Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE, Landmark.LEFT_HEEL, Landmark.LEFT_FOOT_INDEX)
            if side == 0
            else (Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE, Landmark.RIGHT_HEEL,
                  Landmark.RIGHT_FOOT_INDEX)
        )
        points[knee, :2] = (100 + offset / 2 + sway, 300)
        points[ankle, :2] = (100 + offset + sway, 400)
        points[heel, :2] = (95 + offset + sway, 410)
        points[toe, :2] = (125 + offset + sway, 410)
    return PoseSample(t_s, points, points / 200.0, np.ones(33, np.float32),
                      np.ones(33, np.float32), detected=True)


def _run(samples: list[PoseSample]) -> list[PoseSample]:
    repair = LegSwapRepair()
    return [repair(s) for s in samples]


def test_a_short_swap_is_repaired_and_recorded() -> None:
    truth = [_standing(i / FPS) for i in range(60)]
    model = [swap_legs(s) if 20 <= i < 26 else s for i, s in enumerate(truth)]
    model = [s if not s.swapped else type(s)(**{**s.__dict__, "swapped": False}) for s in model]
    repaired = _run(model)
    for got, want in zip(repaired, truth, strict=True):
        np.testing.assert_allclose(got.image_px, want.image_px)
        np.testing.assert_allclose(got.world_m, want.world_m)
    assert [i for i, s in enumerate(repaired) if s.swapped] == list(range(20, 26))


def test_a_long_swap_is_accepted_as_real() -> None:
    truth = [_standing(i / FPS) for i in range(120)]
    model = [swap_legs(s) if i >= 20 else s for i, s in enumerate(truth)]
    model = [type(s)(**{**s.__dict__, "swapped": False}) for s in model]
    repaired = _run(model)
    flagged = [i for i, s in enumerate(repaired) if s.swapped]
    # Repaired for at most max_swap_s (1 s = 30 frames), then the model is believed.
    assert flagged and flagged[0] == 20 and len(flagged) <= 31
    np.testing.assert_allclose(repaired[-1].image_px, model[-1].image_px)


def test_steady_motion_is_not_mistaken_for_a_swap() -> None:
    samples = [_standing(i / FPS, stride_px=40 * np.cos(2 * np.pi * i / 60)) for i in range(120)]
    assert not any(s.swapped for s in _run(samples))


def test_missing_frames_pass_through() -> None:
    missing = PoseSample.missing(0.5)
    assert _run([_standing(0.0), missing])[1] is missing
