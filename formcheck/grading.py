"""Grading reps against an exercise's checks, and the count that stops at the first bad rep.

:func:`grade_rep` turns one rep's measurements into faults; :class:`Tally` takes
graded reps in order (from a file, a batch or a live camera alike), splits them
into sets and marks where the count stopped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from formcheck.body import BodySignals
from formcheck.exercises import Check, Exercise, Measurement, Setup, View
from formcheck.prescription import SET_BREAK_S
from formcheck.reps import Rep


@dataclass(frozen=True)
class Fault:
    """A check that failed on a rep."""

    code: str
    value: float
    limit: float
    unit: str
    at_s: float
    message: str
    cue: str


@dataclass(frozen=True)
class Uncertain:
    """A check that could not be trusted on a rep (landmarks poorly visible)."""

    code: str
    reason: str


@dataclass(frozen=True)
class GradedRep:
    """A rep with its verdict.

    Attributes:
        rep: Timing from the rep engine.
        faults: Checks that failed.
        uncertain: Checks whose landmarks were too poorly seen to judge.
        metrics: Every measured value, by metric name.
        set_index: 1-based set the rep belongs to (set by :class:`Tally`).
        after_stop: True when the rep came after the first bad rep (set by :class:`Tally`).
    """

    rep: Rep
    faults: tuple[Fault, ...]
    uncertain: tuple[Uncertain, ...]
    metrics: dict[str, float]
    set_index: int = 1
    after_stop: bool = False

    @property
    def good(self) -> bool:
        return not self.faults


def _message(check: Check, value: float) -> str:
    return check.describe.format(value=value, short=180.0 - value, past=value - 180.0)


def applicable(checks: tuple[Check, ...], view: View) -> tuple[Check, ...]:
    """The checks that can be made from ``view``: measurable there, and not too coarse."""
    return tuple(check for check in checks
                 if view in check.views and view not in check.too_coarse_in)


def skipped(checks: tuple[Check, ...], view: View) -> list[tuple[str, str]]:
    """``(code, reason)`` of the checks the view cannot support, one per code."""
    usable = {check.code for check in applicable(checks, view)}
    out: dict[str, str] = {}
    for check in checks:
        if check.code not in usable and check.code not in out:
            label = check.code.split(".", 1)[1].replace("_", " ")
            if view in check.too_coarse_in:
                out[check.code] = f"{label}: {check.too_coarse_in[view]}"
            elif check.too_coarse_in and check.views <= set(check.too_coarse_in):
                # No view reads it well enough: say why rather than advise a view.
                out[check.code] = f"{label}: {next(iter(check.too_coarse_in.values()))}"
            else:
                out[check.code] = (f"{label}: needs {check.needs}; this clip is filmed from"
                                   f" the {view.value}")
    return list(out.items())


def grade_rep(exercise: Exercise, window: BodySignals, rep: Rep, setup: Setup,
              previous: tuple[Rep, ...] = ()) -> GradedRep:
    """Measure one rep over its window of frames and compare each applicable check with
    its limit. A value the exercise marks unreliable makes its check uncertain."""
    measurements: dict[str, Measurement] = exercise.measure(window, rep, setup, previous)
    faults: list[Fault] = []
    uncertain: dict[str, Uncertain] = {}
    for check in applicable(exercise.checks, setup.view):
        measured = measurements.get(check.metric)
        if measured is None:
            continue  # e.g. pace against earlier reps on the first reps
        if measured.unreliable is not None:
            uncertain.setdefault(check.code, Uncertain(check.code, measured.unreliable))
            continue
        if not measured.valid or measured.visibility < check.min_visibility:
            uncertain.setdefault(check.code, Uncertain(
                check.code, f"landmarks poorly seen (visibility {measured.visibility:.2f})"))
            continue
        if check.fails(measured.value) and all(f.code != check.code for f in faults):
            faults.append(Fault(check.code, measured.value, check.limit, check.unit,
                                measured.at_s, _message(check, measured.value), check.cue))
    return GradedRep(
        rep=rep,
        faults=tuple(faults),
        uncertain=tuple(u for code, u in uncertain.items() if all(f.code != code for f in faults)),
        metrics={name: m.value for name, m in measurements.items() if math.isfinite(m.value)},
    )


def first_bad_rep(reps: Sequence[GradedRep]) -> int | None:
    """1-based index of the first bad rep, or None when all are good."""
    return next((i + 1 for i, r in enumerate(reps) if not r.good), None)


def good_before_stop(reps: Sequence[GradedRep]) -> int:
    """Good reps before the first bad one: the count that stops."""
    first_bad = first_bad_rep(reps)
    return len(reps) if first_bad is None else first_bad - 1


@dataclass(frozen=True)
class SetSummary:
    """One set: its reps, when it ran, and the rest before it."""

    index: int
    reps: int
    good_reps: int
    start_s: float
    end_s: float
    rest_before_s: float | None


@dataclass
class Tally:
    """Counts good reps until the first bad one, and splits reps into sets.

    Feed graded reps in time order with :meth:`add`; each answer takes constant time,
    so a live session can ask on every frame.
    """

    set_break_s: float = SET_BREAK_S
    reps: list[GradedRep] = field(default_factory=list)
    _first_bad: int | None = field(default=None, init=False, repr=False)
    _break_asked: bool = field(default=False, init=False, repr=False)
    _set_good: int = field(default=0, init=False, repr=False)
    _set_stopped: bool = field(default=False, init=False, repr=False)

    def break_set(self) -> None:
        """The next rep starts a new set, whatever the pause (the user said so)."""
        self._break_asked = True

    @property
    def set_index(self) -> int:
        """The set the last rep belongs to (1 before any; the next one after a break)."""
        if not self.reps:
            return 1
        return self.reps[-1].set_index + (1 if self._break_asked else 0)

    @property
    def set_good_reps(self) -> int:
        """Good reps before the first bad one in the current set."""
        return 0 if self._break_asked else self._set_good

    @property
    def set_stopped(self) -> bool:
        """True when the current set has had its first bad rep."""
        return False if self._break_asked else self._set_stopped

    @property
    def first_bad(self) -> int | None:
        """1-based index of the first bad rep, or None."""
        return self._first_bad

    @property
    def good_reps(self) -> int:
        """Good reps before the first bad one."""
        return len(self.reps) if self._first_bad is None else self._first_bad - 1

    def add(self, graded: GradedRep) -> GradedRep:
        """Record a rep; returns it with its set and after-stop mark."""
        set_index = 1
        if self.reps:
            last = self.reps[-1]
            new_set = (self._break_asked
                       or graded.rep.start_s - last.rep.end_s > self.set_break_s)
            set_index = last.set_index + (1 if new_set else 0)
            if new_set:
                self._set_good, self._set_stopped = 0, False
        self._break_asked = False
        after_stop = self._first_bad is not None
        graded = replace(graded, set_index=set_index, after_stop=after_stop)
        self.reps.append(graded)
        if self._first_bad is None and not graded.good:
            self._first_bad = len(self.reps)
        if not graded.good:
            self._set_stopped = True
        elif not self._set_stopped:
            self._set_good += 1
        return graded

    def sets(self) -> list[SetSummary]:
        out: list[SetSummary] = []
        for index in sorted({r.set_index for r in self.reps}):
            members = [r for r in self.reps if r.set_index == index]
            good = good_before_stop(members)
            rest = members[0].rep.start_s - out[-1].end_s if out else None
            out.append(SetSummary(index, len(members), good, members[0].rep.start_s,
                                  members[-1].rep.end_s, rest))
        return out
