"""The progression across sessions: each stage and next target against the rules, on
histories built from graded synthetic clips and from plain sets, including each rule's
edges (10 good reps, rests of exactly 1 and 2 minutes, a target met exactly)."""

from __future__ import annotations

import pytest

from formcheck.analysis.progression import (
    RULES,
    RULES_BY_CODE,
    SETTINGS,
    Stage,
    Target,
    TrainedSession,
    follow,
    progress_of,
    session_from_report,
)
from formcheck.analysis.report import Report
from tests.factories import (
    BridgeRep,
    HingeRep,
    Script,
    bridge_series,
    grade,
    hinge_series,
    legs_exchanged,
    on_day,
)
from tests.factories import trained_session as session
from tests.factories import trained_sets as sets

REST = (60.0, 120.0)


def _report(reps: list[HingeRep], *, gaps_s: dict[int, float] | None = None,
            left: bool = True) -> Report:
    series = hinge_series(Script(reps, fps=15, gaps_s=gaps_s or {}))
    return grade(legs_exchanged(series) if left else series, "sldl")


@pytest.fixture(scope="module")
def stopping_at_rep_3() -> TrainedSession:
    """A graded clip: two good reps, the stance knee bends on rep 3."""
    report = _report([HingeRep(), HingeRep(), HingeRep(knee_flexion_deg=70), HingeRep()])
    made = session_from_report(report, on_day(0), "a" * 64)
    assert made is not None
    return made


@pytest.fixture(scope="module")
def twelve_in_one_set() -> TrainedSession:
    made = session_from_report(_report([HingeRep()] * 12), on_day(1), "b" * 64)
    assert made is not None
    return made


@pytest.fixture(scope="module")
def three_sets_of_twelve() -> Report:
    """A graded clip of 3 sets of 12 good reps with about 90 s between sets."""
    return _report([HingeRep()] * 36, gaps_s={12: 89.0, 24: 89.0})


def test_a_clip_stopping_at_a_bad_rep_is_technique(stopping_at_rep_3: TrainedSession) -> None:
    assert stopping_at_rep_3.side == "left"
    assert [(s.reps, s.good_reps) for s in stopping_at_rep_3.sets] == [(4, 2)]
    fault = stopping_at_rep_3.first_fault
    assert fault is not None and fault.code == "sldl.stance_knee_bend"
    assert "stance knee" in fault.cue
    track = follow([stopping_at_rep_3])
    assert track.stage is Stage.TECHNIQUE and track.judged[0].rule == "start"
    # "If you can only manage 1 rep with good form, that is all you do": 2 good, up to 10.
    assert track.target == Target(3, (2, 10), REST)
    assert track.next_session() == (
        "next session: 3 sets of good single-leg deadlifts on the left leg, as many as you"
        " can with good form (2 last time; aim for 10), each set stopped at the first bad"
        " rep, 1-2 minutes of rest")
    assert "1 set of 2 good reps; stopped at rep 3: your stance knee bent" in track.standing()


def test_a_first_rep_already_bad_still_asks_for_one_good_rep() -> None:
    track = follow([session(0, 0, stopped=(0,))])
    assert track.stage is Stage.TECHNIQUE and track.target.reps == (1, 10)
    track = follow([session(0, 0, stopped=(0,)), session(1, 3, 1, stopped=(0, 1))])
    assert track.judged[-1].rule == "technique.hold" and track.target.reps == (3, 10)


def test_twelve_good_reps_in_one_set_moves_technique_to_base(
        stopping_at_rep_3: TrainedSession, twelve_in_one_set: TrainedSession) -> None:
    assert [(s.reps, s.good_reps) for s in twelve_in_one_set.sets] == [(12, 12)]
    track = follow([stopping_at_rep_3, twelve_in_one_set])
    assert [j.stage for j in track.judged] == [Stage.TECHNIQUE, Stage.BASE]
    assert track.judged[1].rule == "up.technique_to_base"
    assert track.target == Target(3, (12, 12), REST) and track.counted == 0
    assert track.next_session() == ("next session: 3 sets of 12 good single-leg deadlifts"
                                    " on the left leg, 1-2 minutes of rest")


def test_three_sets_of_twelve_with_90_s_rests_meet_the_target(
        stopping_at_rep_3: TrainedSession, twelve_in_one_set: TrainedSession,
        three_sets_of_twelve: Report) -> None:
    assert [(s.reps, s.good_reps) for s in three_sets_of_twelve.sets] == [(12, 12)] * 3
    rests = [s.rest_before_s for s in three_sets_of_twelve.sets]
    assert rests[0] is None and all(80 < r < 100 for r in rests[1:])  # type: ignore[operator]
    day2 = session_from_report(three_sets_of_twelve, on_day(3), "c" * 64)
    day3 = session_from_report(three_sets_of_twelve, on_day(5), "d" * 64)
    assert day2 is not None and day3 is not None
    track = follow([stopping_at_rep_3, twelve_in_one_set, day2])
    assert track.judged[-1].rule == "met" and track.counted == 1
    assert track.stage is Stage.BASE and track.target.reps == (12, 12)
    assert "1 of 2 sessions on different days" in track.standing()
    # A second day meeting it: 3 more reps (the fewest of those sets was 12).
    track = follow([stopping_at_rep_3, twelve_in_one_set, day2, day3])
    assert track.judged[-1].rule == "up.step"
    assert track.stage is Stage.BASE and track.target.reps == (15, 15) and track.counted == 0


