"""Exercise and view recognition on synthetic series (no model)."""

from __future__ import annotations

import numpy as np

from formcheck.analysis.recognition import forced
from formcheck.analysis.recognition import recognise as recognise_with
from formcheck.exercises import EXERCISES, View
from formcheck.signals.body import BodySignals
from tests.factories import (
    BridgeRep,
    HingeRep,
    Script,
    body,
    bridge_series,
    hinge_series,
    rear_hinge_series,
)


def recognise(signals: BodySignals):  # type: ignore[no-untyped-def]
    return recognise_with(signals, EXERCISES)


def test_single_leg_hinge_from_the_side_is_a_deadlift() -> None:
    result = recognise(body(hinge_series(Script([HingeRep()] * 2))))
    assert (result.exercise, result.view) == ("sldl", View.SIDE)


def test_lying_bridges_are_bridges_from_the_side_or_obliquely() -> None:
    assert recognise(body(bridge_series(Script([BridgeRep()] * 2)))).exercise == "bridge"
    oblique = recognise(body(bridge_series(Script([BridgeRep()] * 2), oblique=True)))
    assert (oblique.exercise, oblique.view) == ("bridge", View.OBLIQUE)


def test_two_footed_hinge_is_not_graded_and_says_why() -> None:
    series = hinge_series(Script([HingeRep()] * 2))
    # Put the free foot back on the floor beside the stance foot in every frame.
    right_leg = series.image_px[:, [26, 28, 30, 32]]
    series.image_px[:, [25, 27, 29, 31]] = right_leg + np.array([12.0, -4.0, 0.0])
    result = recognise(body(series))
    assert result.exercise == "other"
    assert "both feet stayed on the floor" in result.seen
    assert "two-legged deadlift" in result.seen


def test_squat_is_not_graded() -> None:
    # Deep knee bends with the trunk upright: the deadlift figure with a bent stance knee
    # and no hinge.
    series = hinge_series(Script([HingeRep(depth_deg=10, knee_flexion_deg=110)] * 2))
    series.image_px[:, [25, 27, 29, 31]] = series.image_px[:, [26, 28, 30, 32]]
    result = recognise(body(series))
    assert result.exercise == "other"
    assert "squat" in result.seen


def test_rear_hinge_with_the_free_leg_toward_the_camera_is_a_deadlift() -> None:
    result = recognise(body(rear_hinge_series(Script([HingeRep()] * 2))))
    assert (result.exercise, result.view) == ("sldl", View.REAR)


def test_rear_hinge_on_both_feet_is_a_two_legged_hinge() -> None:
    series = rear_hinge_series(Script([HingeRep()] * 2))
    # Both legs full length, both feet on the floor.
    right_leg = series.image_px[:, [26, 28, 30, 32], :2]
    series.image_px[:, [25, 27, 29, 31], :2] = right_leg - [70.0, 0.0]
    result = recognise(body(series))
    assert (result.exercise, result.view) == ("other", View.REAR)
    assert "both feet on the floor" in result.seen
    assert "--exercise sldl" in result.seen


def test_rear_hinge_whose_ankles_both_rise_is_a_single_leg_deadlift() -> None:
    # Seen from behind, the pose model lifts both ankles together at the bottom of a
    # single-leg deadlift: the legs look alike, but the ankles leave the floor level.
    series = rear_hinge_series(Script([HingeRep()] * 3))
    right_leg = series.image_px[:, [26, 28, 30, 32], :2].copy()
    trunk = body(series).trunk_incl_world_deg
    lift = 0.8 * 120.0 * np.clip(np.nan_to_num(trunk) / 80.0, 0.0, 1.0)  # 0.8 torso at the bottom
    for leg in ([25, 27, 29, 31], [26, 28, 30, 32]):
        offset = [-70.0, 0.0] if leg[0] == 25 else [0.0, 0.0]
        series.image_px[:, leg, :2] = right_leg + offset
        series.image_px[:, leg[1:], 1] -= lift[:, None]
    result = recognise(body(series))
    assert (result.exercise, result.view) == ("sldl", View.REAR)


def test_standing_still_is_not_graded() -> None:
    result = recognise(body(hinge_series(Script([], lead_s=5.0))))
    assert result.exercise == "other"
    assert "no hip hinge" in result.seen


def test_a_forced_deadlift_on_someone_lying_down_says_so_instead_of_grading() -> None:
    signals = body(bridge_series(Script([BridgeRep()] * 2)))
    result = forced(signals, EXERCISES["sldl"], EXERCISES)
    assert result.exercise == "other"
    assert "not standing" in result.seen and "glute bridge" in result.seen


def test_a_forced_exercise_in_its_own_posture_is_graded_as_asked() -> None:
    signals = body(rear_hinge_series(Script([HingeRep()] * 2)))
    result = forced(signals, EXERCISES["sldl"], EXERCISES)
    assert (result.exercise, result.view) == ("sldl", View.REAR)
