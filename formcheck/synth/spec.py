"""Clip specs: the small JSON file that describes one rendered clip.

Pure Python (no torch, no anny), so a spec can be checked anywhere. Every problem names the
field, e.g. ``spec.json: sets[0].reps[2].faults[0].code: unknown fault 'sldl.foo'; valid: ...``.

A spec, with its defaults::

    {
      "exercise": "sldl",                  # "sldl" | "bridge"
      "variant": "double",                 # bridge only: "double" | "single_leg"
      "working_leg": "right",              # sldl stance leg / single-leg bridge working leg
      "camera": {"view": "side", "side": "left", "azimuth_deg": null,
                 "elevation_deg": null, "distance_m": null, "fov_deg": 45},
      "body": {"gender": 0.5, "age": 0.5, "weight": 0.5, "muscle": 0.5,
               "height": 0.5, "proportions": 0.5},
      "clothing": {"top": "#3a5f9e", "bottom": "#2b2b2b", "shoes": "#e6e6e6",
                   "skin": "#d9a77f", "hair": "#3b2a1e", "sleeves": "short", "legs": "long"},
      "scene": {"floor": "#8c7b68", "wall": "#d8d3c8", "mat": null},
      "fps": 30, "resolution": [640, 480],
      "idle_before_s": 1.0, "idle_after_s": 1.0,
      "sets": [{"rest_before_s": 0.0,
                "reps": [{"faults": []},
                         {"faults": [{"code": "sldl.stance_knee_bend", "magnitude": 65}],
                          "tempo": {"down_s": 1.6, "hold_s": 0.3, "up_s": 1.5, "pause_s": 0.7}}]}]
    }

Camera azimuth is measured about the vertical axis from the direction the person faces
(sldl) or from the feet end (bridge), positive toward the person's left: 0 front/feet,
90 the person's left side, 180 rear/head end, -90 the right side.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from formcheck.errors import InputError
from formcheck.exercises import EXERCISES as REGISTRY
from formcheck.synth.truth import fault_problem, true_limits

#: The exercises the generator can pose (formcheck.synth.motion); their fault codes come
#: from the analyser's registry.
EXERCISES = ("sldl", "bridge")
VARIANTS = ("double", "single_leg")
VIEWS = ("side", "front", "rear", "oblique", "feet", "head")
SIDES = ("left", "right")
FPS_CHOICES = (24, 30, 60)
MIN_RESOLUTION = (640, 480)
MAX_RESOLUTION = (1280, 720)

# How each fault is posed: code -> (unit, (min magnitude, max magnitude) accepted in a
# spec). The unit is the generator's (knees caving is posed in metres of inward travel).
RENDER_MAGNITUDES: dict[str, tuple[str, tuple[float, float]]] = {
    "sldl.stance_knee_bend": ("deg", (25.0, 75.0)),
    "sldl.hip_opening": ("deg", (5.0, 45.0)),
    "sldl.leg_trunk_misalign": ("deg", (5.0, 60.0)),
    "sldl.touch_down": ("s", (0.1, 1.0)),
    "sldl.partial_range": ("deg", (15.0, 60.0)),
    "sldl.knee_valgus": ("deg", (5.0, 30.0)),
    "sldl.rushed": ("s", (0.4, 1.5)),
    "bridge.incomplete_lockout": ("deg", (110.0, 170.0)),
    "bridge.hyperextension": ("deg", (185.0, 220.0)),
    "bridge.pelvic_drop": ("deg", (4.0, 30.0)),
    "bridge.knees_caving": ("m", (0.03, 0.15)),
    "bridge.feet_placement": ("deg", (40.0, 150.0)),
    "bridge.rushed": ("s", (0.4, 1.5)),
}

# The fault codes are a contract with the analyser: exactly the registry's strings.
# code -> (exercise, unit, (min magnitude, max magnitude) accepted in a spec)
FAULTS: dict[str, tuple[str, str, tuple[float, float]]] = {
    code: (name, *RENDER_MAGNITUDES[code])
    for name in EXERCISES
    for code in REGISTRY[name].fault_codes
}

# Default azimuth (deg) of each view, for a camera on the person's left; mirrored for "right".
VIEW_AZIMUTH_DEG = {"front": 0.0, "feet": 0.0, "side": 90.0, "oblique": 45.0, "rear": 180.0,
                    "head": 180.0}

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


class SpecError(InputError):
    """A clip spec that cannot be rendered; the message names the file and the field."""


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


DEFAULT_TEMPO = {
    "sldl": Tempo(down_s=1.7, hold_s=0.25, up_s=1.6, pause_s=0.8),
    "bridge": Tempo(down_s=1.0, hold_s=0.7, up_s=1.3, pause_s=0.8),
}


@dataclass(frozen=True)
class FaultSpec:
    """One commanded fault: its code and magnitude in the code's unit."""

    code: str
    magnitude: float

    @property
    def unit(self) -> str:
        return FAULTS[self.code][1]


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


