"""A clip's timeline: a pose for every frame, and where each rep and set starts and ends.

An exercise plug-in (:mod:`formcheck.devtools.synth.moves`) builds it; the renderer poses,
skins and draws it frame by frame and labels the reps from it.

All times are whole frames: a rep's ``start_frame`` is the last still frame before its motion,
``end_frame`` the first still frame after it, so start_s = start_frame / fps exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from formcheck.devtools.synth.plan import RepSpec, SetSpec


@dataclass(frozen=True)
class RepTiming:
    """Where one rep lies in the clip (frames)."""

    index: int
    set_index: int
    start_frame: int
    end_frame: int
    hold_start_frame: int
    hold_end_frame: int
    rep: RepSpec


@dataclass(frozen=True)
class SetTiming:
    """Where one set lies in the clip (frames), and the rest before it (seconds)."""

    index: int
    start_frame: int
    end_frame: int
    rest_before_s: float


@dataclass(frozen=True)
class Timeline:
    """Per-frame pose parameters of a whole clip (the plug-in's own parameter type)."""

    fps: int
    params: tuple[Any, ...]
    reps: tuple[RepTiming, ...]
    sets: tuple[SetTiming, ...]

    @property
    def n_frames(self) -> int:
        return len(self.params)


def frames(seconds: float, fps: int) -> int:
    """Whole frames of ``seconds`` at ``fps``, at least one."""
    return max(1, round(seconds * fps))


def set_timing(set_index: int, set_spec: SetSpec, reps: list[RepTiming]) -> SetTiming:
    """The timing of the set just built: from its first rep's start to its last rep's end."""
    return SetTiming(set_index + 1, reps[-len(set_spec.reps)].start_frame,
                     reps[-1].end_frame, set_spec.rest_before_s)
