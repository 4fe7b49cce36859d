"""When a rendered rep is a fault: the true value of each fault against its limit, with a margin.

A label is ground truth only if it is unambiguous. A rep labelled with a fault must cross
the fault's limit by at least the margin, and a good rep must stay inside its good-form
bounds; anything between is neither a clear fault nor clear good form, so a spec that asks
for it is refused rather than rendered with a label the analyser could not be held to.

The limits are the analyser's own (:mod:`formcheck.exercises`), read from the registry, for
every code whose check measures the same physical quantity as the generator does on the
posed 3-D keypoints. Two codes differ (:data:`TRUE_LIMIT_OVERRIDES`): seen from behind at
the bottom of a hinge the picture under-reads hip opening, so the analyser's limit on the
picture is lower than the true limit the labels use; and
knees caving is labelled on the knees' width over the feet's, which the analyser, short
of reliable ankles from the feet end, reads against the knees' own starting width.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from formcheck.exercises import EXERCISES

#: Margins by unit (heuristic: about one typical measurement error of MediaPipe on these
#: renders, 6-15 px of joint error, about 5 degrees of a limb angle on a 480 px clip; 0.1 s
#: is two to three frames at 24-30 fps; 0.05 of a width ratio).
MARGIN_BY_UNIT = {"deg": 5.0, "s": 0.1, "ratio": 0.05}

#: Codes whose true limit is not the analyser's limit: code -> (limit, source).
TRUE_LIMIT_OVERRIDES = {
    "sldl.hip_opening": (
        20.0,
        "heuristic: the analyser's limit is on the picture's hip and shoulder lines, which"
        " under-read the turn; 20 degrees of true free-hip rise is a clearly open hip",
    ),
    "bridge.knees_caving": (
        0.7,
        "heuristic: knees at under 0.7 of the feet's width have clearly fallen inward; the"
        " analyser compares the knees' width with their own width at the start instead",
    ),
}

#: Good-form bounds of the true values of a good rep (heuristic: a neutral, controlled rep
#: of these bodies; the generator's good-form targets lie well inside).
GOOD_BOUNDS = {
    "sldl": {
        "trunk_from_vertical_deg": (70.0, 90.0),
        "stance_knee_flexion_bottom_deg": (8.0, 22.0),
        "pelvis_rotation_deg": (-5.0, 5.0),
        "leg_below_trunk_deg": (-10.0, 10.0),
        "stance_knee_valgus_deg": (-10.0, 8.0),
        "free_foot_touch_s": (0.0, 0.0),
        "duration_s": (2.5, 6.0),
    },
    "bridge": {
        "shoulder_hip_knee_deg": (172.0, 185.0),
        "knee_angle_deg": (80.0, 100.0),
        "knee_ankle_separation_ratio": (0.7, 1.5),
        "hold_s": (0.5, 3.0),
        "duration_s": (2.0, 6.0),
    },
}


@dataclass(frozen=True)
class TrueLimit:
    """A fault's limit on its true value.

    Attributes:
        code: Fault code.
        fault_when: ``above`` or ``below`` the limit.
        limit: The limit, in ``unit``.
        unit: ``deg``, ``s`` or ``ratio``.
        margin: How far beyond the limit a labelled fault must be, in ``unit``.
    """

    code: str
    fault_when: Literal["above", "below"]
    limit: float
    unit: str
    margin: float

    def clearly_crossed(self, value: float) -> bool:
        if self.fault_when == "above":
            return value >= self.limit + self.margin
        return value <= self.limit - self.margin

    def describe(self) -> str:
        sign = "+" if self.fault_when == "above" else "-"
        return f"{self.fault_when} {self.limit:g} {sign} {self.margin:g} {self.unit}"


def true_limits(code: str) -> tuple[TrueLimit, ...]:
    """The limits of ``code`` (two for feet placement: too far and too close)."""
    exercise = EXERCISES[code.split(".")[0]]
    limits = []
    for check in exercise.checks:
        if check.code != code or check.metric == "pace_vs_earlier_reps":
            continue  # pace is relative to earlier reps; the generator labels duration
        limit = TRUE_LIMIT_OVERRIDES.get(code, (check.limit, ""))[0]
        limits.append(TrueLimit(code, check.fault_when, limit, check.unit,
                                MARGIN_BY_UNIT[check.unit]))
    if not limits:
        raise KeyError(f"no check for fault code {code!r}")
    return tuple(limits)


def clear_fault(code: str, value: float) -> bool:
    """True when ``value`` crosses one of ``code``'s limits by at least the margin."""
    return any(limit.clearly_crossed(value) for limit in true_limits(code))


def fault_problem(code: str, value: float) -> str | None:
    """Why ``value`` is not a clear ``code`` fault, or None when it is."""
    if clear_fault(code, value):
        return None
    wanted = " or ".join(limit.describe() for limit in true_limits(code))
    return f"{code} true value {value:.3g} is not a clear fault (needs {wanted})"


def good_rep_problems(exercise: str, measured: dict[str, float], *,
                      single_leg: bool) -> list[str]:
    """Why a rep labelled good is not clearly good form (empty when it is)."""
    problems = []
    for key, (lo, hi) in GOOD_BOUNDS[exercise].items():
        if key == "knee_ankle_separation_ratio" and single_leg:
            continue  # one foot is in the air: the width ratio means nothing
        value = measured[key]
        if not lo - 1e-6 <= value <= hi + 1e-6:
            problems.append(f"{key} {value:.2f} outside good form [{lo}, {hi}]")
    return problems
