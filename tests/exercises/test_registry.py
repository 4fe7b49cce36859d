"""Exercises are plug-ins: what each declares is complete, and a new one needs only itself
and a registry line."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.body import BodySignals
from formcheck.exercises import EXERCISES, Check, Cue, Exercise, Measurement, Setup, View, posture
from formcheck.reps import Rep, RepSettings
from formcheck.session import RepGraded
from formcheck.synth.spec import FAULTS
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
    assert set(FAULTS) == registered


def test_the_command_line_offers_every_registered_exercise() -> None:
    from formcheck.cli import ExerciseChoice

    assert {choice.value for choice in ExerciseChoice} == {"auto", *EXERCISES}


# A toy exercise, declared the way a new module would declare it: a bodyweight squat.

def _knee_flexion(body: BodySignals, setup: Setup) -> np.ndarray:
    return 180.0 - np.fmin.reduce(body.knee_angle_img_deg, axis=1)


def _measure(window: BodySignals, rep: Rep, setup: Setup,
             previous: tuple[Rep, ...]) -> dict[str, Measurement]:
    flexion = _knee_flexion(window, setup)
    deepest = int(np.nanargmax(flexion))
    return {"knee_flexion_deepest_deg": Measurement(float(flexion[deepest]),
                                                    float(window.t_s[deepest]))}


def _recognise(body: BodySignals) -> Cue:
    seen = posture.detected(body)
    upright = posture.standing(body)
    share = posture.share(upright, seen)
    deep = posture.share(seen & (_knee_flexion(body, Setup("squat", View.SIDE)) > 60.0), seen)
    view = posture.standing_view(body, np.flatnonzero(upright)) if share >= 0.2 else None
    return Cue("squat", view is not None and deep >= 0.1, view, "standing, bending the knees",
               share)


SQUAT = Exercise(
    name="squat",
    title="bodyweight squat",
    posture="standing",
    checks=(Check(code="squat.shallow", metric="knee_flexion_deepest_deg", unit="deg",
                  fault_when="below", limit=90.0, views=frozenset(View),
                  cue="sit deeper", describe="your knees bent only {value:.0f} degrees",
                  source="heuristic: a toy for the registry test"),),
    rep_settings=RepSettings(start_delta=10.0, min_amplitude=30.0),
    primary_signal=_knee_flexion,
    measure=_measure,
    recognise=_recognise,
    view=lambda body: posture.standing_view(body, posture.frames_or_all(
        posture.standing(body), body)),
    phases=("sitting down", "at the bottom", "standing up"),
)


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
