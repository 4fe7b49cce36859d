"""What the frames seen so far show: which exercise, from which camera view.

Each exercise module gives its own cue (:attr:`Exercise.recognise`); this module
weighs them. The session asks again as frames arrive and commits to an answer at
the latest when the first rep ends (see :mod:`formcheck.analysis.session`).

Every cue is a share of the frames (in a posture, lost, shins toward the camera) or a
median over them, and the session asks on a clock (every ``decide_every_s``), so at any
steady analysis rate recognition reads the same shares of time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from formcheck.exercises import Exercise, View, posture
from formcheck.signals.body import BodySignals

OTHER = "other"


@dataclass(frozen=True)
class Recognition:
    """The verdict on the frames seen so far.

    Attributes:
        exercise: An exercise name, or ``other``.
        view: The camera view, or None when no exercise's posture was seen.
        seen: What was seen, in plain language (always set; the reason when ``other``).
    """

    exercise: str
    view: View | None
    seen: str

    @property
    def recognised(self) -> bool:
        return self.exercise != OTHER and self.view is not None


def recognise(body: BodySignals, exercises: Mapping[str, Exercise]) -> Recognition:
    """Ask every exercise whether the frames show it.

    The exercise whose posture took the largest share of the frames wins among those
    that match; when none matches, the one whose posture was seen most says why.
    """
    cues = [exercise.recognise(body) for exercise in exercises.values()]
    matching = [cue for cue in cues if cue.matches and cue.view is not None]
    if matching:
        best = max(matching, key=lambda cue: cue.share)
        return Recognition(best.exercise, best.view, best.seen)
    in_posture = [cue for cue in cues if cue.view is not None]
    if in_posture:
        best = max(in_posture, key=lambda cue: cue.share)
        return Recognition(OTHER, best.view, best.seen)
    postures = " nor ".join(exercise.posture for exercise in exercises.values())
    titles = " or a ".join(exercise.title for exercise in exercises.values())
    return Recognition(OTHER, None, f"the person was neither {postures} for most of the clip:"
                       f" this is not a {titles}")


def forced(body: BodySignals, exercise: Exercise,
           exercises: Mapping[str, Exercise] | None = None) -> Recognition:
    """The user named the exercise: only the view is recognised, unless the person was
    never in the exercise's posture (lying down for a deadlift, say), which is said
    instead of grading."""
    cue = exercise.recognise(body)
    if cue.view is None and posture.detected(body).any():
        others = [other.recognise(body) for name, other in (exercises or {}).items()
                  if name != exercise.name]
        matching = [other for other in others if other.matches]
        looks = ""
        if matching:
            best = max(matching, key=lambda other: other.share)
            looks = f"; this looks like a {exercises[best.exercise].title}" if exercises else ""
        return Recognition(OTHER, None,
                           f"asked to grade a {exercise.title}, but {cue.seen}{looks}")
    return Recognition(exercise.name, exercise.view(body),
                       f"graded as {exercise.title} as asked")

