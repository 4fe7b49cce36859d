"""The exercises the clip generator can pose: one plug-in module each, and this registry.

A new exercise is a module beside these (a :class:`Move`: its poses, timeline, rep
measurements and faults) and one line below; its fault codes are the analyser's
(``formcheck.exercises.EXERCISES``). ``tests/devtools/synth/squat_move.py`` is a toy one.
"""

from __future__ import annotations

from formcheck.devtools.synth.moves.base import Magnitude, Move, Poser
from formcheck.devtools.synth.moves.bridge import BRIDGE
from formcheck.devtools.synth.moves.sldl import SLDL

#: Exercise name -> its plug-in.
MOVES: dict[str, Move] = {move.name: move for move in (SLDL, BRIDGE)}

__all__ = ["MOVES", "Magnitude", "Move", "Poser"]
