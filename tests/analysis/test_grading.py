"""The tally: the count stops at the first bad rep, later reps are kept, sets split on rests."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from formcheck.analysis.grading import (
    Borderline,
    Fault,
    GradedRep,
    Tally,
    best_filming,
    borderline_message,
    grade_rep,
)
from formcheck.analysis.prescription import SET_BREAK_S, advice
from formcheck.exercises import EXERCISES, Exercise, Measurement, Setup, View
from formcheck.exercises.base import ErrorTable
from formcheck.signals.camera import CameraAngle
from formcheck.signals.reps import Rep
from tests.exercises.squat_toy import SQUAT


def _graded(index: int, start_s: float, bad: bool) -> GradedRep:
    rep = Rep(index, start_s, start_s + 1.5, start_s + 3.0, 10.0, 80.0)
    faults = (Fault("sldl.rushed", 0.5, 1.0, "s", start_s, "too fast", "slow down"),) if bad else ()
    return GradedRep(rep, faults, (), {})


def _tally(bad_at: set[int], n: int = 5, gaps: dict[int, float] | None = None) -> Tally:
    tally = Tally()
    t = 0.0
    for i in range(1, n + 1):
        t += (gaps or {}).get(i, 0.0)
        tally.add(_graded(i, t, i in bad_at))
        t += 4.0
    return tally


@pytest.mark.parametrize(("bad_at", "good", "first_bad"),
                         [({1}, 0, 1), ({3}, 2, 3), ({5}, 4, 5), (set(), 5, None), ({2, 4}, 1, 2)])
def test_count_stops_at_the_first_bad_rep(bad_at: set[int], good: int,
                                          first_bad: int | None) -> None:
    tally = _tally(bad_at)
    assert tally.good_reps == good
    assert tally.first_bad == first_bad
    assert len(tally.reps) == 5  # later reps are still graded and kept
    after = [r.after_stop for r in tally.reps]
    assert after == [first_bad is not None and i + 1 > first_bad for i in range(5)]


def test_a_long_pause_starts_a_new_set() -> None:
    tally = _tally({5}, n=6, gaps={4: SET_BREAK_S + 30})
    sets = tally.sets()
    assert [s.reps for s in sets] == [3, 3]
    assert sets[0].rest_before_s is None
    assert sets[1].rest_before_s == pytest.approx(SET_BREAK_S + 30 + 1.0)
    assert [s.good_reps for s in sets] == [3, 1]
    assert [r.set_index for r in tally.reps] == [1, 1, 1, 2, 2, 2]


def test_a_pause_at_the_break_threshold_stays_in_the_set() -> None:
    tally = _tally(set(), n=2, gaps={2: SET_BREAK_S - 1.0})  # rest = SET_BREAK_S exactly
    assert len(tally.sets()) == 1


def test_prescription_advice() -> None:
    assert "Build up to 10-15" in advice([4], [])
    assert "progress toward 3 sets of 25" in advice([12, 12, 12], [90, 90])
    assert "Rest 1-2 minutes" in advice([12, 12], [30])
    assert "No rep had good form" in advice([0], [])


def test_a_set_asked_for_starts_with_its_own_count() -> None:
    tally = Tally()
    tally.add(_graded(1, 0.0, False))
    tally.add(_graded(2, 4.0, True))
    assert (tally.set_index, tally.set_good_reps, tally.set_stopped) == (1, 1, True)
    tally.break_set()  # a short rest, but the user says "new set"
    assert (tally.set_index, tally.set_good_reps, tally.set_stopped) == (2, 0, False)
    tally.add(_graded(3, 8.0, False))
    tally.add(_graded(4, 12.0, False))
    assert [r.set_index for r in tally.reps] == [1, 1, 2, 2]
    assert (tally.set_good_reps, tally.set_stopped) == (2, False)
    assert [s.good_reps for s in tally.sets()] == [1, 2]
    assert tally.good_reps == 1  # the clip's count still stopped at rep 2


# --- pass, borderline, fault (issue 21) ---------------------------------------------------------

_TABLE = ErrorTable(off_side_deg=(25.0, 60.0, 90.0), p90=(4.0, 9.0, math.nan), reps=(20, 8, 2),
                    source="a test table")


def _toy(value: float, *, error: ErrorTable | None = _TABLE,
         max_off_side_deg: float | None = None) -> Exercise:
    """The toy squat, reading ``value`` degrees of knee flexion on every rep."""
    check = replace(SQUAT.checks[0], error=error, max_off_side_deg=max_off_side_deg)

    def measure(window: object, rep: Rep, setup: Setup,
                previous: tuple[Rep, ...]) -> dict[str, Measurement]:
        return {check.metric: Measurement(value, rep.end_s)}

    return replace(SQUAT, checks=(check,), measure=measure)


def _grade(value: float, off_side_deg: float, **toy: object) -> GradedRep:
    rep = Rep(1, 0.0, 1.5, 3.0, 10.0, 80.0)
    camera = CameraAngle(off_side_deg, 8.0, 0.9, 30)
    return grade_rep(_toy(value, **toy), None, rep, Setup("squat", View.SIDE),  # type: ignore[arg-type]
                     camera=camera)


def test_error_table_margin_by_angle_and_the_worst_where_unmeasured() -> None:
    assert _TABLE.margin(0.0) == 4.0
    assert _TABLE.margin(25.0) == 4.0  # upper edges are inclusive
    assert _TABLE.margin(40.0) == 9.0
    assert _TABLE.margin(80.0) == 9.0  # too few reps there: the worst measured
    assert _TABLE.margin(math.nan) == 9.0  # angle unknown: the worst measured


@pytest.mark.parametrize(("value", "off_side", "outcome"), [
    (91.0, 10.0, "pass"),        # within the limit (fault below 90)
    (90.0, 10.0, "pass"),        # exactly at the limit passes
    (87.0, 10.0, "borderline"),  # 3 past, margin 4 side-on
    (86.0, 10.0, "borderline"),  # 4 past: not more than the margin
    (85.0, 10.0, "fault"),       # 5 past a margin of 4
    (85.0, 40.0, "borderline"),  # the same reading from 40 degrees off: margin 9
    (80.0, 40.0, "fault"),
])
def test_a_reading_past_the_limit_within_the_margin_is_borderline(
        value: float, off_side: float, outcome: str) -> None:
    graded = _grade(value, off_side)
    got = "fault" if graded.faults else "borderline" if graded.borderline else "pass"
    assert got == outcome
    if graded.faults:
        margin = graded.faults[0].margin
        assert margin == _TABLE.margin(off_side)
        assert graded.faults[0].message.endswith(
            f"(limit 90 degrees, measured to within {margin:.0f} degrees)")
    if graded.borderline:
        near = graded.borderline[0]
        assert (near.value, near.limit, near.margin) == (value, 90.0, _TABLE.margin(off_side))
        assert near.message.startswith(f"borderline shallow: {value:.0f} degrees against 90")
        assert near.cue == "sit deeper"


def test_without_a_measured_error_every_reading_past_the_limit_is_a_fault() -> None:
    graded = _grade(89.5, 10.0, error=None)
    assert [f.code for f in graded.faults] == ["squat.shallow"]
    assert graded.faults[0].margin == 0.0
    assert "within" not in graded.faults[0].message


def test_a_camera_beyond_a_checks_angle_makes_it_uncertain_not_failed() -> None:
    graded = _grade(40.0, 50.0, max_off_side_deg=30.0)
    assert not graded.faults and not graded.borderline
    assert [u.code for u in graded.uncertain] == ["squat.shallow"]
    assert "50 degrees off side-on" in graded.uncertain[0].reason
    assert _grade(40.0, 20.0, max_off_side_deg=30.0).faults  # within its angle: judged


def test_a_borderline_rep_does_not_stop_the_count() -> None:
    tally = Tally()
    near = Borderline("sldl.stance_knee_bend", 57.0, 55.0, "deg", 6.0, 1.0,
                      "borderline stance knee bend", "keep it soft")
    tally.add(replace(_graded(1, 0.0, False), borderline=(near,)))
    tally.add(_graded(2, 4.0, False))
    tally.add(_graded(3, 8.0, True))
    assert (tally.good_reps, tally.first_bad) == (2, 3)


def test_a_borderline_message_gives_reading_limit_margin_and_how_to_film() -> None:
    sldl = EXERCISES["sldl"]
    check = next(c for c in sldl.checks if c.code == "sldl.stance_knee_bend")
    message = borderline_message(check, 58.0, 6.31, best_filming(sldl, check))
    assert message == ("borderline stance knee bend: 58 degrees against 55 degrees, measured"
                       " to within 6 degrees from this camera angle: film from the side,"
                       " camera at hip height, whole body in frame, to be sure")


def test_a_limit_with_a_tenth_is_said_with_it() -> None:
    sldl = EXERCISES["sldl"]
    check = next(c for c in sldl.checks if c.code == "sldl.hip_opening")
    assert check.limit == 6.5
    assert borderline_message(check, 7.2, 5.9).startswith(
        "borderline hip opening: 7 degrees against 6.5 degrees, measured to within 6 degrees")
