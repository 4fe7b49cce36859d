"""The analysis session fed frame by frame, on synthetic series (no model)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from formcheck.analysis.events import (
    CountStopped,
    ExerciseChanged,
    PersonFound,
    PersonLost,
    Recognised,
    RepGraded,
    RepStarted,
)
from formcheck.analysis.provenance import settings_digest
from formcheck.analysis.report import Report, Status
from formcheck.analysis.settings import SessionSettings
from formcheck.exercises import EXERCISES, View
from formcheck.signals.body import BodySignals, RunningScale, torso_px
from tests.factories import (
    AS_DRAWN,
    BridgeRep,
    HingeRep,
    Script,
    bridge_series,
    grade,
    hinge_series,
    rear_hinge_series,
    rep_spans,
    session_for,
    stream,
)


def _truncate(series, end_s: float):  # type: ignore[no-untyped-def]
    keep = series.t_s <= end_s
    from dataclasses import replace

    return replace(series, **{k: v[keep] for k, v in series.arrays().items()})


def test_events_agree_with_the_report() -> None:
    script = Script([HingeRep(), HingeRep(knee_flexion_deg=70), HingeRep()])
    report, events = stream(hinge_series(script))
    graded = [e for e in events if isinstance(e, RepGraded)]
    started = [e for e in events if isinstance(e, RepStarted)]
    stopped = [e for e in events if isinstance(e, CountStopped)]
    assert isinstance(events[0], PersonFound)
    recognised = [e for e in events if isinstance(e, Recognised)]
    assert len(recognised) == 1 and recognised[0].exercise == "sldl"
    assert events.index(recognised[0]) < events.index(graded[0])
    assert [e.index for e in started] == [1, 2, 3]
    assert [e.graded for e in graded] == list(report.reps)
    assert len(stopped) == 1 and stopped[0].rep_index == report.first_bad_rep == 2
    assert stopped[0].good_reps == report.good_reps == 1
    assert stopped[0].fault.code == "sldl.stance_knee_bend"


def test_reps_are_graded_as_they_end_once_recognised() -> None:
    script = Script([HingeRep()] * 4)
    series = hinge_series(script)
    session = session_for(series)
    graded_at: list[tuple[RepGraded, float]] = []
    for i in range(len(series)):
        for event in session.feed(series.sample(i)):
            if isinstance(event, RepGraded):
                graded_at.append((event, float(series.t_s[i])))
    # Recognition waits for the first rep to end (and asks every 0.5 s at most), so the
    # first rep is graded within half a second of its end; later reps on their last frame.
    assert [event.index for event, _ in graded_at] == [1, 2, 3, 4]
    (first, t_first), *later = graded_at
    assert first.graded.rep.end_s <= t_first <= first.graded.rep.end_s + 0.5
    for event, t in later:
        assert t == event.graded.rep.end_s == event.t_s


def test_a_rep_cut_off_by_the_end_of_the_clip_on_its_way_back_is_counted() -> None:
    script = Script([BridgeRep()] * 3, lead_s=1.0)
    spans = rep_spans(script)
    start, end = spans[-1]
    # Stop 70% of the way through the last rep: past the top, the hips a third of the way
    # back down.
    series = _truncate(bridge_series(script), start + 0.7 * (end - start))
    report = grade(series)
    assert report.total_reps == 3
    last = report.reps[-1]
    assert last.rep.ended_by_clip and last.good
    # Its length is unknown, so the tempo check cannot be judged.
    assert "bridge.rushed" in {u.code for u in last.uncertain}
    assert report.to_dict()["reps"][-1]["ended_by_clip"] is True


def test_a_rep_cut_off_before_its_top_is_not_counted() -> None:
    script = Script([BridgeRep()] * 3, lead_s=1.0)
    start, end = rep_spans(script)[-1]
    series = _truncate(bridge_series(script), start + 0.4 * (end - start))
    assert grade(series).total_reps == 2


def test_reps_before_recognition_are_graded_when_it_commits() -> None:
    # The first rep is bad: it ends before the exercise is known, and is graded then.
    script = Script([HingeRep(depth_deg=40), HingeRep(), HingeRep()])
    report, events = stream(hinge_series(script))
    assert report.total_reps == 3 and report.first_bad_rep == 1
    assert {f.code for f in report.reps[0].faults} == {"sldl.partial_range"}
    assert [type(e) for e in events if isinstance(e, (Recognised, CountStopped))] == [
        Recognised, CountStopped]


def test_person_lost_and_found() -> None:
    series = hinge_series(Script([HingeRep()] * 2))
    series.detected[40:50] = False
    series.image_px[40:50] = np.nan
    _, events = stream(series)
    lost = [e for e in events if isinstance(e, PersonLost)]
    found = [e for e in events if isinstance(e, PersonFound)]
    assert len(lost) == 1 and len(found) == 2
    assert lost[0].t_s == pytest.approx(series.t_s[40])


def test_running_scale_follows_the_standing_torso_from_behind() -> None:
    # From behind the trunk of a hinge foreshortens to a fraction of its length: a
    # per-frame scale would blow heights up; the running median stays near the standing one
    # (here the person is hinged most of the time, so it drifts by up to a fifth).
    series = rear_hinge_series(Script([HingeRep()] * 3))
    body = BodySignals.from_series(series)
    standing_torso = float(torso_px(series.image_px[:1])[0])
    assert np.nanmax(np.abs(body.scale_px - standing_torso)) < 0.2 * standing_torso
    # What a per-frame scale would have given: the free ankle 8 torso lengths high.
    per_frame = body.ankle_height * (body.scale_px / body.torso_px)[:, None]
    assert np.nanmax(per_frame) > 5.0
    assert np.nanmax(np.abs(body.knee_above_hip)) < 1.5
    assert np.nanmax(body.ankle_height) < 2.0


def test_running_scale_is_the_median_so_far() -> None:
    scale = RunningScale()
    values = [100.0, 120.0, 80.0, 300.0, 101.0, float("nan")]
    medians = [scale.update(v) for v in values]
    assert medians[0] == pytest.approx(100.0, abs=0.5)
    assert medians[2] == pytest.approx(100.0, abs=0.5)
    assert medians[4] == pytest.approx(101.0, abs=0.5)
    assert medians[5] == medians[4]


def test_body_signals_frame_by_frame_equal_the_whole_series() -> None:
    series = bridge_series(Script([BridgeRep()] * 2))
    whole = BodySignals.from_series(series)
    scale = RunningScale()
    rows = []
    for i in range(len(series)):
        sample = series.sample(i)
        rows.append(BodySignals.from_sample(
            sample, scale.update(float(torso_px(sample.image_px[None])[0]))))
    stacked = BodySignals.concat(rows)
    np.testing.assert_allclose(stacked.knee_above_hip, whole.knee_above_hip)
    np.testing.assert_allclose(stacked.hip_angle_img_deg, whole.hip_angle_img_deg)


def test_state_shows_the_phase_and_the_count_at_the_right_frames() -> None:
    script = Script([HingeRep(duration_s=3.0)] * 3, rest_s=1.5)
    series = hinge_series(script)
    session = session_for(series)
    states = []
    for i in range(len(series)):
        session.feed(series.sample(i))
        states.append(session.state)
    spans = rep_spans(script)
    t = series.t_s
    totals = np.array([s.total_reps for s in states])
    # The count of finished reps steps up once per rep, near each rep's end.
    steps = t[np.flatnonzero(np.diff(totals)) + 1]
    assert len(steps) == 3
    for step, (start, end) in zip(steps, spans, strict=True):
        assert start + 0.5 * (end - start) < step <= end + 0.6
    # After recognition: lowering in the first part of a rep, standing up in the second.
    start, end = spans[2]
    assert states[int(np.searchsorted(t, start + 0.3 * (end - start)))].phase == "lowering"
    assert states[int(np.searchsorted(t, start + 0.7 * (end - start)))].phase == "standing up"
    assert states[int(np.searchsorted(t, end + 0.8))].phase == "rest"
    last = states[-1]
    assert (last.exercise, last.view, last.good_reps, last.count_stopped) == (
        "sldl", View.SIDE, 3, False)
    readouts = {r.metric: r for r in states[int(np.searchsorted(t, (start + end) / 2))].readouts}
    assert readouts["trunk_incl_bottom_deg"].value == pytest.approx(80.0, abs=2.0)
    assert readouts["stance_knee_flexion_img_deg"].value == pytest.approx(18.0, abs=2.0)
    assert not readouts["stance_knee_flexion_img_deg"].beyond_limit


def test_state_flags_a_readout_beyond_its_limit() -> None:
    script = Script([HingeRep(), HingeRep(knee_flexion_deg=70)])
    series = hinge_series(script)
    session = session_for(series)
    start, end = rep_spans(script)[1]
    bottom = int(np.searchsorted(series.t_s, (start + end) / 2))
    for i in range(bottom + 1):
        session.feed(series.sample(i))
    knee = {r.metric: r for r in session.state.readouts}["stance_knee_flexion_img_deg"]
    assert knee.beyond_limit and knee.limits == (("above", 55.0),)


def test_report_round_trips_through_json() -> None:
    script = Script([HingeRep(), HingeRep(knee_flexion_deg=70)])
    report = grade(hinge_series(script))
    assert report.reps and report.reps[1].faults
    data = json.loads(json.dumps(report.to_dict()))
    assert Report.from_dict(data) == report
    ungradable = grade(hinge_series(Script([], lead_s=3.0)))
    assert ungradable.status is Status.UNGRADABLE
    assert Report.from_dict(json.loads(json.dumps(ungradable.to_dict()))) == ungradable


def test_report_carries_provenance() -> None:
    report = grade(bridge_series(Script([BridgeRep()])))
    provenance = report.to_dict()["provenance"]
    assert provenance["formcheck_version"]
    assert provenance["settings_digest"] == settings_digest(
        SessionSettings(cleaning=AS_DRAWN), EXERCISES)
    assert provenance["source_sha256"] is None  # a synthetic series has no file


def test_settings_digest_changes_with_a_limit() -> None:
    from dataclasses import replace

    from formcheck.exercises.sldl import SLDL

    changed = dict(EXERCISES)
    changed["sldl"] = replace(SLDL, checks=(replace(SLDL.checks[0], limit=56.0),
                                            *SLDL.checks[1:]))
    assert settings_digest(SessionSettings(), changed) != settings_digest(
        SessionSettings(), EXERCISES)
    assert settings_digest(SessionSettings(), EXERCISES) == settings_digest(
        SessionSettings(), dict(EXERCISES))


def test_feeding_after_finish_is_refused() -> None:
    series = bridge_series(Script([BridgeRep()]))
    session = session_for(series)
    session.report()
    with pytest.raises(RuntimeError):
        session.feed(series.sample(0))


def test_unknown_exercise_lists_the_known_ones() -> None:
    from formcheck.errors import UsageError

    series = bridge_series(Script([BridgeRep()]))
    with pytest.raises(UsageError, match="sldl, bridge"):
        session_for(series, "squat")


def test_new_set_starts_a_fresh_count_in_the_state() -> None:
    script = Script([HingeRep(), HingeRep(knee_flexion_deg=70), HingeRep(), HingeRep()])
    series = hinge_series(script)
    session = session_for(series)
    (_, end_2), (start_3, _) = rep_spans(script)[1:3]
    asked = False
    for i in range(len(series)):
        session.feed(series.sample(i))
        if not asked and series.t_s[i] > (end_2 + start_3) / 2:
            assert session.state.set_stopped and session.state.set_good_reps == 1
            session.new_set()
            asked = True
            assert session.state.set_index == 2 and not session.state.set_stopped
    state = session.state
    assert (state.set_index, state.set_good_reps, state.set_stopped) == (2, 2, False)
    report = session.report()
    assert [(s.reps, s.good_reps) for s in report.sets] == [(2, 1), (2, 2)]


def test_recognition_waits_for_two_seconds_of_the_person_before_it_commits() -> None:
    # A quick first rep right as the person appears: the decision waits for evidence,
    # then grades that rep from the kept frames all the same.
    script = Script([HingeRep(duration_s=1.2), HingeRep(), HingeRep()], lead_s=0.2)
    report, events = stream(hinge_series(script))
    recognised = [e for e in events if isinstance(e, Recognised)]
    first_end = report.reps[0].rep.end_s
    assert first_end < 1.5
    assert len(recognised) == 1 and recognised[0].t_s >= 2.0
    assert report.total_reps == 3


def test_forcing_a_deadlift_on_a_bridge_clip_is_not_graded_and_says_why() -> None:
    report = grade(bridge_series(Script([BridgeRep()] * 3)), "sldl")
    assert not report.graded and report.total_reps == 0
    assert "asked to grade a single-leg deadlift" in (report.reason or "")
    assert "glute bridge" in (report.reason or "")


def _one_after_the_other(first, second, gap_s: float = 2.0):  # type: ignore[no-untyped-def]
    """``second`` played after ``first`` (with no person for ``gap_s``), as one series."""
    from dataclasses import replace

    from formcheck.pose.series import PoseSeries

    shift = float(first.t_s[-1]) + gap_s
    samples = [first.sample(i) for i in range(len(first))]
    samples += [replace(second.sample(i), t_s=float(second.t_s[i]) + shift)
                for i in range(len(second))]
    return PoseSeries.from_samples(samples, first.width, first.height)


def test_a_clip_that_changes_exercise_grades_the_first_and_says_where_it_changed() -> None:
    deadlifts = hinge_series(Script([HingeRep()] * 3))
    bridges = bridge_series(Script([BridgeRep()] * 4))
    report, events = stream(_one_after_the_other(deadlifts, bridges))
    assert report.exercise == "sldl" and report.total_reps == 3
    assert all(r.good for r in report.reps)  # the bridges are not graded as bad deadlifts
    changes = [e for e in events if isinstance(e, ExerciseChanged)]
    assert len(changes) == 1
    change = changes[0]
    assert (change.exercise, change.to_exercise) == ("sldl", "bridge")
    assert float(deadlifts.t_s[-1]) < change.since_s < change.t_s


def test_a_clip_of_one_exercise_sees_no_change() -> None:
    _, events = stream(bridge_series(Script([BridgeRep()] * 5)))
    assert not [e for e in events if isinstance(e, ExerciseChanged)]


def test_the_first_frames_of_a_person_do_not_set_the_resting_level() -> None:
    # As the model first finds a person its joints are often misplaced: here the first
    # frame reads the hips 40 px off, a lower "rest" than the true one, which would leave every rep
    # short of coming back "to rest".
    series = bridge_series(Script([BridgeRep()] * 3))
    series.image_px[0, [23, 24], 1] += 40.0  # hips far off in the first frame only
    report = grade(series, "bridge")
    assert report.total_reps == 3


def test_after_bridges_then_deadlifts_no_deadlift_is_graded_as_a_bridge() -> None:
    bridges = bridge_series(Script([BridgeRep()] * 3))
    deadlifts = hinge_series(Script([HingeRep()] * 4))
    report, events = stream(_one_after_the_other(bridges, deadlifts))
    assert report.exercise == "bridge" and report.total_reps == 3
    assert all(r.good for r in report.reps)
    assert [(e.exercise, e.to_exercise) for e in events if isinstance(e, ExerciseChanged)] == [
        ("bridge", "sldl")]


def test_settings_digest_covers_the_code_of_every_grading_module() -> None:
    """Thresholds that are not check limits (recognition's, the lost-body share of a
    feet-end bridge, ...) live in the source of the modules the session imports, which
    the digest hashes: every module the session's imports reach, but for the frame types
    and the error and file helpers, is among the hashed sources."""
    import ast
    import sys

    from formcheck.analysis.provenance import grading_sources

    root = Path(sys.modules["formcheck"].__file__).parent

    def imported(module: str) -> set[str]:
        path = root.joinpath(*module.split(".")[1:])
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("formcheck."):
                names.add(node.module)
        return names

    reached, todo = set(), ["formcheck.analysis.session"]
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo += imported(module)
    hashed = {"formcheck." + p.relative_to(root).with_suffix("").as_posix().replace("/", ".")
              .removesuffix(".__init__") for p in grading_sources(EXERCISES)}
    not_grading = {m for m in reached
                   if m.startswith("formcheck.sources") or m in ("formcheck.errors",
                                                                  "formcheck.fileio")}
    assert reached - not_grading <= hashed
    assert "formcheck.exercises.sldl" in hashed and "formcheck.signals.reps" in hashed
