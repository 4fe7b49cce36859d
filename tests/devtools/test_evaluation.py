"""Scoring against labels, with a stand-in analyser (no model)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from formcheck.analysis.grading import Borderline, Fault, GradedRep
from formcheck.analysis.report import Report
from formcheck.devtools.evaluation import _clear, evaluate
from formcheck.errors import InputError
from formcheck.exercises import EXERCISES
from formcheck.exercises.base import ErrorTable
from formcheck.signals.camera import CameraAngle
from formcheck.signals.reps import Rep
from formcheck.sources.frames import VideoInfo


def _report(path: Path, exercise: str, reps: list[tuple[float, float, set[str]]]) -> Report:
    graded = tuple(
        GradedRep(Rep(i + 1, s, (s + e) / 2, e, 0.0, 50.0),
                  tuple(Fault(c, 1.0, 0.0, "deg", s, c, "") for c in sorted(codes)), (), {})
        for i, (s, e, codes) in enumerate(reps))
    info = VideoInfo(str(path), 640, 480, 30.0, 10.0, 300, "h264")
    if exercise == "other":
        return Report("ungradable", info, "other", reason="not one of the two")
    return Report("graded", info, exercise, view="side", reps=graded)


def _labels(tmp_path: Path, clips: list[dict]) -> Path:
    for clip in clips:
        (tmp_path / clip["file"]).write_bytes(b"")
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"clips": clips}))
    return path


def test_scores_counts_and_faults(tmp_path: Path) -> None:
    labels = _labels(tmp_path, [
        {"file": "a.mp4", "exercise": "sldl", "total_reps": 3, "good_reps": 1, "first_bad_rep": 2,
         "reps": [{"index": 1, "start_s": 0, "end_s": 3, "faults": []},
                  {"index": 2, "start_s": 4, "end_s": 7,
                   "faults": [{"code": "sldl.stance_knee_bend"}]},
                  {"index": 3, "start_s": 8, "end_s": 11,
                   "faults": [{"code": "sldl.rushed"}]}]},
        {"file": "b.mp4", "exercise": "other"},
        {"file": "c.mp4", "exercise": "bridge", "total_reps": None, "accept_total_reps": [0, 1],
         "good_reps": None, "first_bad_rep": None},
    ])
    predictions = {
        "a.mp4": _report(tmp_path / "a.mp4", "sldl", [
            (0.2, 2.8, set()), (4.1, 6.9, {"sldl.stance_knee_bend", "sldl.hip_opening"}),
            (8.0, 10.5, set())]),
        "b.mp4": _report(tmp_path / "b.mp4", "other", []),
        "c.mp4": _report(tmp_path / "c.mp4", "bridge", [(1.0, 3.0, set())]),
    }
    evaluation = evaluate(labels, lambda path, exercise: predictions[path.name])
    summary = evaluation.summary()
    assert summary["exercise_recognised"] == {"ok": 3, "of": 3, "rate": 1.0}
    assert summary["rep_count_exact"] == {"ok": 2, "of": 2, "rate": 1.0}
    assert summary["good_reps_exact"] == {"ok": 1, "of": 1, "rate": 1.0}
    assert summary["other_not_graded"] == {"ok": 1, "of": 1, "rate": 1.0}
    faults = evaluation.faults
    assert (faults["sldl.stance_knee_bend"].tp, faults["sldl.stance_knee_bend"].fp) == (1, 0)
    assert (faults["sldl.hip_opening"].fp, faults["sldl.rushed"].fn) == (1, 1)
    assert faults["sldl.stance_knee_bend"].f1 == pytest.approx(1.0)
    assert faults["sldl.rushed"].recall == 0.0
    data = evaluation.to_dict()
    assert data["schema"] == "formcheck.eval/1"
    json.dumps(data)


def test_a_refusal_naming_the_exercise_is_told_apart_from_a_wrong_answer(tmp_path: Path) -> None:
    labels = _labels(tmp_path, [
        {"file": f"{name}.mp4", "exercise": "bridge", "total_reps": 2, "good_reps": 2,
         "first_bad_rep": None} for name in ("right", "wrong", "declined", "missed")])
    info = VideoInfo(str(tmp_path / "declined.mp4"), 640, 480, 30.0, 10.0, 300, "h264")
    predictions = {
        "right": _report(tmp_path / "right.mp4", "bridge", [(0, 2, set()), (3, 5, set())]),
        "wrong": _report(tmp_path / "wrong.mp4", "bridge", [(0, 2, set())]),
        "declined": Report("ungradable", info, "bridge", view="feet",
                           reason="a bridge filmed from the feet end: the pose model lost it"),
        "missed": _report(tmp_path / "missed.mp4", "other", []),
    }
    evaluation = evaluate(labels, lambda path, exercise: predictions[path.stem])
    summary = evaluation.summary()
    assert summary["rep_count_exact"] == {"ok": 1, "of": 4, "rate": 0.25}
    assert summary["declined_naming_the_exercise"] == {"ok": 1, "of": 4, "rate": 0.25}
    assert summary["rep_count_exact_when_graded"] == {"ok": 1, "of": 2, "rate": 0.5}
    assert summary["good_reps_exact_when_graded"] == {"ok": 1, "of": 2, "rate": 0.5}
    assert [c.declined for c in evaluation.clips] == [False, False, True, False]


def test_forced_exercise_is_passed_and_not_scored(tmp_path: Path) -> None:
    labels = _labels(tmp_path, [{"file": "r.mp4", "exercise": "sldl", "analyse_as": "sldl",
                                 "total_reps": 1, "good_reps": 1, "first_bad_rep": None}])
    seen = []

    def analyse(path: Path, exercise: str) -> Report:
        seen.append(exercise)
        return _report(path, "sldl", [(0.0, 3.0, set())])

    evaluation = evaluate(labels, analyse)
    assert seen == ["sldl"]
    assert evaluation.clips[0].exercise_ok is None
    assert evaluation.clips[0].reps_exact is True


def test_bad_labels_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "labels.json"
    path.write_text('{"videos": []}')
    with pytest.raises(InputError, match=r"expected a JSON object"):
        evaluate(path, lambda p, e: _report(p, "sldl", []))


def test_a_missing_or_unreadable_clip_is_scored_as_an_error_and_the_rest_go_on(
        tmp_path: Path) -> None:
    path = tmp_path / "labels.json"
    (tmp_path / "bad.mp4").write_bytes(b"x")
    (tmp_path / "ok.mp4").write_bytes(b"x")
    path.write_text(json.dumps({"clips": [
        {"file": "gone.mp4", "exercise": "sldl", "total_reps": 2, "good_reps": 2},
        {"file": "bad.mp4", "exercise": "other"},
        {"file": "ok.mp4", "exercise": "sldl", "total_reps": 0, "good_reps": 0}]}))

    def analyse(p: Path, exercise: str) -> Report:
        if p.name == "bad.mp4":
            raise InputError("bad.mp4 is not a video")
        return _report(p, "sldl", [])

    evaluation = evaluate(path, analyse)
    gone, bad, ok = evaluation.clips
    assert gone.status == bad.status == "error" and ok.status == "graded"
    assert "gone.mp4 not found" in (gone.error or "") and gone.verdict.startswith("Not analysed")
    assert bad.error == "bad.mp4 is not a video"
    assert gone.exercise_ok is False and gone.reps_exact is False and gone.good_exact is False
    assert bad.exercise_ok is True  # nothing recognised in a clip labelled other
    summary = evaluation.summary()
    assert summary["clip_errors"] == 2 and summary["clips"] == 3
    assert json.loads(json.dumps(evaluation.to_dict()))["clips"][0]["error"]


def test_a_missing_model_stops_the_evaluation(tmp_path: Path) -> None:
    from formcheck.errors import ModelError

    path = _labels(tmp_path, [{"file": "a.mp4", "exercise": "sldl"}])

    def analyse(p: Path, exercise: str) -> Report:
        raise ModelError("pose model missing")

    with pytest.raises(ModelError):
        evaluate(path, analyse)


def test_good_reps_are_scored_as_the_view_shows_them(tmp_path: Path) -> None:
    # Hip opening cannot be seen side-on: the analyser skips it, so a rep whose only
    # fault is hip opening does not stop the labelled count in a side view, but a
    # stance-knee bend (visible side-on) does.
    reps = [{"index": 1, "start_s": 0, "end_s": 3, "faults": []},
            {"index": 2, "start_s": 3, "end_s": 6, "faults": [{"code": "sldl.hip_opening"}]},
            {"index": 3, "start_s": 6, "end_s": 9,
             "faults": [{"code": "sldl.stance_knee_bend"}]}]
    labels = _labels(tmp_path, [
        {"file": "side.mp4", "exercise": "sldl", "view": "side", "total_reps": 3,
         "good_reps": 1, "reps": reps},
        {"file": "rear.mp4", "exercise": "sldl", "view": "rear", "total_reps": 3,
         "good_reps": 1, "reps": reps},
    ])
    clean = [(0.0, 3.0, set()), (3.0, 6.0, set()), (6.0, 9.0, set())]
    evaluation = evaluate(labels, lambda path, _: _report(path, "sldl", clean))
    side, rear = evaluation.clips
    assert (side.label_good_reps, side.label_good_reps_all) == (2, 1)
    assert (rear.label_good_reps, rear.label_good_reps_all) == (1, 1)
    by_view = evaluation.to_dict()["by_view"]
    assert set(by_view) == {"sldl side", "sldl rear"}
    assert by_view["sldl side"]["good_reps_exact"]["ok"] == 0  # 3 predicted, 2 visible


def test_faults_are_also_counted_by_view(tmp_path: Path) -> None:
    reps = [{"index": 1, "start_s": 0, "end_s": 3,
             "faults": [{"code": "sldl.stance_knee_bend"}]}]
    labels = _labels(tmp_path, [
        {"file": "side.mp4", "exercise": "sldl", "view": "side", "total_reps": 1,
         "good_reps": 0, "reps": reps},
        {"file": "oblique.mp4", "exercise": "sldl", "view": "oblique", "total_reps": 1,
         "good_reps": 0, "reps": reps},
    ])
    found = {"side.mp4": {"sldl.stance_knee_bend"}, "oblique.mp4": set()}
    evaluation = evaluate(labels, lambda path, _: _report(
        path, "sldl", [(0.0, 3.0, found[path.name])]))
    by_view = evaluation.to_dict()["faults_by_view"]
    assert by_view["sldl side"]["sldl.stance_knee_bend"]["f1"] == 1.0
    assert by_view["sldl oblique"]["sldl.stance_knee_bend"]["fn"] == 1
    assert evaluation.faults["sldl.stance_knee_bend"].tp == 1


@pytest.fixture
def hyperextension_to_within_5(monkeypatch: pytest.MonkeyPatch) -> str:
    """Hyperextension (fault above 195 degrees) read to within 5 degrees from any angle."""
    table = ErrorTable(off_side_deg=(90.0,), p90=(5.0,), reps=(40,), source="a test table")
    bridge = EXERCISES["bridge"]
    checks = tuple(replace(c, error=table) if c.code == "bridge.hyperextension" else c
                   for c in bridge.checks)
    monkeypatch.setitem(EXERCISES, "bridge", replace(bridge, checks=checks))
    return "bridge.hyperextension"


def test_clear_faults_borderlines_and_false_faults_are_scored_apart(
        tmp_path: Path, hyperextension_to_within_5: str) -> None:
    code = hyperextension_to_within_5

    def rep(index: int, start: float, magnitude: float | None) -> dict:
        faults = [] if magnitude is None else [{"code": code, "magnitude": magnitude,
                                               "unit": "deg"}]
        return {"index": index, "start_s": start, "end_s": start + 3, "faults": faults}

    labels = _labels(tmp_path, [{
        "file": "a.mp4", "exercise": "bridge", "total_reps": 4, "good_reps": 1,
        "first_bad_rep": 2,
        "reps": [rep(1, 0, None), rep(2, 4, 210.0), rep(3, 8, 197.0), rep(4, 12, None)]}])
    near = Borderline(code, 198.0, 195.0, "deg", 5.0, 1.0, "borderline hyperextension", "")
    fault = Fault(code, 212.0, 195.0, "deg", 5.0, "hyperextension", "", 5.0)
    graded = [
        GradedRep(Rep(1, 0.1, 1.5, 2.9, 0.0, 50.0), (), (), {}, borderline=(near,)),
        GradedRep(Rep(2, 4.1, 5.5, 6.9, 0.0, 50.0), (fault,), (), {}),
        GradedRep(Rep(3, 8.1, 9.5, 10.9, 0.0, 50.0), (), (), {}, borderline=(near,)),
        GradedRep(Rep(4, 12.1, 13.5, 14.9, 0.0, 50.0), (replace(fault, at_s=13.0),), (), {}),
    ]
    info = VideoInfo(str(tmp_path / "a.mp4"), 640, 480, 30.0, 16.0, 480, "h264")
    report = Report("graded", info, "bridge", view="side", reps=tuple(graded),
                    camera=CameraAngle(5.0, 20.0, 0.9, 40))
    evaluation = evaluate(labels, lambda path, exercise: report)
    counts = evaluation.faults[code]
    # 210 is 15 past the limit, clear of the margin, and found; 197 is within it.
    assert (counts.clear, counts.clear_found, counts.within_margin) == (1, 1, 1)
    assert (counts.borderline_on_fault, counts.borderline_on_good) == (1, 1)
    assert (counts.tp, counts.fp, counts.fn) == (1, 1, 1)
    assert evaluation.fault_summary() == {
        "clear_faults_found": {"ok": 1, "of": 1, "rate": 1.0}, "false_faults": 1,
        "faults_within_margin": 1, "borderline_on_faults": 1, "borderline_on_good_reps": 1}
    summary = evaluation.summary()
    assert summary["borderline_reps"] == 2
    # The borderline first rep is good: one good rep, as labelled.
    assert summary["good_reps_exact"] == {"ok": 1, "of": 1, "rate": 1.0}
    assert summary["good_reps_right_within_margins"] == {"ok": 1, "of": 1, "rate": 1.0}


def test_a_fault_within_the_margin_graded_borderline_may_let_the_count_go_on(
        tmp_path: Path, hyperextension_to_within_5: str) -> None:
    code = hyperextension_to_within_5

    def rep(index: int, magnitude: float | None) -> dict:
        faults = [] if magnitude is None else [{"code": code, "magnitude": magnitude,
                                               "unit": "deg"}]
        return {"index": index, "start_s": 4 * index, "end_s": 4 * index + 3, "faults": faults}

    # Rep 2 is 2 degrees past the limit (within the 5 of the margin), rep 3 clear of it.
    labels = _labels(tmp_path, [{
        "file": "a.mp4", "exercise": "bridge", "view": "side", "total_reps": 3,
        "good_reps": 1, "first_bad_rep": 2,
        "reps": [rep(1, None), rep(2, 197.0), rep(3, 215.0)]}])
    info = VideoInfo(str(tmp_path / "a.mp4"), 640, 480, 30.0, 16.0, 480, "h264")

    def graded(good: int) -> Report:
        reps = tuple(GradedRep(Rep(i, 4 * i + 0.1, 4 * i + 1.5, 4 * i + 2.9, 0.0, 50.0),
                               () if i <= good else (Fault(code, 210.0, 195.0, "deg", 4 * i,
                                                           "hyperextension", "", 5.0),),
                               (), {}) for i in (1, 2, 3))
        return Report("graded", info, "bridge", view="side", reps=reps,
                      camera=CameraAngle(5.0, 20.0, 0.9, 40))

    for good, exact, within in ((1, True, True), (2, False, True), (3, False, False),
                                (0, False, False)):
        summary = evaluate(labels, lambda path, exercise, g=good: graded(g)).summary()
        assert summary["good_reps_exact"]["ok"] == int(exact), good
        assert summary["good_reps_right_within_margins"]["ok"] == int(within), good


def test_a_code_with_two_limits_is_clear_past_either() -> None:
    # Feet placement: knee angle above 125 (too far) or below 50 (too close).
    assert _clear("bridge.feet_placement", (140.0, "deg"), 0.0)
    assert _clear("bridge.feet_placement", (40.0, "deg"), 0.0)
    # A rushed rep is labelled by its length in seconds, never against the pace ratio.
    assert _clear("sldl.rushed", (0.5, "s"), 0.0)
    assert _clear("sldl.rushed", (1.5, "s"), 0.0) is False
