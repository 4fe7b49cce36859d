"""The clip generator's exercises are plug-ins: each declares what the generator reads, and
a new one is one module and one registry line (the toy squat of ``squat_move.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from formcheck.devtools.synth.moves import MOVES
from formcheck.devtools.synth.spec import VIEWS, SpecError, faults, parse_spec
from formcheck.exercises import EXERCISES
from tests.devtools.synth.squat_move import SQUAT_MOVE
from tests.exercises.squat_toy import SQUAT

SQUAT_SPEC: dict[str, Any] = {
    "exercise": "squat",
    "camera": {"view": "side", "side": "left"},
    "fps": 24,
    "idle_before_s": 0.3,
    "idle_after_s": 0.3,
    "sets": [{"reps": [{"faults": []},
                       {"faults": [{"code": "squat.shallow", "magnitude": 60}]}]}],
}


@pytest.fixture
def squat(monkeypatch: pytest.MonkeyPatch) -> None:
    """The toy squat registered with the analyser and the generator: a line each."""
    monkeypatch.setitem(EXERCISES, SQUAT.name, SQUAT)
    monkeypatch.setitem(MOVES, SQUAT_MOVE.name, SQUAT_MOVE)


@pytest.mark.parametrize("name", sorted(MOVES))
def test_every_plugin_poses_exactly_its_exercises_faults(name: str) -> None:
    move = MOVES[name]
    assert set(move.magnitudes) == set(EXERCISES[name].fault_codes)
    assert set(move.views) <= set(VIEWS) and move.views
    assert set(move.needs_variant.values()) <= set(move.variants)
    assert set(move.true_limits) <= set(move.magnitudes)
    assert all(source for _, source in move.true_limits.values())
    assert move.good_bounds and all(lo <= hi for lo, hi in move.good_bounds.values())


def test_no_module_of_the_generator_outside_the_plugins_names_an_exercise() -> None:
    synth = Path(__file__).resolve().parents[3] / "formcheck" / "devtools" / "synth"
    named = []
    for path in synth.glob("*.py"):
        code = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                         if not line.lstrip().startswith("#"))
        for word in ('"sldl"', '"bridge"', "sldl.", "bridge."):
            if word in code.split('"""', 2)[-1]:  # past the module docstring
                named.append(f"{path.name}: {word}")
    assert named == []


def test_an_exercise_without_a_plugin_is_refused_naming_the_field() -> None:
    with pytest.raises(SpecError, match="exercise"):
        parse_spec(SQUAT_SPEC, "squat.json")


def test_a_new_exercise_is_one_plugin_module_and_one_registry_line(squat: None) -> None:
    assert faults()["squat.shallow"] == ("squat", "deg", (30.0, 80.0))
    spec = parse_spec(SQUAT_SPEC, "squat.json")
    assert spec.sets[0].reps[1].faults[0].magnitude == 60
    assert spec.sets[0].reps[0].tempo == SQUAT_MOVE.tempo
    assert spec.camera.elevation_deg == SQUAT_MOVE.elevation_deg
    # Its views, its magnitudes and the analyser's limit hold for it as for the others.
    bad_view = json.loads(json.dumps(SQUAT_SPEC))
    bad_view["camera"]["view"] = "feet"
    with pytest.raises(SpecError, match=r"camera\.view.*side, oblique"):
        parse_spec(bad_view, "squat.json")
    too_deep = json.loads(json.dumps(SQUAT_SPEC))
    too_deep["sets"][0]["reps"][1]["faults"][0]["magnitude"] = 88
    with pytest.raises(SpecError, match=r"faults\[0\]\.magnitude"):
        parse_spec(too_deep, "squat.json")


def test_the_toy_squat_renders_with_its_truth(squat: None, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("anny")
    pytest.importorskip("pyrender")
    from formcheck.devtools.synth import render_clips
    from formcheck.drivers.file import analyse_file

    spec_path = tmp_path / "squat.json"
    spec_path.write_text(json.dumps(SQUAT_SPEC), encoding="utf-8")
    labels = json.loads(render_clips([spec_path], tmp_path / "out").read_text())
    (clip,) = labels["clips"]
    assert (clip["exercise"], clip["total_reps"], clip["good_reps"], clip["first_bad_rep"]) == (
        "squat", 2, 1, 2)
    assert "variant" not in clip
    good, shallow = clip["reps"]
    assert 100 <= good["measured"]["knee_flexion_deepest_deg"] <= 120
    assert shallow["faults"][0]["magnitude"] == pytest.approx(60, abs=1.0)
    # The analyser, with the toy registered, grades the rendered clip as labelled.
    report = analyse_file(tmp_path / "out" / "squat.mp4", "squat")
    assert (report.total_reps, report.good_reps, report.first_bad_rep) == (2, 1, 2)
