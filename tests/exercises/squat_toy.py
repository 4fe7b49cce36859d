"""A toy exercise, declared the way a new exercise module would be: a bodyweight squat.

Everything a third exercise needs is here; the tests register it with one line
(``EXERCISES[SQUAT.name] = SQUAT``) and run it end to end.
"""

from __future__ import annotations

import numpy as np

from formcheck.exercises import Check, Cue, Exercise, Measurement, Setup, View, posture
from formcheck.signals.body import BodySignals
from formcheck.signals.reps import Rep, RepSettings


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