def test_a_first_session_of_three_sets_of_twelve_is_base_and_counts(
        three_sets_of_twelve: Report) -> None:
    first = session_from_report(three_sets_of_twelve, on_day(0), "c" * 64)
    assert first is not None
    track = follow([first])
    assert track.judged[0].rule == "up.technique_to_base"
    assert track.stage is Stage.BASE and track.target.reps == (12, 12) and track.counted == 1


def test_a_session_rested_4_minutes_is_not_counted(twelve_in_one_set: TrainedSession) -> None:
    track = follow([twelve_in_one_set, session(3, 12, 12, 12, rest_s=240.0)])
    last = track.judged[-1]
    assert last.rule == "rest.outside" and track.counted == 0
    assert track.stage is Stage.BASE and track.target.reps == (12, 12)
    assert "rests of 4.0 min, 4.0 min: outside 1-2 minutes, not counted" in last.note


@pytest.mark.parametrize(("rest_s", "counted"), [(60.0, 1), (120.0, 1), (59.9, 0),
                                                 (120.1, 0), (30.0, 0)])
def test_rests_of_one_to_two_minutes_count_at_the_edges(rest_s: float, counted: int) -> None:
    track = follow([session(0, 12), session(1, 12, 12, 12, rest_s=rest_s)])
    assert track.counted == counted
    assert track.judged[-1].rule == ("met" if counted else "rest.outside")


@pytest.mark.parametrize(("best", "stage"), [(9, Stage.TECHNIQUE), (10, Stage.BASE)])
def test_ten_good_reps_in_a_set_end_technique(best: int, stage: Stage) -> None:
    track = follow([session(0, best, 4, stopped=(1,))])
    assert track.stage is stage
    assert track.target.reps == ((best, 10) if stage is Stage.TECHNIQUE else (10, 10))


def test_a_set_of_25_enters_base_at_15() -> None:
    track = follow([session(0, 25)])
    assert track.stage is Stage.BASE and track.target.reps == (15, 15)


def test_a_target_met_exactly_counts_and_one_rep_short_with_a_bad_rep_steps_down() -> None:
    met = follow([session(0, 12), session(1, 12, 12, 12)])
    assert met.judged[-1].rule == "met"
    short = follow([session(0, 15), session(1, 15, 15, 14, stopped=(2,))])
    assert short.judged[-1].rule == "down.stopped_early"
    assert short.target.reps == (12, 12) and short.stage is Stage.BASE


def test_two_sessions_on_one_day_count_once() -> None:
    track = follow([session(0, 12), session(1, 12, 12, 12, hour=1),
                    session(1, 12, 12, 12, hour=12)])
    assert [j.rule for j in track.judged[1:]] == ["met", "met"] and track.counted == 1
    track = follow([*track.sessions, session(2, 12, 12, 12)])
    assert track.judged[-1].rule == "up.step" and track.target.reps == (15, 15)


def test_build_adds_reps_to_25_and_the_goal_is_kept() -> None:
    history = [session(0, 15)]
    day = 1
    seen = []
    while len(history) < 40:
        reps = follow(history).target.reps[0]
        history.append(session(day, reps, reps, reps))
        day += 1
        track = follow(history)
        seen.append((track.stage, track.target.reps[0]))
        if track.stage is Stage.GOAL and track.judged[-1].rule == "met":
            break
    steps = [(stage, reps) for i, (stage, reps) in enumerate(seen)
             if i == 0 or seen[i - 1] != (stage, reps)]
    assert steps == [(Stage.BASE, 15), (Stage.BUILD, 18), (Stage.BUILD, 21), (Stage.BUILD, 24),
                     (Stage.BUILD, 25), (Stage.GOAL, 25)]
    goal = follow(history)
    assert goal.judged[-2].rule == "up.goal" and goal.judged[-1].rule == "met"
    assert goal.next_session() == ("next session: keep to 3 sets of 25 good single-leg"
                                   " deadlifts on the left leg, 1-2 minutes of rest")


