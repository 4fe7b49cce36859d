"""Clip specs: the small JSON file that describes one rendered clip.

Pure Python (no torch, no anny), so a spec can be checked anywhere. Every problem names the
field, e.g. ``spec.json: sets[0].reps[2].faults[0].code: unknown fault 'sldl.foo'; valid: ...``.

A spec, with its defaults::

    {
      "exercise": "sldl",                  # a plug-in of synth.moves: "sldl" | "bridge"
      "variant": "double",                 # the plug-in's variants (bridge: "single_leg")
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
from pathlib import Path
from typing import Any, NoReturn

from formcheck.devtools.synth.moves import MOVES, Move
from formcheck.devtools.synth.plan import (
    BodySpec,
    CameraSpec,
    ClipSpec,
    ClothingSpec,
    FaultSpec,
    RepSpec,
    SceneSpec,
    SetSpec,
    Tempo,
)
from formcheck.devtools.synth.truth import fault_problem, true_limits
from formcheck.errors import InputError
from formcheck.exercises import EXERCISES as REGISTRY

__all__ = ["BodySpec", "CameraSpec", "ClipSpec", "ClothingSpec", "FaultSpec", "RepSpec",
           "SceneSpec", "SetSpec", "SpecError", "Tempo", "faults", "hex_to_rgb", "load_spec",
           "parse_spec"]

#: Every view a camera can take (each exercise's own are in its plug-in).
VIEWS = ("side", "front", "rear", "oblique", "feet", "head")
SIDES = ("left", "right")
FPS_CHOICES = (24, 30, 60)
MIN_RESOLUTION = (640, 480)
MAX_RESOLUTION = (1280, 720)


def faults() -> dict[str, tuple[str, str, tuple[float, float]]]:
    """Every fault the generator can pose: code -> (exercise, unit, (least, most) magnitude
    a spec may ask for). The codes are a contract with the analyser: exactly the registry's
    strings, for every exercise with a plug-in (:data:`~formcheck.devtools.synth.moves.MOVES`).
    """
    return {code: (name, *move.magnitudes[code])
            for name, move in MOVES.items() for code in REGISTRY[name].fault_codes}


# Default azimuth (deg) of each view, for a camera on the person's left; mirrored for "right".
VIEW_AZIMUTH_DEG = {"front": 0.0, "feet": 0.0, "side": 90.0, "oblique": 45.0, "rear": 180.0,
                    "head": 180.0}

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


class SpecError(InputError):
    """A clip spec that cannot be rendered; the message names the file and the field."""


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


def _read_rep(reader: _Reader, move: Move) -> RepSpec:
    raw_faults = reader.raw("faults", [])
    if not isinstance(raw_faults, list):
        reader.fail("expected a list of {code, magnitude}", "faults")
    known = faults()
    exercise = move.name
    rep_faults: list[FaultSpec] = []
    rushed_s: float | None = None
    for index, raw in enumerate(raw_faults):
        fault_reader = _Reader(reader.source, raw, f"{reader._name('faults')}[{index}]")
        code = fault_reader.raw("code", None)
        if code not in known:
            valid = ", ".join(c for c in known if c.startswith(exercise + "."))
            fault_reader.fail(f"unknown fault {code!r}; valid for {exercise}: {valid}", "code")
        fault_exercise, unit, (lo, hi) = known[code]
        if fault_exercise != exercise:
            fault_reader.fail(f"fault {code!r} is not a {exercise} fault", "code")
        magnitude = fault_reader.number("magnitude", None, lo, hi)
        assert magnitude is not None
        if unit == true_limits(code)[0].unit:  # posed in the unit it is judged in
            problem = fault_problem(code, magnitude)
            if problem is not None:
                fault_reader.fail(problem.replace("true value", "magnitude"), "magnitude")
        fault_reader.done()
        if any(f.code == code for f in rep_faults):
            fault_reader.fail(f"fault {code!r} given twice", "code")
        rep_faults.append(FaultSpec(code=code, magnitude=magnitude, unit=unit))
        if code.endswith(".rushed"):
            rushed_s = magnitude
    posed = tuple(rep_faults)
    base = move.tempo
    if rushed_s is not None:
        # A rushed rep: no hold, the whole motion in the commanded time.
        base = Tempo(down_s=rushed_s * 0.5, hold_s=0.0, up_s=rushed_s * 0.5, pause_s=base.pause_s)
    if move.adjust_tempo is not None:
        base = move.adjust_tempo(base, posed)
    tempo_raw = reader.raw("tempo", None)
    tempo = (
        base
        if tempo_raw is None
        else _read_tempo(_Reader(reader.source, tempo_raw, reader._name("tempo")), base)
    )
    if rushed_s is not None and tempo_raw is not None:
        reader.fail("give either a rushed fault or a tempo, not both", "tempo")
    if move.tempo_problem is not None and (problem := move.tempo_problem(tempo, posed)):
        reader.fail(problem, "tempo")
    reader.done()
    return RepSpec(faults=posed, tempo=tempo)


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
    exercise = root.choice("exercise", None, tuple(MOVES))
    move = MOVES[exercise]
    variant = root.choice("variant", move.variants[0], move.variants)
    working_leg = root.choice("working_leg", "right", SIDES)

    cam = root.child("camera", {})
    view = cam.choice("view", "side", VIEWS)
    if view not in move.views:
        cam.fail(f"{view!r} is not a view of {exercise}; use {', '.join(move.views)}", "view")
    side = cam.choice("side", "left", SIDES)
    default_azimuth = VIEW_AZIMUTH_DEG[view] * (1.0 if side == "left" else -1.0)
    azimuth = cam.number("azimuth_deg", default_azimuth, -360.0, 360.0)
    default_elevation = move.elevation_by_view.get(view, move.elevation_deg)
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
            _read_rep(_Reader(source, raw_rep, f"sets[{set_index}].reps[{rep_index}]"), move)
            for rep_index, raw_rep in enumerate(raw_reps)
        )
        set_reader.done()
        sets.append(SetSpec(reps=reps, rest_before_s=rest))

    for set_spec in sets:
        for rep in set_spec.reps:
            for fault in rep.faults:
                needed = move.needs_variant.get(fault.code)
                if needed is not None and variant != needed:
                    root.fail(f"{fault.code} needs variant {needed!r}", "variant")
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
