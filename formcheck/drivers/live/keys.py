"""The live window's keys: ``q`` (or Esc) quits, ``r`` starts a new set, space pauses."""

from __future__ import annotations

from enum import StrEnum

ESCAPE = 27


class KeyAction(StrEnum):
    """What a key asks for."""

    QUIT = "quit"
    NEW_SET = "new set"
    PAUSE = "pause or resume"


def action_of(key: int) -> KeyAction | None:
    """The action of the key code a window returned (negative: no key), or None."""
    if key < 0:
        return None
    if key == ESCAPE:
        return KeyAction.QUIT
    return {"q": KeyAction.QUIT, "r": KeyAction.NEW_SET, " ": KeyAction.PAUSE}.get(
        chr(key).lower())