class _Reader:
    """Reads one JSON object, tracking the field path for messages."""

    def __init__(self, source: str, data: Any, where: str = "") -> None:
        self.source = source
        self.where = where
        if not isinstance(data, dict):
            self.fail(f"expected an object, got {type(data).__name__}")
        self.data: dict[str, Any] = data
        self.seen: set[str] = set()

    def fail(self, message: str, key: str | None = None) -> NoReturn:
        name = self._name(key)
        raise SpecError(
            f"{self.source}: {name}: {message}" if name else f"{self.source}: {message}"
        )

    def _name(self, key: str | None) -> str:
        if key is None:
            return self.where
        return f"{self.where}.{key}" if self.where else key

    def child(self, key: str, default: Any) -> _Reader:
        self.seen.add(key)
        value = self.data.get(key, default)
        return _Reader(self.source, value, self._name(key))

    def raw(self, key: str, default: Any) -> Any:
        self.seen.add(key)
        return self.data.get(key, default)

    def number(
        self, key: str, default: float | None, lo: float, hi: float, allow_none: bool = False
    ) -> float | None:
        self.seen.add(key)
        value = self.data.get(key, default)
        if value is None:
            if allow_none:
                return None
            self.fail("is required (a number)", key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"expected a number, got {value!r}", key)
        if not lo <= float(value) <= hi:
            self.fail(f"{value} is out of range [{lo:g}, {hi:g}]", key)
        return float(value)

    def choice(self, key: str, default: str | None, choices: tuple[str, ...]) -> str:
        self.seen.add(key)
        value = self.data.get(key, default)
        if value not in choices:
            self.fail(f"{value!r} is not one of {', '.join(choices)}", key)
        return str(value)

    def colour(self, key: str, default: str | None, allow_none: bool = False) -> str | None:
        self.seen.add(key)
        value = self.data.get(key, default)
        if value is None and allow_none:
            return None
        if not isinstance(value, str) or not _HEX.match(value):
            self.fail(f"expected a colour '#rrggbb', got {value!r}", key)
        return str(value)

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            self.fail(
                f"unknown field(s) {', '.join(unknown)}; valid: {', '.join(sorted(self.seen))}"
            )


def _read_tempo(reader: _Reader, base: Tempo) -> Tempo:
    values = {}
    for key in ("down_s", "hold_s", "up_s", "pause_s"):
        lo = 0.0 if key in ("hold_s", "pause_s") else 0.15
        number = reader.number(key, getattr(base, key), lo, 30.0)
        assert number is not None
        values[key] = number
    reader.done()
    return Tempo(**values)


