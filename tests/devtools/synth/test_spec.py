"""Clip spec validation: a bad spec fails with a message naming the field.

Pure Python: needs neither torch nor anny, so it runs everywhere.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from formcheck.devtools.synth.spec import SpecError, faults, load_spec, parse_spec
from formcheck.errors import InputError

GOOD: dict[str, Any] = {
    "exercise": "sldl",
    "camera": {"view": "side", "side": "left"},
    "fps": 24,
    "resolution": [640, 480],
    "sets": [
        {"reps": [{"faults": []}, {"faults": [{"code": "sldl.stance_knee_bend", "magnitude": 65}]}]}
    ],
}


def _bad(change) -> str:
    data = copy.deepcopy(GOOD)
    change(data)
    with pytest.raises(SpecError) as info:
        parse_spec(data, source="x.json")
    return str(info.value)


def test_good_spec_parses_with_defaults() -> None:
    spec = parse_spec(GOOD, source="x.json")
    assert spec.exercise == "sldl"
    assert spec.camera.azimuth_deg == 90.0
    assert spec.sets[0].reps[1].faults[0].code == "sldl.stance_knee_bend"
    assert spec.sets[0].reps[0].faults == ()
    assert spec.working_leg == "right" and spec.free_leg == "left"


def test_right_side_mirrors_azimuth() -> None:
    data = copy.deepcopy(GOOD)
    data["camera"]["side"] = "right"
    assert parse_spec(data).camera.azimuth_deg == -90.0


def test_spec_error_is_an_input_error() -> None:
    assert issubclass(SpecError, InputError)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update(exercise="squat"), "exercise"),
        (lambda d: d.update(fps=25), "fps"),
        (lambda d: d.update(resolution=[320, 240]), "resolution"),
        (lambda d: d.update(resolution=[641, 480]), "resolution"),
        (lambda d: d["camera"].update(view="top"), "camera.view"),
        (lambda d: d["camera"].update(view="feet"), "camera.view"),
        (lambda d: d["camera"].update(elevation_deg="high"), "camera.elevation_deg"),
        (lambda d: d.update(body={"gender": 2}), "body.gender"),
        (lambda d: d.update(clothing={"top": "blue"}), "clothing.top"),
        (lambda d: d.update(sets=[]), "sets"),
        (lambda d: d["sets"][0].update(reps=[]), "sets[0].reps"),
        (
            lambda d: d["sets"][0]["reps"][1]["faults"][0].update(code="sldl.foo"),
            "sets[0].reps[1].faults[0].code",
        ),
        (
            lambda d: d["sets"][0]["reps"][1]["faults"][0].update(code="bridge.rushed"),
            "sets[0].reps[1].faults[0].code",
        ),
        (
            lambda d: d["sets"][0]["reps"][1]["faults"][0].update(magnitude=5),
            "sets[0].reps[1].faults[0].magnitude",
        ),
        (
            lambda d: d["sets"][0]["reps"][0].update(tempo={"down_s": -1}),
            "sets[0].reps[0].tempo.down_s",
        ),
        (lambda d: d.update(colour="red"), "colour"),
        (lambda d: d.update(variant="single_leg"), "variant"),
    ],
)
def test_bad_field_is_named(change, field: str) -> None:
    message = _bad(change)
    assert message.startswith("x.json: ")
    assert field in message


def test_unknown_fault_lists_valid_codes() -> None:
    message = _bad(lambda d: d["sets"][0]["reps"][1]["faults"][0].update(code="sldl.foo"))
    assert "sldl.stance_knee_bend" in message and "sldl.rushed" in message


def test_second_set_needs_a_rest() -> None:
    message = _bad(lambda d: d["sets"].append({"reps": [{"faults": []}]}))
    assert "sets[1].rest_before_s" in message


def test_pelvic_drop_needs_single_leg_bridge() -> None:
    data: dict[str, Any] = {
        "exercise": "bridge",
        "camera": {"view": "oblique"},
        "sets": [{"reps": [{"faults": [{"code": "bridge.pelvic_drop", "magnitude": 22}]}]}],
    }
    with pytest.raises(SpecError, match="variant"):
        parse_spec(data)
    data["variant"] = "single_leg"
    assert parse_spec(data).variant == "single_leg"


def test_rushed_rep_gets_a_short_tempo() -> None:
    data = copy.deepcopy(GOOD)
    data["sets"][0]["reps"][0]["faults"] = [{"code": "sldl.rushed", "magnitude": 0.7}]
    tempo = parse_spec(data).sets[0].reps[0].tempo
    assert tempo.rep_s == pytest.approx(0.7)
    assert tempo.hold_s == 0.0


def test_fault_codes_are_the_contract() -> None:
    assert set(faults()) == {
        "sldl.stance_knee_bend", "sldl.hip_opening", "sldl.leg_trunk_misalign",
        "sldl.touch_down", "sldl.partial_range", "sldl.knee_valgus", "sldl.rushed",
        "bridge.incomplete_lockout", "bridge.hyperextension", "bridge.pelvic_drop",
        "bridge.knees_caving", "bridge.feet_placement", "bridge.rushed",
    }  # fmt: skip


def test_load_spec_reports_missing_file_and_bad_json(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read"):
        load_spec(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(SpecError, match="not valid JSON"):
        load_spec(bad)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(GOOD), encoding="utf-8")
    assert load_spec(good).path == good


def test_committed_specs_are_valid() -> None:
    root = Path(__file__).resolve().parents[3]
    paths = sorted((root / "sample_videos" / "specs").glob("*.json")) + sorted(
        (root / "benchmarks" / "specs").glob("*.json")
    )
    for path in paths:
        load_spec(path)
