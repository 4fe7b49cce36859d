"""Label writing: times, good_reps / first_bad_rep, merging into labels.json (pure Python)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from formcheck.devtools.synth.labels import (
    RepLabel,
    SetLabel,
    clip_label,
    good_reps_and_first_bad,
    update_labels,
)

FAULT = {"code": "sldl.stance_knee_bend", "magnitude": 50.0, "unit": "deg"}


def _reps(pattern: str) -> list[RepLabel]:
    """'..x.' -> good, good, bad, good."""
    return [
        RepLabel(
            index=i + 1,
            set_index=1,
            start_s=4.0 * i + 1.0,
            end_s=4.0 * i + 4.5,
            faults=(FAULT,) if c == "x" else (),
        )
        for i, c in enumerate(pattern)
    ]


@pytest.mark.parametrize(
    ("pattern", "good", "first_bad"),
    [("....", 4, None), ("..x..", 2, 3), ("x...", 0, 1), ("...x", 3, 4), (".x.x", 1, 2)],
)
def test_good_reps_before_first_bad(pattern: str, good: int, first_bad: int | None) -> None:
    assert good_reps_and_first_bad(_reps(pattern)) == (good, first_bad)


def test_good_reps_counts_across_sets() -> None:
    reps = _reps("...x")
    reps = [RepLabel(r.index, 1 if r.index <= 2 else 2, r.start_s, r.end_s, r.faults) for r in reps]
    label = clip_label("a.mp4", "sldl", None, "side", reps, [], "specs/a.json")
    assert label["good_reps"] == 3
    assert label["first_bad_rep"] == 4
    assert [r["set"] for r in label["reps"]] == [1, 1, 2, 2]


def test_clip_label_fields_and_times() -> None:
    reps = _reps(".x")
    sets = [SetLabel(reps=2, start_s=1.0, end_s=8.5, rest_before_s=0.0)]
    label = clip_label("a.mp4", "sldl", None, "rear", reps, sets, "specs/a.json")
    assert label["file"] == "a.mp4"
    assert "variant" not in label  # an exercise of one variant
    assert label["total_reps"] == 2
    assert label["reps"][0]["start_s"] == 1.0 and label["reps"][0]["end_s"] == 4.5
    assert label["reps"][1]["faults"] == [FAULT]
    assert label["sets"] == [{"reps": 2, "start_s": 1.0, "end_s": 8.5, "rest_before_s": 0.0}]
    bridge = clip_label("b.mp4", "bridge", "single_leg", "oblique", reps, sets, "")
    assert bridge["variant"] == "single_leg"


def test_rep_end_must_follow_start() -> None:
    with pytest.raises(ValueError, match="end_s"):
        RepLabel(index=1, set_index=1, start_s=2.0, end_s=2.0, faults=())


def test_update_labels_replaces_same_file(tmp_path: Path) -> None:
    path = tmp_path / "labels.json"
    first = clip_label("a.mp4", "sldl", None, "side", _reps(".."), [], "")
    other = clip_label("b.mp4", "sldl", "double", "side", _reps("."), [], "")
    update_labels(path, [first, other])
    again = clip_label("a.mp4", "sldl", None, "side", _reps("x"), [], "")
    update_labels(path, [again])
    clips = json.loads(path.read_text())["clips"]
    assert [c["file"] for c in clips] == ["a.mp4", "b.mp4"]
    assert clips[0]["first_bad_rep"] == 1


def test_update_labels_keeps_hand_annotations(tmp_path: Path) -> None:
    path = tmp_path / "labels.json"
    update_labels(path, [clip_label("a.mp4", "sldl", None, "rear", _reps("."), [], "")])
    data = json.loads(path.read_text())
    data["clips"][0]["analyse_as"] = "sldl"
    path.write_text(json.dumps(data))
    update_labels(path, [clip_label("a.mp4", "sldl", None, "rear", _reps(".x"), [], "")])
    clip = json.loads(path.read_text())["clips"][0]
    assert clip["analyse_as"] == "sldl"
    assert clip["total_reps"] == 2
