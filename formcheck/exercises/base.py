"""What an exercise module declares: its checks (thresholds as data) and how it measures."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

import numpy as np

from formcheck.body import BodySignals
from formcheck.reps import Rep, RepSettings


class View(StrEnum):
    """Where the camera stands relative to the person."""

    SIDE = "side"
    FRONT = "front"
    REAR = "rear"
    OBLIQUE = "oblique"
    FEET = "feet"  # bridge filmed from the feet end
    HEAD = "head"  # bridge filmed from the head end


@dataclass(frozen=True)
class Check:
    """One form rule: a metric of a rep compared with a limit.

    Attributes:
        code: Fault code, a stable contract (e.g. ``sldl.stance_knee_bend``).
        metric: Name of the measured value, with its unit in the name.
        unit: Unit of the value and limit (``deg``, ``s``, ``ratio``...).
        fault_when: ``above`` (fault when value > limit) or ``below`` (value < limit).
        limit: The threshold.
        views: Camera views in which the metric can be measured.
        cue: What to do instead, in plain language.
        describe: Plain-language statement of the fault, formatted with ``value``.
        source: A citation, or "heuristic: how it was tuned".
        landmarks: Landmarks the metric depends on, for the confidence test.
        min_visibility: Below this mean visibility over the rep, the check is uncertain.
    """

    code: str
    metric: str
    unit: str
    fault_when: Literal["above", "below"]
    limit: float
    views: frozenset[View]
    cue: str
    describe: str
    source: str
    landmarks: tuple[int, ...] = ()
    min_visibility: float = 0.5

    def fails(self, value: float) -> bool:
        """True when ``value`` is beyond the limit (a value exactly at the limit passes)."""
        return value > self.limit if self.fault_when == "above" else value < self.limit

    @property
    def needs(self) -> str:
        """Which views the check needs, for the skip reason: "a side or oblique view"."""
        names = [v.value for v in View if v in self.views]
        article = "an" if names[0][0] in "aeiou" else "a"
        return f"{article} {' or '.join(names)} view"


@dataclass(frozen=True)
class Measurement:
    """A metric of one rep: its value, when it was taken, and how visible its landmarks were."""

    value: float
    at_s: float
    visibility: float = 1.0

    @property
    def valid(self) -> bool:
        return math.isfinite(self.value)


@dataclass(frozen=True)
class Setup:
    """What recognition found about the clip, fixed for all its reps.

    Attributes:
        exercise: ``sldl`` or ``bridge``.
        view: The camera view.
        variant: ``single_leg`` or ``double`` for the bridge; None for the deadlift.
        working_side: 0 left, 1 right: the stance leg of a deadlift, the working leg of a
            single-leg bridge; None when both legs work.
    """

    exercise: str
    view: View
    variant: str | None = None
    working_side: int | None = None


@dataclass(frozen=True)
class Exercise:
    """An exercise module's declaration.

    Attributes:
        name: ``sldl`` or ``bridge``.
        title: Human name.
        checks: The form rules.
        rep_settings: Rep engine thresholds for the primary signal.
        primary_signal: ``(body, setup) -> (T,)`` the signal the rep engine counts on.
        measure: ``(body, rep, setup, previous_reps) -> {metric: Measurement}``.
        filming_advice: View name -> how to film to get the checks that need it.
    """

    name: str
    title: str
    checks: tuple[Check, ...]
    rep_settings: RepSettings
    primary_signal: Callable[[BodySignals, Setup], np.ndarray]
    measure: Callable[[BodySignals, Rep, Setup, tuple[Rep, ...]], dict[str, Measurement]]
    filming_advice: dict[View, str] = field(default_factory=dict)
