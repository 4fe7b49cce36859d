"""When a rendered rep is a fault: the true value of each fault against its limit, with a margin.

A label is ground truth only if it is unambiguous. A rep labelled with a fault must cross
the fault's limit by at least the margin, and a good rep must stay inside its good-form
bounds; anything between is neither a clear fault nor clear good form, so a spec that asks
for it is refused rather than rendered with a label the analyser could not be held to.

The limits are the analyser's own (:mod:`formcheck.exercises`), read from the registry, for
every code whose check measures the same physical quantity as the generator does on the
posed 3-D keypoints. Two codes differ (each plug-in's ``true_limits``): seen from behind at
the bottom of a hinge the picture under-reads hip opening, so the analyser's limit on the
picture is lower than the true limit the labels use; and
knees caving is labelled on the knees' width over the feet's, which the analyser, short
of reliable ankles from the feet end, reads against the knees' own starting width.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from formcheck.devtools.synth.moves import MOVES
from formcheck.exercises import EXERCISES

#: Margins by unit (heuristic: about one typical measurement error of MediaPipe on these
#: renders, 6-15 px of joint error, about 5 degrees of a limb angle on a 480 px clip; 0.1 s
#: is two to three frames at 24-30 fps; 0.05 of a width ratio).
MARGIN_BY_UNIT = {"deg": 5.0, "s": 0.1, "ratio": 0.05}


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


def true_limit_overrides() -> dict[str, tuple[float, str]]:
    """Codes whose true limit is not the analyser's limit: code -> (limit, source)."""
    return {code: value for move in MOVES.values() for code, value in move.true_limits.items()}


def true_limits(code: str) -> tuple[TrueLimit, ...]:
    """The limits of ``code`` (two for feet placement: too far and too close)."""
    exercise = EXERCISES[code.split(".")[0]]
    limits = []
    for check in exercise.checks:
        if check.code != code or check.metric == "pace_vs_earlier_reps":
            continue  # pace is relative to earlier reps; the generator labels duration
        limit = true_limit_overrides().get(code, (check.limit, ""))[0]
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
    move = MOVES[exercise]
    problems = []
    for key, (lo, hi) in move.good_bounds.items():
        if single_leg and key in move.not_on_one_leg:
            continue
        value = measured[key]
        if not lo - 1e-6 <= value <= hi + 1e-6:
            problems.append(f"{key} {value:.2f} outside good form [{lo}, {hi}]")
    return problems
