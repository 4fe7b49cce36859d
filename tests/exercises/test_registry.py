"""Exercises are plug-ins: what each declares is complete, and a new one needs only itself
and a registry line."""

from __future__ import annotations

import pytest

from formcheck.analysis.events import RepGraded
from formcheck.devtools.synth.spec import faults
from formcheck.exercises import EXERCISES, Setup, View
from formcheck.signals.body import BodySignals
from tests.exercises.squat_toy import SQUAT
from tests.factories import (
    BridgeRep,
    HingeRep,
    Script,
    bridge_series,
    grade,
    hinge_series,
    stream,
)

#: One synthetic series per registered exercise: a new exercise needs one here too.
SERIES = {
    "sldl": lambda: hinge_series(Script([HingeRep()] * 3)),
    # Single-leg: pelvic drop is measured only there (and knees caving, as uncertain, too).
    "bridge": lambda: bridge_series(Script([BridgeRep()] * 3), single_leg=True),
}


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_every_checked_metric_is_measured(name: str) -> None:
    exercise = EXERCISES[name]
    assert name in SERIES, f"add a synthetic series for {name} to SERIES"
    report = grade(SERIES[name](), name)
    assert report.total_reps == 3
    # The third rep has two earlier ones, so pace against earlier reps is measured too.
    missing = exercise.metrics - set(report.reps[-1].metrics)
    assert not missing, f"{name}: checks read metrics that measure never produces: {missing}"


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_every_readout_previews_a_checked_metric(name: str) -> None:
    exercise = EXERCISES[name]
    body = BodySignals.from_series(SERIES[name]())
    readouts = exercise.readouts(body, Setup(name, View.SIDE))
    assert readouts and set(readouts) <= exercise.metrics
    assert all(values.shape == (len(body),) for values in readouts.values())


def test_the_clip_generator_takes_its_fault_codes_from_the_registry() -> None:
    registered = {code for name in ("sldl", "bridge") for code in EXERCISES[name].fault_codes}
    assert set(faults()) == registered


def test_the_command_line_offers_every_registered_exercise() -> None:
    from formcheck.cli import ExerciseChoice

    assert {choice.value for choice in ExerciseChoice} == {"auto", *EXERCISES}


def _squats(knee_flexion_deg: list[float]):  # type: ignore[no-untyped-def]
    series = hinge_series(Script([HingeRep(depth_deg=10, knee_flexion_deg=k)
                                  for k in knee_flexion_deg]))
    # Both feet down: the free leg drawn where the stance leg is.
    series.image_px[:, [25, 27, 29, 31]] = series.image_px[:, [26, 28, 30, 32]]
    return series


def test_a_new_exercise_is_one_declaration_and_one_registry_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    series = _squats([110, 110, 70, 110])
    # Before it is registered, the squat is recognised as nothing formcheck grades.
    assert grade(series).exercise == "other"
    monkeypatch.setitem(EXERCISES, SQUAT.name, SQUAT)
    report, events = stream(series)
    assert (report.exercise, report.exercise_title, report.view) == (
        "squat", "bodyweight squat", View.SIDE)
    assert report.total_reps == 4 and report.good_reps == 2 and report.first_bad_rep == 3
    assert [f.code for f in report.reps[2].faults] == ["squat.shallow"]
    assert len([e for e in events if isinstance(e, RepGraded)]) == 4
    assert "stopped at rep 3: your knees bent only" in report.verdict
    assert report.verdict.endswith("Sit deeper.")


def test_a_third_exercise_goes_end_to_end_report_schema_terminal_html(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    from formcheck.analysis.provenance import grading_sources
    from formcheck.reporters.html import render_html
    from formcheck.reporters.schema import report_schema, validate_report
    from formcheck.reporters.terminal import print_report
    from formcheck.reporters.trace import SessionTrace

    series = _squats([110, 70, 110])
    monkeypatch.setitem(EXERCISES, SQUAT.name, SQUAT)  # the one registry line
    trace = SessionTrace()
    report, events = stream(series)
    for event in events:
        trace.events.append(event)
    assert report.exercise == "squat" and report.first_bad_rep == 2
    # The schema names it, and the report validates against it.
    schema = report_schema()
    assert "squat" in schema["properties"]["exercise"]["enum"]
    assert "squat.shallow" in schema["$defs"]["check_code"]["enum"]
    validate_report(report.to_dict())
    # Its module's source is part of the settings digest.
    assert any(path.name == "squat_toy.py" for path in grading_sources(EXERCISES))
    # The terminal and the HTML page show it by its title, with its fault and cue.
    out = io.StringIO()
    print_report(report, Console(file=out, width=120))
    printed = out.getvalue()
    assert "bodyweight squat" in printed and "stopped at rep 2: your knees bent only" in printed
    page = render_html(report, trace)
    assert "bodyweight squat" in page and "Sit deeper" in page