def _read_rep(reader: _Reader, exercise: str) -> RepSpec:
    raw_faults = reader.raw("faults", [])
    if not isinstance(raw_faults, list):
        reader.fail("expected a list of {code, magnitude}", "faults")
    faults: list[FaultSpec] = []
    rushed_s: float | None = None
    for index, raw in enumerate(raw_faults):
        fault_reader = _Reader(reader.source, raw, f"{reader._name('faults')}[{index}]")
        code = fault_reader.raw("code", None)
        if code not in FAULTS:
            valid = ", ".join(c for c in FAULTS if c.startswith(exercise + "."))
            fault_reader.fail(f"unknown fault {code!r}; valid for {exercise}: {valid}", "code")
        fault_exercise, unit, (lo, hi) = FAULTS[code]
        if fault_exercise != exercise:
            fault_reader.fail(f"fault {code!r} is not a {exercise} fault", "code")
        magnitude = fault_reader.number("magnitude", None, lo, hi)
        assert magnitude is not None
        if unit == true_limits(code)[0].unit:  # posed in the unit it is judged in
            problem = fault_problem(code, magnitude)
            if problem is not None:
                fault_reader.fail(problem.replace("true value", "magnitude"), "magnitude")
        fault_reader.done()
        if any(f.code == code for f in faults):
            fault_reader.fail(f"fault {code!r} given twice", "code")
        faults.append(FaultSpec(code=code, magnitude=magnitude))
        if code.endswith(".rushed"):
            rushed_s = magnitude
    base = DEFAULT_TEMPO[exercise]
    if rushed_s is not None:
        # A rushed rep: no hold, the whole motion in the commanded time.
        base = Tempo(down_s=rushed_s * 0.5, hold_s=0.0, up_s=rushed_s * 0.5, pause_s=base.pause_s)
    touch = next((f for f in faults if f.code == "sldl.touch_down"), None)
    if touch is not None:
        # The free foot touches down at the bottom: the hold becomes the touch.
        base = Tempo(
            down_s=base.down_s,
            hold_s=base.hold_s + touch.magnitude + 0.8,
            up_s=base.up_s,
            pause_s=base.pause_s,
        )
    tempo_raw = reader.raw("tempo", None)
    tempo = (
        base
        if tempo_raw is None
        else _read_tempo(_Reader(reader.source, tempo_raw, reader._name("tempo")), base)
    )
    if rushed_s is not None and tempo_raw is not None:
        reader.fail("give either a rushed fault or a tempo, not both", "tempo")
    if touch is not None and tempo.hold_s < touch.magnitude + 0.6:
        reader.fail(f"hold_s must be at least touch duration + 0.6 s for {touch.code}", "tempo")
    reader.done()
    return RepSpec(faults=tuple(faults), tempo=tempo)


