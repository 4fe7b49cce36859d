"""Ground truth a label can be held to: faults clear their limits by a margin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from formcheck.devtools.synth.spec import SpecError, faults, load_spec, parse_spec
from formcheck.devtools.synth.truth import (
    clear_fault,
    fault_problem,
    good_rep_problems,
    true_limit_overrides,
    true_limits,
)
from formcheck.exercises import EXERCISES

ROOT = Path(__file__).resolve().parents[3]


def test_every_fault_code_has_a_true_limit_equal_to_the_analysers_unless_explained() -> None:
    for code in faults():
        for limit in true_limits(code):
            checks = [c for c in EXERCISES[code.split(".")[0]].checks
                      if c.code == code and c.fault_when == limit.fault_when]
            assert checks, code
            overrides = true_limit_overrides()
            if code in overrides:
                assert limit.limit == overrides[code][0] and overrides[code][1]  # a source
            else:
                assert limit.limit in {c.limit for c in checks}


@pytest.mark.parametrize(("code", "value", "clear"), [
    ("sldl.stance_knee_bend", 48.0, False),  # under the 55 degree limit
    ("sldl.stance_knee_bend", 58.0, False),  # over the limit, but inside the margin
    ("sldl.stance_knee_bend", 63.0, True),
    ("bridge.feet_placement", 55.0, False),  # close, but not under 50 - 5
    ("bridge.feet_placement", 42.0, True),
    ("bridge.feet_placement", 135.0, True),
    ("bridge.rushed", 0.75, False),
    ("bridge.rushed", 0.6, True),
    ("sldl.hip_opening", 15.0, False),  # the true limit (20), not the picture's
    ("sldl.hip_opening", 28.0, True),
])
def test_a_fault_is_clear_only_beyond_its_limit_and_margin(code: str, value: float,
                                                           clear: bool) -> None:
    assert clear_fault(code, value) is clear
    assert (fault_problem(code, value) is None) is clear


def test_a_spec_asking_for_an_unclear_fault_is_refused_naming_the_field() -> None:
    spec = {"exercise": "sldl", "sets": [{"reps": [
        {"faults": []}, {"faults": [{"code": "sldl.stance_knee_bend", "magnitude": 48}]}]}]}
    with pytest.raises(SpecError, match=r"reps\[1\].faults\[0\].magnitude: .*not a clear fault"):
        parse_spec(spec)


def test_a_good_rep_outside_good_form_is_reported() -> None:
    measured = {"trunk_from_vertical_deg": 80.0, "stance_knee_flexion_bottom_deg": 30.0,
                "pelvis_rotation_deg": 0.0, "leg_below_trunk_deg": 0.0,
                "stance_knee_valgus_deg": 0.0, "free_foot_touch_s": 0.0, "duration_s": 3.5}
    problems = good_rep_problems("sldl", measured, single_leg=False)
    assert len(problems) == 1 and "stance_knee_flexion_bottom_deg" in problems[0]


@pytest.mark.parametrize("spec", sorted(
    [*ROOT.glob("sample_videos/specs/*.json"), *ROOT.glob("benchmarks/specs/**/*.json")]),
    ids=lambda p: p.stem)
def test_every_committed_spec_asks_only_for_clear_faults(spec: Path) -> None:
    load_spec(spec)


def test_every_rendered_sample_label_is_a_clear_fault_or_good_form() -> None:
    labels = json.loads((ROOT / "sample_videos" / "labels.json").read_text())["clips"]
    for clip in labels:
        single_leg = clip.get("variant") == "single_leg"
        for rep in clip["reps"]:
            for fault in rep["faults"]:
                assert fault_problem(fault["code"], fault["magnitude"]) is None, clip["file"]
            if not rep["faults"]:
                assert good_rep_problems(clip["exercise"], rep["measured"],
                                         single_leg=single_leg) == [], clip["file"]
