"""Grading reps against an exercise's checks, and the count that stops at the first bad rep.

:func:`grade_rep` turns one rep's measurements into faults; :class:`Tally` takes
graded reps in order (from a file, a batch or a live camera alike), splits them
into sets and marks where the count stopped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from formcheck.analysis.prescription import SET_BREAK_S
from formcheck.exercises import Check, Exercise, Measurement, Setup, View, check_label
from formcheck.signals.body import BodySignals
from formcheck.signals.camera import UNKNOWN as UNKNOWN_CAMERA
from formcheck.signals.camera import CameraAngle
from formcheck.signals.reps import Rep


@dataclass(frozen=True)
class Fault:
    """A check that failed on a rep: past its limit by more than the measurement's margin
    from this camera angle (``margin``, in the check's unit; 0 when none is measured)."""

    code: str
    value: float
    limit: float
    unit: str
    at_s: float
    message: str
    cue: str
    margin: float = 0.0


@dataclass(frozen=True)
class Borderline:
    """A check read past its limit, but by no more than the measurement's margin from this
    camera angle: not evidence of a bad rep, so the count goes on; shown with the cue."""

    code: str
    value: float
    limit: float
    unit: str
    margin: float
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
        borderline: Checks read past their limit within the measurement's margin.
        set_index: 1-based set the rep belongs to (set by :class:`Tally`).
        after_stop: True when the rep came after the first bad rep (set by :class:`Tally`).
    """

    rep: Rep
    faults: tuple[Fault, ...]
    uncertain: tuple[Uncertain, ...]
    metrics: dict[str, float]
    set_index: int = 1
    after_stop: bool = False
    borderline: tuple[Borderline, ...] = ()

    @property
    def good(self) -> bool:
        return not self.faults


def _message(check: Check, value: float) -> str:
    return check.describe.format(value=value, short=180.0 - value, past=value - 180.0)


def _number(value: float, unit: str) -> str:
    """A reading in words: ``57 degrees``, ``0.4 s``, ``0.62``."""
    if unit == "deg":
        return f"{value:.0f} degrees"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:.2f}"


def _limit(limit: float, unit: str) -> str:
    """A limit in words, to its tenth when it has one: ``55 degrees``, ``6.5 degrees``."""
    if unit == "deg" and abs(limit - round(limit)) >= 0.05:
        return f"{limit:.1f} degrees"
    return _number(limit, unit)


def _within(margin: float, unit: str) -> str:
    return f"measured to within {_number(margin, unit)} from this camera angle"


def borderline_message(check: Check, value: float, margin: float,
                       to_be_sure: str | None = None) -> str:
    """``borderline stance knee bend: 57 degrees against 55, measured to within 6 degrees
    from this camera angle: film from the side, camera at hip height, to be sure``."""
    message = (f"borderline {check_label(check.code)}: {_number(value, check.unit)} against"
               f" {_limit(check.limit, check.unit)}, {_within(margin, check.unit)}")
    return f"{message}: {to_be_sure}, to be sure" if to_be_sure else message


def best_filming(exercise: Exercise, check: Check) -> str | None:
    """How to film for ``check``'s best reading: the advice of its first view that has
    some (views in the registry's order, side-on first)."""
    for view in View:
        if (view in check.views and view not in check.too_coarse_in
                and view in exercise.filming_advice):
            return exercise.filming_advice[view]
    return None


def fault_message(check: Check, value: float, margin: float) -> str:
    """The fault in words, with the limit and the margin it was past."""
    limit = f"limit {_limit(check.limit, check.unit)}"
    if margin > 0:
        limit += f", measured to within {_number(margin, check.unit)}"
    return f"{_message(check, value)} ({limit})"


def applicable(checks: tuple[Check, ...], view: View) -> tuple[Check, ...]:
    """The checks that can be made from ``view``: measurable there, and not too coarse."""
    return tuple(check for check in checks
                 if view in check.views and view not in check.too_coarse_in)


def judged_nowhere(checks: tuple[Check, ...]) -> list[str]:
    """Codes of the checks that no camera view can judge yet (every view they are
    measured from errs by more than their margin), each once, in order."""
    return list(dict.fromkeys(check.code for check in checks
                              if check.too_coarse_in and check.views <= set(check.too_coarse_in)))


def skipped(checks: tuple[Check, ...], view: View) -> list[tuple[str, str]]:
    """``(code, reason)`` of the checks the view cannot support, one per code."""
    usable = {check.code for check in applicable(checks, view)}
    out: dict[str, str] = {}
    for check in checks:
        if check.code not in usable and check.code not in out:
            label = check_label(check.code)
            if view in check.too_coarse_in:
                out[check.code] = f"{label}: {check.too_coarse_in[view]}"
            elif check.too_coarse_in and check.views <= set(check.too_coarse_in):
                # No view reads it well enough: say why rather than advise a view.
                out[check.code] = f"{label}: {next(iter(check.too_coarse_in.values()))}"
            else:
                out[check.code] = (f"{label}: needs {check.needs}; this clip is filmed from"
                                   f" the {view.value}")
    return list(out.items())


def _beyond_its_angle(check: Check, camera: CameraAngle) -> str | None:
    """Why the camera stands too far from side-on for ``check``, or None."""
    limit = check.max_off_side_deg
    if limit is None or not math.isfinite(camera.off_side_deg) or camera.off_side_deg <= limit:
        return None
    return (f"the camera is {camera.off_side_deg:.0f} degrees off side-on, and this is read"
            f" within {limit:.0f}: film closer to side-on")


def grade_rep(exercise: Exercise, window: BodySignals, rep: Rep, setup: Setup,
              previous: tuple[Rep, ...] = (), *, camera: CameraAngle = UNKNOWN_CAMERA
              ) -> GradedRep:
    """Measure one rep over its window of frames and compare each applicable check with
    its limit: pass within it, borderline past it by no more than the measurement's margin
    from ``camera``'s angle (:meth:`Check.margin`), fault past that. A value the exercise
    marks unreliable makes its check uncertain."""
    measurements: dict[str, Measurement] = exercise.measure(window, rep, setup, previous)
    faults: list[Fault] = []
    borderline: dict[str, Borderline] = {}
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
        too_far = _beyond_its_angle(check, camera)
        if too_far is not None:
            uncertain.setdefault(check.code, Uncertain(check.code, too_far))
            continue
        if not check.fails(measured.value) or any(f.code == check.code for f in faults):
            continue
        margin = check.margin(camera.off_side_deg)
        if check.excess(measured.value) > margin:
            faults.append(Fault(check.code, measured.value, check.limit, check.unit,
                                measured.at_s, fault_message(check, measured.value, margin),
                                check.cue, margin))
        else:
            borderline.setdefault(check.code, Borderline(
                check.code, measured.value, check.limit, check.unit, margin, measured.at_s,
                borderline_message(check, measured.value, margin,
                                   best_filming(exercise, check)), check.cue))
    failed = {f.code for f in faults}
    return GradedRep(
        rep=rep,
        faults=tuple(faults),
        uncertain=tuple(u for code, u in uncertain.items() if code not in failed),
        metrics={name: m.value for name, m in measurements.items() if math.isfinite(m.value)},
        borderline=tuple(b for code, b in borderline.items() if code not in failed),
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
