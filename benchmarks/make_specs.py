"""Write the benchmark clip specs to benchmarks/specs/ (deterministic; re-run to regenerate).

Every fault code appears at least three times in a view where it is visible, and a few
times in a view where it is not (so an analyser that reports it there is caught). Clips are
short (3-4 reps, 640x480, 24 fps) so the whole set renders in about half an hour on 2 cores.

    python benchmarks/make_specs.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from formcheck.devtools.synth.spec import VIEW_AZIMUTH_DEG

SPEC_DIR = Path(__file__).resolve().parent / "specs"
#: The first held-out part (seed 20261130). It was looked at while tuning issue 13, so it is
#: kept only as a regression check; it is no longer held out.
HOLDOUT_DIR = SPEC_DIR / "holdout"
#: The second held-out part (seed 20261203, cameras jittered): scored once to report, then
#: looked at, so no longer held out either.
HOLDOUT2_DIR = SPEC_DIR / "holdout2"
#: The third held-out part (seed 20261230, cameras jittered), drawn once the second had been
#: looked at: rendered and scored only to report, never to tune.
HOLDOUT3_DIR = SPEC_DIR / "holdout3"
#: The fourth held-out part (seed 20261202, cameras jittered), drawn at the start of the
#: frame-rate work (issue 26), once the third had been looked at: rendered and scored only
#: to report, at every analysis rate, at the end.
HOLDOUT4_DIR = SPEC_DIR / "holdout4"
#: The fifth held-out part (seed 20261205, cameras jittered), drawn at the start of the
#: measurement-margin work (issue 21), once the fourth had been looked at: rendered and
#: scored only to report, once, at the end.
HOLDOUT5_DIR = SPEC_DIR / "holdout5"
#: How far the fresh held-out cameras stray from each view's usual place, in degrees
#: (azimuth, elevation): a phone is never put down exactly side-on or at one height.
CAMERA_JITTER_DEG = (10.0, 6.0)

TOPS = ["#3a5f9e", "#c0503a", "#2f7d4f", "#7a2e2e", "#d8a531", "#8e4f9e", "#2c8c8c", "#e0e0e0",
        "#556b2f", "#e07b39", "#4a69bd", "#222222"]  # fmt: skip
BOTTOMS = ["#2b2b2b", "#1f2f4a", "#3b3b44", "#262626", "#4a3b5c", "#1e3d6b", "#333333", "#5a4632"]
SKINS = ["#f1c9a5", "#e0b48f", "#d9a77f", "#c48a64", "#a86f4c", "#8d5a3b", "#6b4430"]
HAIRS = ["#1a1410", "#3b2a1e", "#6b4a2b", "#c9a35b", "#9a9a9a", "#101010"]
FLOORS = ["#8c7b68", "#6e6a60", "#9a8a74", "#7b8794", "#a08f7a", "#b3a38c", "#6f7b80", "#8f8577"]
WALLS = ["#d8d3c8", "#c9ccd1", "#e3e0d8", "#e8e4da", "#cfd8d3", "#d5d9de", "#e6e1d6", "#bfc6cc"]
MATS = [None, "#3d6e8f", "#7a3344", "#5b8a3c", "#2a6f5f", "#444444"]

# Render ranges of each fault's magnitude: every value clears the fault's limit by the
# margin that formcheck.devtools.synth.truth asks of a label (a fault is a clear fault).
RANGES = {
    "sldl.stance_knee_bend": (62.0, 72.0),
    "sldl.hip_opening": (25.0, 35.0),
    "sldl.leg_trunk_misalign": (37.0, 48.0),
    "sldl.touch_down": (0.3, 0.5),
    "sldl.partial_range": (25.0, 38.0),
    # Posed valgus lands up to 2 degrees under the command (a rear holdout clip asked for
    # 16.8 measured 14.8): ask for enough to clear 10 + 5 on the measured truth.
    "sldl.knee_valgus": (19.0, 25.0),
    "sldl.rushed": (0.6, 0.8),
    # Lying with the hips down the shoulder-hip-knee angle is already 128-136 deg on these
    # bodies, so a 135-145 deg "top" barely lifts the hips (1-3 cm): render 147-153 instead.
    "bridge.incomplete_lockout": (147.0, 153.0),
    "bridge.hyperextension": (202.0, 210.0),
    "bridge.pelvic_drop": (21.0, 27.0),
    "bridge.knees_caving": (0.08, 0.09),
    "bridge.feet_placement": (132.0, 142.0),
    "bridge.rushed": (0.5, 0.65),
}
FEET_TOO_CLOSE = (40.0, 44.0)


def _spec(
    rng: random.Random,
    exercise: str,
    camera: dict[str, Any],
    faults: list[str | None],
    variant: str = "double",
    working_leg: str | None = None,
    too_close: bool = False,
) -> dict[str, Any]:
    reps: list[dict[str, Any]] = []
    for code in faults:
        if code is None:
            reps.append({"faults": []})
            continue
        lo, hi = FEET_TOO_CLOSE if (too_close and code == "bridge.feet_placement") else RANGES[code]
        magnitude = round(rng.uniform(lo, hi), 3 if hi < 1 else 1)
        reps.append({"faults": [{"code": code, "magnitude": magnitude}]})
    spec: dict[str, Any] = {"exercise": exercise}
    if exercise == "bridge":
        spec["variant"] = variant
    spec["working_leg"] = working_leg or rng.choice(["left", "right"])
    spec["camera"] = camera
    spec["body"] = {
        "gender": rng.choice([0.0, 0.15, 0.85, 1.0]),
        "age": round(rng.uniform(0.25, 0.7), 2),
        "weight": round(rng.uniform(0.3, 0.75), 2),
        "muscle": round(rng.uniform(0.3, 0.75), 2),
        "height": round(rng.uniform(0.3, 0.7), 2),
        "proportions": round(rng.uniform(0.4, 0.6), 2),
    }
    spec["clothing"] = {
        "top": rng.choice(TOPS),
        "bottom": rng.choice(BOTTOMS),
        "shoes": rng.choice(["#eeeeee", "#222222", "#b03030", "#dddddd"]),
        "skin": rng.choice(SKINS),
        "hair": rng.choice(HAIRS),
        "sleeves": rng.choice(["short", "short", "long", "none"]),
        "legs": rng.choice(["long", "long", "shorts"]),
    }
    scene: dict[str, Any] = {"floor": rng.choice(FLOORS), "wall": rng.choice(WALLS)}
    if exercise == "bridge":
        scene["mat"] = rng.choice(MATS)
    spec["scene"] = scene
    spec["fps"] = 24
    spec["resolution"] = [640, 480]
    spec["idle_before_s"] = 0.6
    spec["idle_after_s"] = 0.6
    spec["sets"] = [{"reps": reps}]
    return spec


def _cam(view: str, side: str = "left", **extra: float) -> dict[str, Any]:
    camera: dict[str, Any] = {"view": view, "side": side}
    camera.update(extra)
    return camera


def build() -> dict[str, dict[str, Any]]:
    """name -> spec for every benchmark clip."""
    rng = random.Random(20261124)
    clips: dict[str, dict[str, Any]] = {}

    def add(name: str, *args: Any, **kwargs: Any) -> None:
        clips[name] = _spec(rng, *args, **kwargs)

    s = "sldl"
    # Visible views, three each.
    for code, views in {
        "stance_knee_bend": [_cam("side", "left"), _cam("side", "right"), _cam("oblique", "left")],
        "leg_trunk_misalign": [
            _cam("side", "right"),
            _cam("side", "left"),
            _cam("oblique", "right"),
        ],
        "touch_down": [_cam("side", "left"), _cam("side", "right"), _cam("oblique", "left")],
        "partial_range": [_cam("side", "right"), _cam("oblique", "right"), _cam("side", "left")],
        "rushed": [_cam("side", "left"), _cam("side", "right"), _cam("rear")],
        "hip_opening": [
            _cam("rear"),
            _cam("rear", elevation_deg=15.0),
            _cam("oblique", "left", azimuth_deg=150.0),
        ],
        "knee_valgus": [
            _cam("rear"),
            _cam("rear", elevation_deg=4.0),
            _cam("rear", distance_m=3.2),
        ],
    }.items():
        for n, camera in enumerate(views, start=1):
            pattern: list[str | None] = [[None, f"{s}.{code}", f"{s}.{code}"],
                                         [None, None, f"{s}.{code}"],
                                         [f"{s}.{code}", None, None]][n - 1]  # fmt: skip
            add(f"sldl_{code}_{camera['view']}_{n}", s, camera, pattern)
    add("sldl_good_side_1", s, _cam("side", "left"), [None, None, None, None])
    add("sldl_good_rear_1", s, _cam("rear"), [None, None, None])
    add("sldl_good_oblique_1", s, _cam("oblique", "right"), [None, None, None])
    # Faults in views where they cannot be seen.
    add("sldl_hip_opening_side_hidden", s, _cam("side", "left"), [None, "sldl.hip_opening", None])
    add("sldl_knee_valgus_side_hidden", s, _cam("side", "right"), [None, "sldl.knee_valgus", None])
    add("sldl_leg_trunk_misalign_front", s, _cam("front"), [None, "sldl.leg_trunk_misalign", None])
    add("sldl_stance_knee_bend_front", s, _cam("front"), [None, "sldl.stance_knee_bend", None])

    b = "bridge"
    for code, views in {
        "incomplete_lockout": [
            _cam("side", "left"),
            _cam("side", "right"),
            _cam("oblique", "left"),
        ],
        "hyperextension": [_cam("side", "right"), _cam("side", "left"), _cam("oblique", "right")],
        "feet_placement": [
            _cam("side", "left"),
            _cam("side", "right"),
            _cam("side", "left", elevation_deg=12.0),
        ],
        "knees_caving": [
            _cam("feet"),
            _cam("feet", elevation_deg=30.0),
            _cam("feet", distance_m=3.0),
        ],
        "rushed": [_cam("side", "left"), _cam("side", "right"), _cam("oblique", "left")],
    }.items():
        for n, camera in enumerate(views, start=1):
            pattern = [[None, f"{b}.{code}", f"{b}.{code}"],
                       [None, None, f"{b}.{code}"],
                       [f"{b}.{code}", None, None]][n - 1]  # fmt: skip
            add(
                f"bridge_{code}_{camera['view']}_{n}",
                b,
                camera,
                pattern,
                too_close=(code == "feet_placement" and n == 2),
            )
    # Pelvic drop: single-leg bridges from an oblique view on the free-leg side.
    for n, working in enumerate(["right", "left", "right"], start=1):
        free_side = "left" if working == "right" else "right"
        pattern = [[None, "bridge.pelvic_drop", "bridge.pelvic_drop"],
                   [None, None, "bridge.pelvic_drop"],
                   ["bridge.pelvic_drop", None, None]][n - 1]  # fmt: skip
        add(
            f"bridge_pelvic_drop_oblique_{n}",
            b,
            _cam("oblique", free_side),
            pattern,
            variant="single_leg",
            working_leg=working,
        )
    add("bridge_good_side_1", b, _cam("side", "right"), [None, None, None, None])
    add("bridge_good_feet_1", b, _cam("feet"), [None, None, None])
    add(
        "bridge_single_leg_good_side_1",
        b,
        _cam("side", "left"),
        [None, None, None],
        variant="single_leg",
    )
    add(
        "bridge_single_leg_lockout_side_1",
        b,
        _cam("side", "right"),
        [None, "bridge.incomplete_lockout", None],
        variant="single_leg",
    )
    # Faults in views where they cannot be seen.
    add(
        "bridge_knees_caving_side_hidden",
        b,
        _cam("side", "left"),
        [None, "bridge.knees_caving", None],
    )
    add(
        "bridge_pelvic_drop_feet_hidden",
        b,
        _cam("feet"),
        [None, "bridge.pelvic_drop", None],
        variant="single_leg",
        working_leg="right",
    )
    add(
        "bridge_pelvic_drop_side_hidden",
        b,
        _cam("side", "right"),
        [None, "bridge.pelvic_drop", None],
        variant="single_leg",
        working_leg="right",
    )
    # Views added for recognition from every side (issue 13).
    add("sldl_good_front_1", s, _cam("front"), [None, None, None])
    add("bridge_good_head_1", b, _cam("head"), [None, None, None])
    add("bridge_rushed_head_1", b, _cam("head"), [None, None, "bridge.rushed"])
    return clips


# Each fault code in every view class that shows it, good clips in every view, and faults
# in views that hide them: code -> views. Patterns rotate through the three below.
HOLDOUT_SLDL = {
    "stance_knee_bend": [_cam("side", "right"), _cam("oblique", "left"), _cam("front")],
    "leg_trunk_misalign": [_cam("side", "left"), _cam("oblique", "right")],
    "touch_down": [_cam("side", "right"), _cam("oblique", "right")],
    "partial_range": [_cam("side", "left"), _cam("oblique", "left")],
    "rushed": [_cam("side", "right"), _cam("rear"), _cam("front")],
    "hip_opening": [_cam("rear"), _cam("rear", elevation_deg=20.0), _cam("side", "right")],
    "knee_valgus": [_cam("rear"), _cam("rear", distance_m=3.0)],
}
HOLDOUT_BRIDGE = {
    "incomplete_lockout": [_cam("side", "right"), _cam("oblique", "right"), _cam("head")],
    "hyperextension": [_cam("side", "left"), _cam("oblique", "left")],
    "feet_placement": [_cam("side", "right"), _cam("oblique", "right")],
    "knees_caving": [_cam("feet"), _cam("feet", elevation_deg=35.0), _cam("head")],
    "rushed": [_cam("side", "left"), _cam("feet"), _cam("head")],
}
PATTERNS = (
    lambda c: [None, c, c],
    lambda c: [None, None, c],
    lambda c: [c, None, None],
)


def _jittered(rng: random.Random, exercise: str, camera: dict[str, Any]) -> dict[str, Any]:
    """``camera`` moved by up to CAMERA_JITTER_DEG from its view's default place."""
    view, side = camera["view"], camera["side"]
    azimuth = VIEW_AZIMUTH_DEG[view] * (1.0 if side == "left" else -1.0)
    elevation = 8.0 if exercise == "sldl" else (28.0 if view == "oblique" else 22.0)
    jitter_azimuth, jitter_elevation = CAMERA_JITTER_DEG
    moved = dict(camera)
    moved.setdefault("azimuth_deg", round(azimuth + rng.uniform(-1, 1) * jitter_azimuth, 1))
    moved.setdefault("elevation_deg",
                     round(max(2.0, elevation + rng.uniform(-1, 1) * jitter_elevation), 1))
    return moved