def test_more_than_the_target_twice_moves_the_target_to_what_was_done() -> None:
    track = follow([session(0, 12), session(1, 20, 21, 20), session(2, 22, 20, 23)])
    assert track.judged[-1].rule == "up.step"
    assert track.stage is Stage.BUILD and track.target.reps == (20, 20)
    track = follow([session(0, 12), session(1, 25, 26, 25), session(2, 25, 25, 30)])
    assert track.judged[-1].rule == "up.goal" and track.stage is Stage.GOAL


def test_a_set_stopped_early_steps_the_target_down_and_may_leave_build() -> None:
    history = [session(0, 15), session(1, 15, 15, 15), session(2, 16, 15, 15)]
    assert follow(history).target.reps == (18, 18)
    track = follow([*history, session(3, 18, 14, 12, stopped=(1,))])
    assert track.judged[-1].rule == "down.stopped_early"
    assert track.stage is Stage.BASE and track.target.reps == (15, 15)
    # Never below 10 this way.
    low = follow([session(0, 10), session(1, 11, 12, 10, stopped=(2,))])
    assert low.judged[-1].rule == "met"  # 10 good before the bad rep: the target of 10 met
    low = follow([session(0, 10), session(1, 11, 12, 9, stopped=(2,))])
    assert low.judged[-1].rule == "down.stopped_early" and low.target.reps == (10, 10)


def test_no_set_of_ten_past_technique_goes_back_to_technique() -> None:
    track = follow([session(0, 12), session(1, 8, 6, 5, stopped=(0, 1, 2))])
    assert track.judged[-1].rule == "down.to_technique"
    assert track.stage is Stage.TECHNIQUE and track.target.reps == (8, 10)


def test_short_sessions_without_a_bad_rep_hold_then_step_down() -> None:
    track = follow([session(0, 15), session(1, 15, 15)])
    assert track.judged[-1].rule == "short.sets" and track.target.reps == (15, 15)
    track = follow([session(0, 15), session(1, 15, 15, 12)])
    assert track.judged[-1].rule == "short.reps" and track.target.reps == (15, 15)
    track = follow([session(0, 15), session(1, 15, 15, 12), session(2, 14, 13, 12)])
    assert track.judged[-1].rule == "down.fell_short" and track.target.reps == (12, 12)
    # A session meeting the target in between starts the count again.
    track = follow([session(0, 15), session(1, 15, 15, 12), session(2, 15, 15, 15),
                    session(3, 14, 13, 12)])
    assert track.judged[-1].rule == "short.reps"


def test_left_right_and_both_legs_progress_apart() -> None:
    bridge = TrainedSession("bridge", "both", on_day(0), sets(14), clip="e" * 64)
    progress = progress_of("ana", [session(0, 2, stopped=(0,), side="left"),
                                   session(0, 12, side="right"), bridge,
                                   session(1, 12, side="left")])
    keys = [(t.exercise, t.side, t.stage) for t in progress.tracks]
    assert keys == [("sldl", "left", Stage.BASE), ("sldl", "right", Stage.BASE),
                    ("bridge", "both", Stage.BASE)]
    assert list(progress.by_exercise()) == ["sldl", "bridge"]
    assert progress.tracks[2].next_session() == ("next session: 3 sets of 14 good glute"
                                                 " bridges, 1-2 minutes of rest")
    with pytest.raises(ValueError, match="several tracks"):
        follow([session(0, 12, side="left"), session(0, 12, side="right")])


def test_a_single_leg_bridge_has_its_working_side_and_a_double_one_both() -> None:
    single = grade(bridge_series(Script([BridgeRep()] * 3), single_leg=True), "bridge")
    double = grade(bridge_series(Script([BridgeRep()] * 3)), "bridge")
    made_single = session_from_report(single, on_day(0))
    made_double = session_from_report(double, on_day(0))
    assert made_single is not None and made_single.side == "right"
    assert made_double is not None and made_double.side == "both"
    assert follow([made_single]).next_session().startswith(
        "next session: 3 sets of good single-leg glute bridges on the right leg")


def test_no_session_from_an_ungraded_report() -> None:
    ungraded = grade(hinge_series(Script([], lead_s=3.0)))
    assert not ungraded.graded and session_from_report(ungraded, on_day(0)) is None


def test_every_rule_has_a_source_and_the_numbers_are_the_coach_s() -> None:
    assert (SETTINGS.sets, SETTINGS.base_reps, SETTINGS.goal_reps, SETTINGS.rest_s) == (
        3, (10, 15), 25, REST)
    assert len(RULES_BY_CODE) == len(RULES)
    for rule in RULES:
        assert rule.source.startswith(("the coach's", "heuristic: ")), rule.code
        assert rule.when and rule.then
    used = {"start", "technique.hold", "up.technique_to_base", "down.to_technique",
            "down.stopped_early", "rest.outside", "met", "up.step", "up.goal", "short.sets",
            "short.reps", "down.fell_short"}
    assert set(RULES_BY_CODE) == used
