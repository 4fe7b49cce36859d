"""Glute bridge rules on synthetic bridges, faults injected at known reps."""

from __future__ import annotations

import pytest

from formcheck.exercises import BRIDGE, View
from formcheck.exercises.bridge import CHECKS
from formcheck.report import Report
from tests.factories import BridgeRep, Script, bridge_series, feet_end_bridge_series, grade


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


def test_pelvic_drop_is_caught_from_an_oblique_view_in_a_single_leg_bridge() -> None:
    report = _grade([BridgeRep(), BridgeRep(pelvis_tilt_deg=20)], View.OBLIQUE,
                    single_leg=True)
    assert report.variant == "single_leg"
    assert _codes(report) == [set(), {"bridge.pelvic_drop"}]


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
    assert "needs a feet view" in skipped["bridge.knees_caving"]
    assert len(report.filming_advice) == 2


@pytest.mark.parametrize(
    ("code", "fault_when", "field"),
    [
        ("bridge.incomplete_lockout", "below", "top_hip_deg"),
        ("bridge.hyperextension", "above", "top_hip_deg"),
        ("bridge.feet_placement", "above", "top_knee_deg"),
        ("bridge.feet_placement", "below", "top_knee_deg"),
    ],
)
def test_values_at_each_limit_pass_and_beyond_fail(code: str, fault_when: str, field: str) -> None:
    limit = _limit(code, fault_when)
    beyond = limit + (1.0 if fault_when == "above" else -1.0)
    metric = next(c.metric for c in CHECKS if c.code == code)
    at_limit = _grade([BridgeRep(**{field: limit})])
    assert at_limit.reps[0].metrics[metric] == pytest.approx(limit, abs=0.6)
    inside = limit - (0.6 if fault_when == "above" else -0.6)
    assert _grade([BridgeRep(**{field: inside})]).reps[0].good
    assert code in _codes(_grade([BridgeRep(**{field: beyond})]))[0]


def test_every_check_has_a_source_and_a_unit() -> None:
    for check in CHECKS:
        assert check.source and check.unit and check.cue and check.views
        assert check.code.startswith("bridge.")


def test_bridges_from_the_feet_end_are_counted_and_knees_caving_is_caught() -> None:
    reps = [BridgeRep(), BridgeRep(), BridgeRep(knees_in=0.5)]
    report = grade(feet_end_bridge_series(Script(reps)))
    assert (report.exercise, report.view) == ("bridge", View.FEET)
    assert report.total_reps == 3
    assert _codes(report) == [set(), set(), {"bridge.knees_caving"}]
    skipped = dict(report.skipped_checks)
    assert "bridge.incomplete_lockout" in skipped and "bridge.knees_caving" not in skipped


def test_an_oblique_view_skips_the_top_angles_it_reads_too_coarsely_and_says_why() -> None:
    report = _grade([BridgeRep(), BridgeRep(top_hip_deg=145)], View.OBLIQUE)
    assert _codes(report) == [set(), set()]
    skipped = dict(report.skipped_checks)
    for code in ("bridge.incomplete_lockout", "bridge.hyperextension", "bridge.feet_placement"):
        assert "film side-on" in skipped[code] and "degrees off" in skipped[code]
