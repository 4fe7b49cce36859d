"""The settings digest: one sha256 over everything that decides a grade.

Two reports with the same digest were graded by the same rules. The digest covers the
session's settings, per exercise its rep engine settings and every check's metric, limit
and views, and the source code of the grading stages: every module of
:mod:`formcheck.pose` (cleaning), :mod:`formcheck.signals`, :mod:`formcheck.exercises` and
:mod:`formcheck.analysis`, and the module of each exercise in the registry used (so that
an exercise defined elsewhere is covered too). Nothing lists modules by hand: a new
exercise module is covered by being there.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

from formcheck.analysis.settings import SessionSettings
from formcheck.exercises import Exercise

#: The stage packages whose code decides a grade, under ``formcheck/``.
GRADING_PACKAGES = ("pose", "signals", "exercises", "analysis")

_PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def grading_sources(exercises: Mapping[str, Exercise]) -> list[Path]:
    """The source files of the grading stages and of each exercise's module, sorted,
    each once."""
    files = {path for package in GRADING_PACKAGES
             for path in (_PACKAGE_ROOT / package).rglob("*.py")}
    for exercise in exercises.values():
        source = inspect.getsourcefile(exercise.primary_signal)
        if source is not None:
            files.add(Path(source).resolve())
    return sorted(files)


def _grading_code_sha256(exercises: Mapping[str, Exercise]) -> str:
    """sha256 of :func:`grading_sources`, each named by its path under the package (or
    its file name, for an exercise defined outside it)."""
    digest = hashlib.sha256()
    for path in grading_sources(exercises):
        try:
            name = path.relative_to(_PACKAGE_ROOT).as_posix()
        except ValueError:
            name = path.name
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def settings_digest(settings: SessionSettings, exercises: Mapping[str, Exercise]) -> str:
    """sha256 of everything that decides a grade (see the module's docstring)."""
    described = {
        "code": _grading_code_sha256(exercises),
        "session": asdict(settings),
        "exercises": {
            name: {
                "rep_settings": asdict(exercise.rep_settings),
                "checks": [[c.code, c.metric, c.unit, c.fault_when, c.limit,
                            sorted(v.value for v in c.views), c.min_visibility,
                            sorted(v.value for v in c.too_coarse_in), c.max_off_side_deg,
                            None if c.error is None else [list(c.error.off_side_deg),
                                                          [str(p) for p in c.error.p90],
                                                          c.error.truth_gain]]
                           for c in exercise.checks],
            }
            for name, exercise in sorted(exercises.items())
        },
    }
    text = json.dumps(described, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
