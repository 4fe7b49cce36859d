"""The exercises formcheck grades. A new exercise is a new module and one line here."""

from __future__ import annotations

from formcheck.errors import UsageError
from formcheck.exercises.base import Check, Exercise, Measurement, Setup, View
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


__all__ = ["EXERCISES", "Check", "Exercise", "Measurement", "Setup", "View", "get_exercise"]
