"""The exercises formcheck grades: the registry.

A new exercise is a new module declaring an :class:`Exercise` and one line in
``EXERCISES`` below; the command line's choices, the report titles and the clip
generator's fault codes all come from here.
"""

from __future__ import annotations

from formcheck.errors import UsageError
from formcheck.exercises.base import (
    Check,
    Cue,
    ErrorTable,
    Exercise,
    Measurement,
    Setup,
    View,
    check_label,
)
from formcheck.exercises.bridge import BRIDGE
from formcheck.exercises.sldl import SLDL

EXERCISES: dict[str, Exercise] = {SLDL.name: SLDL, BRIDGE.name: BRIDGE}


def get_exercise(name: str) -> Exercise:
    """The exercise called ``name``; an unknown name lists the known ones."""
    try:
        return EXERCISES[name]
    except KeyError:
        known = ", ".join(EXERCISES)
        raise UsageError(f"unknown exercise {name!r}: choose one of {known}") from None


def title_of(name: str) -> str:
    """The human name of an exercise (the name itself for ``other``)."""
    exercise = EXERCISES.get(name)
    return exercise.title if exercise is not None else name


__all__ = ["EXERCISES", "Check", "Cue", "ErrorTable", "Exercise", "Measurement", "Setup",
           "View", "check_label", "get_exercise", "title_of"]
