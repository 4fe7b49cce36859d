"""What an exercise plug-in of the clip generator declares: :class:`Move`.

A plug-in is one module beside this one (``sldl.py``, ``bridge.py``) and one line of the
registry (``moves/__init__.py``). It holds everything the generator knows of its exercise:
the faults it can pose and in what range, the default tempo, the views it is filmed from,
its poses, its timeline, how its reps are measured on the posed keypoints, and the bounds
a good rep's truth must stay inside. The rest of the generator (spec, truth, clip) reads
these fields and never names an exercise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from formcheck.devtools.synth.body import Body, Posed
from formcheck.devtools.synth.plan import ClipSpec, FaultSpec, Tempo
from formcheck.devtools.synth.pose import Rig
from formcheck.devtools.synth.timing import Timeline

#: A fault as a spec may ask for it: (the unit it is posed in, (least, most) magnitude).
Magnitude = tuple[str, tuple[float, float]]


class Poser(Protocol):
    """Poses one rig from one frame's parameters (a plug-in's own parameter type)."""

    rig: Rig

    def __call__(self, params: Any, /) -> Posed: ...


#: Builds the timeline of a clip: (spec, poser, body, random generator) -> timeline.
TimelineBuilder = Callable[[ClipSpec, Any, Body, np.random.Generator], Timeline]
#: Measures one rep on the posed keypoints: (spec, rig, keypoints (frames, K, 3), start
#: frame, end frame, fps) -> (measured values by name, measured magnitude by fault code).
RepMeasurer = Callable[[ClipSpec, Rig, np.ndarray, int, int, int],
                       tuple[dict[str, float], dict[str, float]]]


@dataclass(frozen=True)
class Move:
    """An exercise as the clip generator poses it.

    Attributes:
        name: The analyser's exercise name (``formcheck.exercises.EXERCISES``); the fault
            codes it poses are that exercise's codes.
        magnitudes: Fault code -> (unit, (least, most)): how each fault is posed and the
            magnitudes a spec may ask for.
        tempo: The default tempo of a good rep.
        views: The views a spec may film it from.
        elevation_deg: Default camera elevation, degrees.
        elevation_by_view: View -> default elevation, where it differs.
        variants: Its variants (the first is the default).
        needs_variant: Fault code -> the variant it can be posed in.
        poser: Rig -> its poser.
        timeline: Builds a clip's timeline.
        measure_rep: Measures one rep's truth on the posed keypoints.
        good_bounds: Measured value -> (low, high): the bounds a good rep's truth stays in.
        not_on_one_leg: Good bounds that mean nothing on one leg (skipped there).
        true_limits: Fault code -> (true limit, source), where the label's true limit is not
            the analyser's limit on the picture.
        label_units: Fault code -> the unit its label is measured in, where it is not the
            unit it is posed in.
        on_mat: It is done lying on an exercise mat (drawn when the scene has one).
        adjust_tempo: (base tempo, faults) -> the tempo a rep with these faults needs, or
            None to keep the base.
        tempo_problem: (tempo, faults) -> why a spec's tempo cannot pose these faults, or None.
    """

    name: str
    magnitudes: Mapping[str, Magnitude]
    tempo: Tempo
    views: tuple[str, ...]
    elevation_deg: float
    poser: Callable[[Rig], Poser]
    timeline: TimelineBuilder
    measure_rep: RepMeasurer
    good_bounds: Mapping[str, tuple[float, float]]
    elevation_by_view: Mapping[str, float] = field(default_factory=dict)
    variants: tuple[str, ...] = ("double",)
    needs_variant: Mapping[str, str] = field(default_factory=dict)
    not_on_one_leg: tuple[str, ...] = ()
    true_limits: Mapping[str, tuple[float, str]] = field(default_factory=dict)
    label_units: Mapping[str, str] = field(default_factory=dict)
    on_mat: bool = False
    adjust_tempo: Callable[[Tempo, tuple[FaultSpec, ...]], Tempo] | None = None
    tempo_problem: Callable[[Tempo, tuple[FaultSpec, ...]], str | None] | None = None
