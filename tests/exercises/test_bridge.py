"""Glute bridge rules on synthetic bridges, faults injected at known reps."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.analysis.report import Report, Status
from formcheck.exercises import BRIDGE, View, posture
from formcheck.exercises.base import Setup
from formcheck.exercises.bridge import (
    CHECKS,
    FEET_END_LYING_SHARE,
    LOST_TRUNK_DEG,
    LOW_FEET_END,
    LYING_SHARE,
    MAX_LOST_SHARE,
    PLAUSIBLE_HIP_DEG,
    feet_end_lost,
    lost_frames,
    recognise,
    signed_hip_angle,
    untrusted,
)
from tests.factories import (
    BridgeRep,
    HingeRep,
    Script,
    body,
    bridge_series,
    feet_end_bridge_series,
    grade,
    hinge_series,
)


def _grade(reps: list[BridgeRep], view: View = View.SIDE, *,
           single_leg: bool = False) -> Report:
    series = bridge_series(Script(reps), oblique=view == View.OBLIQUE, single_leg=single_leg)
    report = grade(series, BRIDGE.name)
    assert report.view == view
    return report


def _codes(report: Report) -> list[set[str]]:
    return [{f.code for f in r.faults} for r in report.reps]


def _limit(code: str, fault_when: str) -> float:
    return next(c.limit for c in CHECKS if c.code == code and c.fault_when == fault_when)


def test_good_bridges_have_no_faults() -> None:
    report = _grade([BridgeRep()] * 4)
    assert report.total_reps == 4 and report.good_reps == 4
    assert report.variant == "double"


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        (BridgeRep(top_hip_deg=145), "bridge.incomplete_lockout"),
        (BridgeRep(top_hip_deg=205), "bridge.hyperextension"),
        (BridgeRep(top_knee_deg=135), "bridge.feet_placement"),
        (BridgeRep(top_knee_deg=40), "bridge.feet_placement"),
        (BridgeRep(duration_s=0.6), "bridge.rushed"),
    ],
)
def test_each_side_view_fault_is_caught_at_its_rep(fault: BridgeRep, code: str) -> None:
    report = _grade([BridgeRep(), BridgeRep(), fault])
    assert report.total_reps == 3
    assert _codes(report) == [set(), set(), {code}]
    assert report.good_reps == 2 and report.first_bad_rep == 3
    assert report.variant == "double" and report.side is None


def test_pelvic_drop_is_caught_from_an_oblique_view_in_a_single_leg_bridge() -> None:
    report = _grade([BridgeRep(), BridgeRep(pelvis_tilt_deg=35)], View.OBLIQUE,
                    single_leg=True)
    assert report.variant == "single_leg"
    assert report.side == "right"  # the factory holds the left leg straight
    assert _codes(report) == [set(), {"bridge.pelvic_drop"}]


def test_a_pelvic_drop_within_the_oblique_margin_is_borderline() -> None:
    # 20 degrees of tilt read about 18 obliquely: past the limit of 10, but by less than
    # the 10 degrees the oblique picture is measured to.
    report = _grade([BridgeRep(), BridgeRep(pelvis_tilt_deg=20)], View.OBLIQUE,
                    single_leg=True)
    assert _codes(report) == [set(), set()]
    assert [b.code for b in report.reps[1].borderline] == ["bridge.pelvic_drop"]
    assert report.good_reps == 2


def test_a_turning_hip_line_with_both_feet_down_is_not_a_pelvic_drop() -> None:
    # Seen obliquely, the hip line turns in the picture as both hips rise: perspective.
    report = _grade([BridgeRep(), BridgeRep(pelvis_tilt_deg=20)], View.OBLIQUE)
    assert report.variant == "double"
    assert _codes(report) == [set(), set()]


def test_side_view_skips_pelvic_drop_and_knees_with_advice() -> None:
    report = _grade([BridgeRep()])
    skipped = dict(report.skipped_checks)
    assert set(skipped) == {"bridge.pelvic_drop", "bridge.knees_caving"}
    assert "needs an oblique view" in skipped["bridge.pelvic_drop"]
    # No view reads knees caving reliably yet (see FEET_END_KNEE_WIDTH): said, not advised.
    assert "cannot be judged from any view yet" in skipped["bridge.knees_caving"]
    assert report.not_judged == ("bridge.knees_caving",)
    assert len(report.filming_advice) == 1 and "45 degrees" in report.filming_advice[0]


@pytest.mark.parametrize(
    ("code", "fault_when", "field"),
    [
        ("bridge.incomplete_lockout", "below", "top_hip_deg"),
        ("bridge.hyperextension", "above", "top_hip_deg"),
        ("bridge.feet_placement", "above", "top_knee_deg"),
        ("bridge.feet_placement", "below", "top_knee_deg"),
    ],
)
def test_values_at_each_limit_pass_just_beyond_are_borderline_and_past_the_margin_fail(
        code: str, fault_when: str, field: str) -> None:
    limit = _limit(code, fault_when)
    check = next(c for c in CHECKS if c.code == code and c.fault_when == fault_when)
    sign = 1.0 if fault_when == "above" else -1.0
    at_limit = _grade([BridgeRep(**{field: limit})])
    assert at_limit.reps[0].metrics[check.metric] == pytest.approx(limit, abs=0.6)
    assert _grade([BridgeRep(**{field: limit - sign * 0.6})]).reps[0].good
    near = _grade([BridgeRep(**{field: limit + sign * 1.0})]).reps[0]
    assert near.good and [b.code for b in near.borderline] == [code]
    margin = check.margin(at_limit.camera.off_side_deg)
    assert margin > 1.0
    beyond = limit + sign * (margin + 1.0)
    assert code in _codes(_grade([BridgeRep(**{field: beyond})]))[0]


def test_every_check_has_a_source_and_a_unit() -> None:
    for check in CHECKS:
        assert check.source and check.unit and check.cue and check.views
        assert check.code.startswith("bridge.")


def test_bridges_from_the_feet_end_are_counted_and_knees_caving_is_skipped_saying_why() -> None:
    # Caved-in knees read like steady ones on rendered feet-end clips: a good rep must
    # not fail on them, and a caving rep is not graded on a width the model misreads.
    reps = [BridgeRep(), BridgeRep(), BridgeRep(knees_in=0.5)]
    report = grade(feet_end_bridge_series(Script(reps)))
    assert report.status is Status.GRADED
    assert (report.exercise, report.view) == ("bridge", View.FEET)
    assert report.total_reps == 3
    assert _codes(report) == [set(), set(), set()]
    skipped = dict(report.skipped_checks)
    assert "bridge.incomplete_lockout" in skipped
    assert "misplaces knees" in skipped["bridge.knees_caving"]


def test_a_feet_end_bridge_whose_body_the_model_loses_is_recognised_but_not_counted() -> None:
    # Rendered feet-end clips: through most of each lift the pose model reads the trunk
    # across the picture. Counting on such poses gave wrong counts; say why instead.
    reps = [BridgeRep(), BridgeRep(), BridgeRep()]
    report = grade(feet_end_bridge_series(Script(reps), lost_above=0.1))
    assert report.status is Status.UNGRADABLE
    assert (report.exercise, report.view) == ("bridge", View.FEET)
    assert report.total_reps == 0
    assert report.reason is not None
    assert "filmed from the feet end" in report.reason and "film side-on" in report.reason
    assert "neither standing nor lying" not in report.verdict


def test_a_feet_end_bridge_lost_through_every_lift_is_still_recognised_as_a_bridge() -> None:
    # Lying frames are then a minority (the rests between reps): the frames the model lost
    # count toward the bridge's posture, never "neither standing nor lying".
    series = feet_end_bridge_series(Script([BridgeRep()] * 3), lost_above=0.0)
    signals = body(series)
    lying_share = posture.lying(signals).mean()
    assert FEET_END_LYING_SHARE <= lying_share < LYING_SHARE
    cue = recognise(signals)
    assert cue.matches and cue.view is View.FEET
    report = grade(series)
    assert report.status is Status.UNGRADABLE and report.exercise == "bridge"


def test_a_feet_end_bridge_with_a_few_lost_frames_is_still_counted() -> None:
    reps = [BridgeRep(), BridgeRep(), BridgeRep()]
    series = feet_end_bridge_series(Script(reps), lost_above=0.9)
    assert 0 < feet_end_lost(body(series)).mean() < MAX_LOST_SHARE
    report = grade(series)
    assert report.status is Status.GRADED and report.total_reps == 3


def test_feet_end_lost_frames_are_those_with_the_trunk_across_the_picture() -> None:
    signals = body(feet_end_bridge_series(Script([BridgeRep()]), lost_above=0.5))
    across = signals.trunk_incl_img_deg > LOST_TRUNK_DEG
    assert across.any() and np.array_equal(feet_end_lost(signals), across)
    assert np.array_equal(lost_frames(signals, View.FEET), across)
    assert not lost_frames(signals, View.HEAD).any()  # the head end has no such test
    assert not feet_end_lost(body(feet_end_bridge_series(Script([BridgeRep()])))).any()


def test_side_on_lost_frames_are_those_with_a_hip_angle_no_bridge_makes() -> None:
    script = Script([BridgeRep(), BridgeRep(top_hip_deg=205)])  # hyperextension is a pose
    assert not lost_frames(body(bridge_series(script)), View.SIDE).any()
    assert not lost_frames(body(bridge_series(script, oblique=True)), View.OBLIQUE).any()
    # A feet-end clip read as if side-on: the hip angle folds past what a body can make.
    misread = body(feet_end_bridge_series(Script([BridgeRep()])))
    angle = signed_hip_angle(misread, Setup("bridge", View.SIDE))
    low, high = PLAUSIBLE_HIP_DEG
    outside = posture.detected(misread) & ((angle < low) | (angle > high))
    assert outside.any() and np.array_equal(lost_frames(misread, View.SIDE), outside)


def test_a_clip_exactly_at_the_lost_share_limit_is_still_graded() -> None:
    for view in (View.FEET, View.SIDE, View.OBLIQUE):
        assert untrusted(MAX_LOST_SHARE, view) is None
        assert untrusted(MAX_LOST_SHARE + 0.01, view) is not None
    assert "feet end" in str(untrusted(0.9, View.FEET))
    assert "misplaced" in str(untrusted(0.9, View.OBLIQUE))
    assert untrusted(0.9, View.HEAD) is None


def test_an_oblique_view_skips_the_top_angles_it_reads_too_coarsely_and_says_why() -> None:
    report = _grade([BridgeRep(), BridgeRep(top_hip_deg=145)], View.OBLIQUE)
    assert _codes(report) == [set(), set()]
    skipped = dict(report.skipped_checks)
    for code in ("bridge.incomplete_lockout", "bridge.hyperextension", "bridge.feet_placement"):
        assert "film side-on" in skipped[code] and "degrees off" in skipped[code]


def test_a_bridge_read_as_upright_from_a_low_feet_end_camera_is_not_graded_saying_why() -> None:
    series = feet_end_bridge_series(Script([BridgeRep(), BridgeRep()]), low_camera=True)
    signals = body(series)
    assert posture.shins_toward_camera(signals).all()
    assert not posture.standing(signals).any()  # it is not a person standing facing us
    cue = recognise(signals)
    assert (cue.matches, cue.view, cue.seen) == (False, View.FEET, LOW_FEET_END)
    report = grade(series)
    assert report.status is Status.UNGRADABLE and "low camera at the feet end" in report.reason
    # People standing never show shins that long against the trunk.
    assert not posture.shins_toward_camera(body(hinge_series(Script([HingeRep()])))).any()


def test_from_the_feet_end_every_frame_with_a_person_is_in_the_bridge_posture() -> None:
    # There the pose model reads the top of a lift as a person standing, upright in 3-D.
    signals = body(feet_end_bridge_series(Script([BridgeRep()]), low_camera=True))
    upright = ~posture.not_standing(signals)
    assert upright.any()
    assert BRIDGE.in_posture(signals, View.FEET).all()
    assert np.array_equal(BRIDGE.in_posture(signals, View.SIDE), ~upright)