def build_holdout(seed: int = 20261130, jitter: bool = False) -> dict[str, dict[str, Any]]:
    """name -> spec for held-out clips: never looked at while tuning the analyser.

    ``jitter`` moves each camera a little off its view's default place (CAMERA_JITTER_DEG).
    """
    rng = random.Random(seed)
    clips: dict[str, dict[str, Any]] = {}

    def add(name: str, exercise: str, camera: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        if jitter:
            camera = _jittered(rng, exercise, camera)
        clips[name] = _spec(rng, exercise, camera, *args, **kwargs)

    for exercise, table in (("sldl", HOLDOUT_SLDL), ("bridge", HOLDOUT_BRIDGE)):
        for code, views in table.items():
            for n, camera in enumerate(views, start=1):
                pattern = PATTERNS[(n - 1) % 3](f"{exercise}.{code}")
                add(f"{exercise}_{code}_{camera['view']}_{n}", exercise, camera, pattern,
                    too_close=(code == "feet_placement" and n == 2))
    for view in ("side", "oblique", "rear", "front"):
        add(f"sldl_good_{view}", "sldl", _cam(view, rng.choice(["left", "right"])),
            [None, None, None])
    for view in ("side", "oblique", "feet", "head"):
        add(f"bridge_good_{view}", "bridge", _cam(view, rng.choice(["left", "right"])),
            [None, None, None])
    for n, (working, view) in enumerate([("left", "oblique"), ("right", "oblique"),
                                         ("left", "feet")], start=1):
        free_side = "left" if working == "right" else "right"
        add(f"bridge_pelvic_drop_{view}_{n}", "bridge", _cam(view, free_side),
            PATTERNS[n - 1]("bridge.pelvic_drop"), variant="single_leg", working_leg=working)
    add("bridge_single_leg_good_oblique", "bridge", _cam("oblique", "left"), [None, None, None],
        variant="single_leg", working_leg="right")
    return clips


#: Specs drawn (so that the random draws of the others stay as they are) but not written,
#: with why: the renderer refuses them.
NOT_WRITTEN = {
    "sldl_knee_valgus_rear_2": "this body's posed valgus tops out at 14.8 degrees of true"
                               " change, short of the 10 + 5 a clear fault needs",
}


def write_specs(folder: Path, clips: dict[str, dict[str, Any]]) -> None:
    """Write each spec to ``folder/<name>.json``, overwriting a generated spec of that name
    and leaving any other spec in the folder (added by hand) alone."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, spec in clips.items():
        (folder / f"{name}.json").write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    print(f"{len(clips)} specs in {folder}")


def main() -> None:
    holdout = {name: spec for name, spec in build_holdout().items() if name not in NOT_WRITTEN}
    for folder, clips in ((SPEC_DIR, build()), (HOLDOUT_DIR, holdout),
                          (HOLDOUT2_DIR, build_holdout(seed=20261203, jitter=True)),
                          (HOLDOUT3_DIR, build_holdout(seed=20261230, jitter=True)),
                          (HOLDOUT4_DIR, build_holdout(seed=20261202, jitter=True)),
                          (HOLDOUT5_DIR, build_holdout(seed=20261205, jitter=True))):
        write_specs(folder, clips)


if __name__ == "__main__":
    main()
