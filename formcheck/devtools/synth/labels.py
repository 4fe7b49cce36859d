"""Ground-truth labels in the format ``formcheck eval`` reads (pure Python, no torch).

``labels.json``::

    {"clips": [{"file": "x.mp4", "exercise": "sldl", "view": "side", "total_reps": 5,
                "good_reps": 2, "first_bad_rep": 3,
                "reps": [{"index": 1, "start_s": 1.5, "end_s": 5.1, "set": 1,
                          "faults": [{"code": ..., "magnitude": ..., "unit": ...}],
                          "measured": {...}}],
                "sets": [{"reps": 5, "start_s": 1.5, "end_s": 20.2, "rest_before_s": 0.0}],
                "spec": "specs/x.json"}]}

``good_reps`` counts the good reps before the first bad one, across the whole clip;
``first_bad_rep`` is the 1-based index of the first rep with a fault, or null.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formcheck.devtools.synth.spec import SpecError


@dataclass(frozen=True)
class RepLabel:
    """One rep's truth: 1-based index and set, times in seconds, faults and measured angles."""

    index: int
    set_index: int
    start_s: float
    end_s: float
    faults: tuple[dict[str, Any], ...]
    measured: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.end_s <= self.start_s:
            raise ValueError(f"rep {self.index}: end_s {self.end_s} <= start_s {self.start_s}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "start_s": round(self.start_s, 4),
            "end_s": round(self.end_s, 4),
            "set": self.set_index,
            "faults": [dict(f) for f in self.faults],
            "measured": {k: round(v, 3) for k, v in self.measured.items()},
        }


@dataclass(frozen=True)
class SetLabel:
    reps: int
    start_s: float
    end_s: float
    rest_before_s: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "reps": self.reps,
            "start_s": round(self.start_s, 4),
            "end_s": round(self.end_s, 4),
            "rest_before_s": round(self.rest_before_s, 4),
        }


def good_reps_and_first_bad(reps: list[RepLabel] | tuple[RepLabel, ...]) -> tuple[int, int | None]:
    """(good reps before the first bad one, 1-based index of the first bad rep or None)."""
    ordered = sorted(reps, key=lambda r: r.index)
    for position, rep in enumerate(ordered):
        if rep.faults:
            return position, rep.index
    return len(ordered), None


def clip_label(
    file: str,
    exercise: str,
    variant: str | None,
    view: str,
    reps: list[RepLabel],
    sets: list[SetLabel],
    spec: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One entry of ``clips`` (``variant`` None: the exercise has one, and it is left out)."""
    good, first_bad = good_reps_and_first_bad(reps)
    entry: dict[str, Any] = {"file": file, "exercise": exercise}
    if variant is not None:
        entry["variant"] = variant
    entry.update(
        {
            "view": view,
            "total_reps": len(reps),
            "good_reps": good,
            "first_bad_rep": first_bad,
            "reps": [r.as_dict() for r in sorted(reps, key=lambda r: r.index)],
            "sets": [s.as_dict() for s in sets],
            "spec": spec,
        }
    )
    if extra:
        entry.update(extra)
    return entry


def relative_path(path: Path, start: Path) -> str:
    """``path`` relative to ``start`` (POSIX separators), absolute if on another drive."""
    try:
        return Path(os.path.relpath(Path(path).resolve(), Path(start).resolve())).as_posix()
    except ValueError:
        return Path(path).resolve().as_posix()


def update_labels(labels_path: Path, entries: list[dict[str, Any]]) -> Path:
    """Write ``entries`` into labels.json, replacing clips with the same ``file``.

    Keys that a replaced entry has and the new one lacks (hand annotations such as
    ``analyse_as``) are carried over, so re-rendering a clip keeps them.

    Raises:
        SpecError: an existing labels.json is not valid JSON or has no ``clips`` list.
    """
    labels_path = Path(labels_path)
    clips: list[dict[str, Any]] = []
    if labels_path.exists():
        try:
            data = json.loads(labels_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise SpecError(
                f"{labels_path}: existing labels are not valid JSON ({exc.msg})"
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("clips"), list):
            raise SpecError(f"{labels_path}: existing labels have no 'clips' list")
        clips = data["clips"]
    previous = {c.get("file"): c for c in clips}
    merged = []
    for entry in entries:
        old = previous.get(entry["file"], {})
        merged.append({**entry, **{k: v for k, v in old.items() if k not in entry}})
    replaced = {e["file"] for e in entries}
    clips = [c for c in clips if c.get("file") not in replaced] + merged
    clips.sort(key=lambda c: str(c.get("file")))
    tmp = labels_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"clips": clips}, indent=1) + "\n", encoding="utf-8")
    tmp.replace(labels_path)
    return labels_path
