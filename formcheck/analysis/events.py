"""What a session says as it goes (events, in the order they happen) and what it knows at
each frame (:class:`FrameState`, with live :class:`Readout` s): the vocabulary every
overlay, live window and trace reads."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from formcheck.analysis.grading import Fault, GradedRep
from formcheck.exercises import EXERCISES, Exercise, View

# Events, in the order they happen. `t_s` is the stream time at which each became known.


@dataclass(frozen=True)
class PersonFound:
    t_s: float


@dataclass(frozen=True)
class PersonLost:
    t_s: float


@dataclass(frozen=True)
class SetupHint:
    """Something the user can change before the first rep (framing, camera angle)."""

    t_s: float
    message: str


@dataclass(frozen=True, eq=False)
class Recognised:
    """The session committed to an exercise and a view.

    Attributes:
        history_t_s: ``(N,)`` times of the frames kept before the decision, seconds.
        history_signal: ``(N,)`` the exercise's primary signal over them, so that a
            reporter can draw the reps that happened before the decision.
    """

    t_s: float
    exercise: str
    view: View
    seen: str
    history_t_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    history_signal: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass(frozen=True)
class ExerciseChanged:
    """The person went on to another exercise; its reps are not graded as the first's.

    Attributes:
        since_s: Start of the frames that show the new exercise, seconds.
    """

    t_s: float
    exercise: str
    to_exercise: str
    since_s: float


def exercise_changed_message(change: ExerciseChanged,
                             exercises: Mapping[str, Exercise] | None = None) -> str:
    """What to tell the user about a change of exercise."""
    known = EXERCISES if exercises is None else exercises
    before, after = (known[name].title if name in known else name
                     for name in (change.exercise, change.to_exercise))
    return (f"from {change.since_s:.1f} s this looks like a {after}: only the {before} before"
            f" it is graded; send each exercise as its own clip")


@dataclass(frozen=True)
class RepStarted:
    """A movement has travelled far enough to be rep ``index`` (1-based)."""

    t_s: float
    index: int


@dataclass(frozen=True)
class RepGraded:
    """Rep ``graded`` is over and graded; ``t_s`` may be later than its end when it was
    graded at the moment of recognition."""

    t_s: float
    graded: GradedRep

    @property
    def index(self) -> int:
        return self.graded.rep.index


@dataclass(frozen=True)
class CountStopped:
    """The first bad rep: the count of good reps stops here."""

    t_s: float
    rep_index: int
    good_reps: int
    fault: Fault


Event = (PersonFound | PersonLost | SetupHint | Recognised | ExerciseChanged | RepStarted
         | RepGraded | CountStopped)


@dataclass(frozen=True)
class Readout:
    """A live value of a checked angle, with the limits of the checks that read it.

    Attributes:
        metric: Metric name, as the checks name it (``stance_knee_flexion_img_deg``).
        value: This frame's value (NaN when not seen).
        unit: The checks' unit.
        limits: ``(fault_when, limit)`` of each check on the metric.
    """

    metric: str
    value: float
    unit: str
    limits: tuple[tuple[str, float], ...]

    @property
    def beyond_limit(self) -> bool:
        """True when the value is past one of the limits (a preview: checks read the rep)."""
        return math.isfinite(self.value) and any(
            self.value > limit if when == "above" else self.value < limit
            for when, limit in self.limits)


@dataclass(frozen=True)
class FrameState:
    """What the analysis knows at one frame: what an overlay or a live window draws.

    Attributes:
        t_s: Frame time, seconds.
        detected: A person was found in this frame.
        exercise: The committed exercise, or None while recognising.
        view: The committed view (the assumed one while ``assumed`` is set), or None.
        phase: ``no person``, ``recognising``, ``rest`` (between reps), or the exercise's
            name for the part of the rep under way (``lowering``, ``at the bottom``,
            ``standing up`` for the deadlift; ``lifting``, ``at the top``, ``lowering``
            for the bridge).
        rep: The rep under way (1-based), or the last one finished; 0 before any.
        total_reps: Reps finished.
        good_reps: Good reps before the first bad one (the clip's count).
        count_stopped: True from the first bad rep on.
        set_index: The current set (1-based): a pause longer than the set break, or
            :meth:`Session.new_set`, starts the next.
        set_good_reps: Good reps before the first bad one in the current set.
        set_stopped: True when the current set has had its first bad rep.
        signal: The exercise's primary signal at this frame (NaN while recognising).
        readouts: Live values of the checked angles valid in this view.
        landmarks_px: ``(33, 2)`` the cleaned landmarks in pixels of the upright frame
            (NaN without a person), for drawing.
        visibility: ``(33,)`` their visibility, 0-1.
        assumed: While recognition has not committed, the exercise the frames look like so
            far: the phase, the rep and the readouts are those of that exercise, shown
            before the first rep is complete (nothing is counted or graded on it); None
            once committed, or when nothing is recognised yet.
        phase_since_s: When the phase began, as the session knows it now, seconds: a
            phase is known a little after it begins (the rep engine's median and its hold
            at the peak), so a driver that can wait (the annotated video) draws the frames
            since then with it. NaN when unknown.
    """

    t_s: float
    detected: bool
    exercise: str | None
    view: View | None
    phase: str
    rep: int
    total_reps: int
    good_reps: int
    count_stopped: bool
    set_index: int = 1
    set_good_reps: int = 0
    set_stopped: bool = False
    signal: float = math.nan
    readouts: tuple[Readout, ...] = ()
    landmarks_px: np.ndarray = field(default_factory=lambda: np.full((33, 2), np.nan))
    visibility: np.ndarray = field(default_factory=lambda: np.zeros(33))
    assumed: str | None = None
    phase_since_s: float = math.nan

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FrameState):
            return NotImplemented
        plain = ("t_s", "detected", "exercise", "view", "phase", "rep", "total_reps",
                 "good_reps", "count_stopped", "set_index", "set_good_reps", "set_stopped",
                 "readouts", "assumed")
        return all(getattr(self, f) == getattr(other, f) for f in plain) and all(
            np.array_equal(getattr(self, f), getattr(other, f), equal_nan=True)
            for f in ("signal", "landmarks_px", "visibility", "phase_since_s"))

    __hash__ = None  # type: ignore[assignment]