def parse_spec(data: Any, source: str = "<spec>", path: Path | None = None) -> ClipSpec:
    """Validate a spec already loaded from JSON.

    Args:
        data: the decoded JSON object.
        source: name used in messages (usually the file name).
        path: the file it came from, kept in the result.

    Raises:
        SpecError: naming the first bad field.
    """
    root = _Reader(source, data)
    exercise = root.choice("exercise", None, EXERCISES)
    variant = root.choice("variant", "double", VARIANTS)
    if exercise == "sldl" and variant != "double":
        root.fail("only bridges have a single_leg variant; leave it out for sldl", "variant")
    working_leg = root.choice("working_leg", "right", SIDES)

    cam = root.child("camera", {})
    view = cam.choice("view", "side", VIEWS)
    if view == "feet" and exercise != "bridge":
        cam.fail("'feet' is a bridge view; use front/rear/side/oblique for sldl", "view")
    if view == "head" and exercise != "bridge":
        cam.fail("'head' is a bridge view (the head end); use rear for sldl", "view")
    if view in ("front", "rear") and exercise == "bridge":
        cam.fail("for a bridge use 'feet' or 'head' (its ends) rather than front or rear", "view")
    side = cam.choice("side", "left", SIDES)
    default_azimuth = VIEW_AZIMUTH_DEG[view] * (1.0 if side == "left" else -1.0)
    azimuth = cam.number("azimuth_deg", default_azimuth, -360.0, 360.0)
    default_elevation = 8.0 if exercise == "sldl" else 22.0
    if view == "oblique" and exercise == "bridge":
        default_elevation = 28.0
    elevation = cam.number("elevation_deg", default_elevation, -10.0, 80.0)
    distance = cam.number("distance_m", None, 1.0, 15.0, allow_none=True)
    fov = cam.number("fov_deg", 45.0, 20.0, 90.0)
    cam.done()
    assert azimuth is not None and elevation is not None and fov is not None
    camera = CameraSpec(view, side, azimuth, elevation, distance, fov)

    body_reader = root.child("body", {})
    body_values = {}
    for key in ("gender", "age", "weight", "muscle", "height", "proportions"):
        value = body_reader.number(key, 0.5, 0.0, 1.0)
        assert value is not None
        body_values[key] = value
    body_reader.done()
    body = BodySpec(**body_values)

    cloth = root.child("clothing", {})
    defaults = ClothingSpec()
    clothing = ClothingSpec(
        top=str(cloth.colour("top", defaults.top)),
        bottom=str(cloth.colour("bottom", defaults.bottom)),
        shoes=str(cloth.colour("shoes", defaults.shoes)),
        skin=str(cloth.colour("skin", defaults.skin)),
        hair=str(cloth.colour("hair", defaults.hair)),
        sleeves=cloth.choice("sleeves", defaults.sleeves, ("short", "long", "none")),
        legs=cloth.choice("legs", defaults.legs, ("long", "shorts")),
    )
    cloth.done()

    scene_reader = root.child("scene", {})
    scene_defaults = SceneSpec()
    scene = SceneSpec(
        floor=str(scene_reader.colour("floor", scene_defaults.floor)),
        wall=str(scene_reader.colour("wall", scene_defaults.wall)),
        mat=scene_reader.colour("mat", None, allow_none=True),
    )
    scene_reader.done()

    fps_value = root.raw("fps", 30)
    if fps_value not in FPS_CHOICES or isinstance(fps_value, bool):
        root.fail(f"{fps_value!r} is not one of {', '.join(map(str, FPS_CHOICES))}", "fps")
    resolution = root.raw("resolution", [640, 480])
    if (
        not isinstance(resolution, list)
        or len(resolution) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in resolution)
    ):
        root.fail(f"expected [width, height] in pixels, got {resolution!r}", "resolution")
    width, height = resolution
    if not (
        MIN_RESOLUTION[0] <= width <= MAX_RESOLUTION[0]
        and MIN_RESOLUTION[1] <= height <= MAX_RESOLUTION[1]
    ):
        root.fail(
            f"{width}x{height} is outside {MIN_RESOLUTION[0]}x{MIN_RESOLUTION[1]}"
            f"..{MAX_RESOLUTION[0]}x{MAX_RESOLUTION[1]}",
            "resolution",
        )
    if width % 2 or height % 2:
        root.fail(f"{width}x{height}: both must be even for yuv420p", "resolution")

    idle_before = root.number("idle_before_s", 1.0, 0.0, 30.0)
    idle_after = root.number("idle_after_s", 1.0, 0.0, 30.0)
    assert idle_before is not None and idle_after is not None

    raw_sets = root.raw("sets", None)
    if not isinstance(raw_sets, list) or not raw_sets:
        root.fail("expected a non-empty list of sets, each {rest_before_s, reps: [...]}", "sets")
    sets = []
    for set_index, raw_set in enumerate(raw_sets):
        set_reader = _Reader(source, raw_set, f"sets[{set_index}]")
        rest = set_reader.number("rest_before_s", 0.0, 0.0, 120.0)
        assert rest is not None
        if set_index == 0 and rest > 0:
            set_reader.fail(
                "the first set has no rest before it; use idle_before_s", "rest_before_s"
            )
        if set_index > 0 and rest < 2.0:
            set_reader.fail("a rest between sets must be at least 2 s", "rest_before_s")
        raw_reps = set_reader.raw("reps", None)
        if not isinstance(raw_reps, list) or not raw_reps:
            set_reader.fail('expected a non-empty list of reps, e.g. [{"faults": []}]', "reps")
        reps = tuple(
            _read_rep(_Reader(source, raw_rep, f"sets[{set_index}].reps[{rep_index}]"), exercise)
            for rep_index, raw_rep in enumerate(raw_reps)
        )
        set_reader.done()
        sets.append(SetSpec(reps=reps, rest_before_s=rest))

    for set_spec in sets:
        for rep in set_spec.reps:
            for fault in rep.faults:
                if fault.code == "bridge.pelvic_drop" and variant != "single_leg":
                    root.fail("bridge.pelvic_drop needs variant 'single_leg'", "variant")
    root.done()
    return ClipSpec(
        exercise=exercise,
        variant=variant,
        working_leg=working_leg,
        camera=camera,
        body=body,
        clothing=clothing,
        scene=scene,
        fps=int(fps_value),
        width=width,
        height=height,
        idle_before_s=idle_before,
        idle_after_s=idle_after,
        sets=tuple(sets),
        path=path,
    )


def load_spec(path: Path) -> ClipSpec:
    """Read and validate a spec file.

    Raises:
        SpecError: the file is missing, is not JSON, or has a bad field (named).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read the spec ({exc.strerror})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    return parse_spec(data, source=str(path), path=path)


def hex_to_rgb(colour: str) -> tuple[float, float, float]:
    """'#rrggbb' -> (r, g, b) in [0, 1]."""
    if not _HEX.match(colour):
        raise ValueError(f"expected '#rrggbb', got {colour!r}")
    r, g, b = (int(colour[i : i + 2], 16) / 255.0 for i in (1, 3, 5))
    return (r, g, b)
