"""The label angles, on hand-built keypoints (numpy only, no torch)."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.devtools.synth import measure
from formcheck.devtools.synth.measure import COCO


def _pose(**points: tuple[float, float, float]) -> np.ndarray:
    keypoints = np.zeros((len(COCO), 3))
    for name, xyz in points.items():
        keypoints[COCO.index(name)] = xyz
    return keypoints


def _standing(knee_forward: float = 0.0) -> np.ndarray:
    return _pose(
        left_shoulder=(0.15, 0, 1.4), right_shoulder=(-0.15, 0, 1.4),
        left_hip=(0.1, 0, 0.9), right_hip=(-0.1, 0, 0.9),
        left_knee=(0.1, -knee_forward, 0.5), right_knee=(-0.1, -knee_forward, 0.5),
        left_ankle=(0.1, 0, 0.1), right_ankle=(-0.1, 0, 0.1),
    )  # fmt: skip


def test_standing_is_vertical_and_straight() -> None:
    kp = _standing()
    assert measure.trunk_from_vertical_deg(kp) == pytest.approx(0.0)
    assert measure.knee_flexion_deg(kp, "left") == pytest.approx(0.0)
    assert measure.pelvis_rise_deg(kp, "left") == pytest.approx(0.0)
    assert measure.knee_frontal_deviation_deg(kp, "right") == pytest.approx(0.0, abs=1e-6)


def test_knee_forward_is_flexion_not_valgus() -> None:
    kp = _standing(knee_forward=0.1)
    assert measure.knee_flexion_deg(kp, "left") == pytest.approx(2 * np.degrees(np.arctan(0.25)))
    assert measure.knee_frontal_deviation_deg(kp, "left") == pytest.approx(0.0, abs=1e-6)


def test_valgus_sign_is_medial_positive() -> None:
    kp = _standing()
    kp[COCO.index("right_knee")] = (-0.05, 0, 0.5)  # toward the midline (x = 0)
    assert measure.knee_frontal_deviation_deg(kp, "right") > 10
    kp[COCO.index("right_knee")] = (-0.15, 0, 0.5)
    assert measure.knee_frontal_deviation_deg(kp, "right") < -10


def test_free_hip_up_is_positive_rise() -> None:
    kp = _standing()
    kp[COCO.index("left_hip")] = (0.1, 0, 0.9 + 0.2 * np.tan(np.radians(20)))
    assert measure.pelvis_rise_deg(kp, "left") == pytest.approx(20, abs=0.5)
    assert measure.pelvic_drop_deg(kp, "left") == pytest.approx(-20, abs=0.5)


def test_leg_below_trunk_line_is_positive() -> None:
    # Trunk horizontal (shoulders at -y, hips at 0); free leg pointing back and 30 deg down.
    kp = _pose(
        left_shoulder=(0.15, -0.5, 0.9), right_shoulder=(-0.15, -0.5, 0.9),
        left_hip=(0.1, 0, 0.9), right_hip=(-0.1, 0, 0.9),
        left_ankle=(0.1, 0.8 * np.cos(np.radians(30)), 0.9 - 0.8 * np.sin(np.radians(30))),
    )  # fmt: skip
    assert measure.trunk_from_vertical_deg(kp) == pytest.approx(90.0)
    assert measure.leg_below_trunk_deg(kp, "left") == pytest.approx(30.0)
    kp[COCO.index("left_ankle")] = (0.1, 0.8, 1.0)
    assert measure.leg_below_trunk_deg(kp, "left") < 0


@pytest.mark.parametrize(("hip_z", "expected_above"), [(0.3, True), (0.1, False)])
def test_shoulder_hip_knee_signed_past_180(hip_z: float, expected_above: bool) -> None:
    # Lying along y: shoulders at y = 0, knees at y = -0.9, both 0.2 m above the floor... the
    # straight line passes z = 0.2 at the hip's y.
    kp = _pose(
        left_shoulder=(0.15, 0, 0.2), right_shoulder=(-0.15, 0, 0.2),
        left_hip=(0.1, -0.45, hip_z), right_hip=(-0.1, -0.45, hip_z),
        left_knee=(0.1, -0.9, 0.2), right_knee=(-0.1, -0.9, 0.2),
    )  # fmt: skip
    angle = measure.shoulder_hip_knee_deg(kp, None)
    assert (angle > 180) is expected_above
    assert abs(angle - 180) == pytest.approx(2 * np.degrees(np.arctan(0.1 / 0.45)), abs=0.01)


def test_knee_ankle_ratio() -> None:
    kp = _standing()
    kp[COCO.index("left_knee")] = (0.05, 0, 0.5)
    kp[COCO.index("right_knee")] = (-0.05, 0, 0.5)
    assert measure.knee_ankle_separation_ratio(kp) == pytest.approx(0.5)
