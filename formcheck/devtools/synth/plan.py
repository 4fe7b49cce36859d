"""What a clip spec asks for, as typed values: the reps, sets, camera, body, clothing and
scene. Validation lives in :mod:`formcheck.devtools.synth.spec`; these types are below it so
that the exercise plug-ins (:mod:`formcheck.devtools.synth.moves`) can read a spec without
importing the parser that lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Tempo:
    """Durations of one rep's phases, seconds.

    ``down_s`` is the descent (sldl) or the lift (bridge), ``hold_s`` the pause at the end
    range (sldl bottom, bridge top), ``up_s`` the return, ``pause_s`` the still time after the
    rep before the next one (not part of the rep).
    """

    down_s: float
    hold_s: float
    up_s: float
    pause_s: float

    @property
    def rep_s(self) -> float:
        return self.down_s + self.hold_s + self.up_s




@dataclass(frozen=True)
class FaultSpec:
    """One commanded fault: its code, and its magnitude in ``unit`` (the unit it is posed in)."""

    code: str
    magnitude: float
    unit: str


@dataclass(frozen=True)
class RepSpec:
    """One rep: its faults (empty for a good rep) and its tempo."""

    faults: tuple[FaultSpec, ...]
    tempo: Tempo

    def fault(self, code: str) -> FaultSpec | None:
        for fault in self.faults:
            if fault.code == code:
                return fault
        return None


@dataclass(frozen=True)
class SetSpec:
    """One set: its reps and the still rest before it, seconds (0 for the first set)."""

    reps: tuple[RepSpec, ...]
    rest_before_s: float


@dataclass(frozen=True)
class CameraSpec:
    """Camera placement around the person; angles in degrees, distance in metres."""

    view: str
    side: str
    azimuth_deg: float
    elevation_deg: float
    distance_m: float | None
    fov_deg: float


@dataclass(frozen=True)
class BodySpec:
    """anny phenotype parameters, each in [0, 1] (gender 1.0 female, 0.0 male)."""

    gender: float = 0.5
    age: float = 0.5
    weight: float = 0.5
    muscle: float = 0.5
    height: float = 0.5
    proportions: float = 0.5

    def as_kwargs(self) -> dict[str, float]:
        return {
            "gender": self.gender,
            "age": self.age,
            "weight": self.weight,
            "muscle": self.muscle,
            "height": self.height,
            "proportions": self.proportions,
        }


@dataclass(frozen=True)
class ClothingSpec:
    """Colours as '#rrggbb'; sleeves 'short'|'long'|'none', legs 'long'|'shorts'."""

    top: str = "#3a5f9e"
    bottom: str = "#2b2b2b"
    shoes: str = "#e6e6e6"
    skin: str = "#d9a77f"
    hair: str = "#3b2a1e"
    sleeves: str = "short"
    legs: str = "long"


@dataclass(frozen=True)
class SceneSpec:
    """Background colours as '#rrggbb'; ``mat`` is an exercise mat under a bridge, or None."""

    floor: str = "#8c7b68"
    wall: str = "#d8d3c8"
    mat: str | None = None


@dataclass(frozen=True)
class ClipSpec:
    """A validated clip spec. ``path`` is where it was read from (None when built in code)."""

    exercise: str
    variant: str
    working_leg: str
    camera: CameraSpec
    body: BodySpec
    clothing: ClothingSpec
    scene: SceneSpec
    fps: int
    width: int
    height: int
    idle_before_s: float
    idle_after_s: float
    sets: tuple[SetSpec, ...]
    path: Path | None = field(default=None, compare=False)

    @property
    def free_leg(self) -> str:
        return "left" if self.working_leg == "right" else "right"
