"""The clip's timeline: a pose for every frame, and where each rep starts and ends.

Each rep's end-range pose (sldl bottom, bridge top) is calibrated first so that the angles
measured on its keypoints hit the targets (good form, or the commanded fault); the frames in
between are eased (cosine) from the rest position to that pose and back.

All times are whole frames: a rep's ``start_frame`` is the last still frame before its motion,
``end_frame`` the first still frame after it, so start_s = start_frame / fps exactly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np

from formcheck.synth import measure
from formcheck.synth.body import Body, Posed, pose_keypoints
from formcheck.synth.geometry import smoothstep
from formcheck.synth.pose import BridgeParams, Rig, SldlParams
from formcheck.synth.spec import ClipSpec, RepSpec, SetSpec

logger = logging.getLogger(__name__)

# Good-form targets, measured on the keypoints.
SLDL_GOOD_TRUNK_DEG = 80.0
SLDL_GOOD_KNEE_TOP_DEG = 12.0
SLDL_GOOD_KNEE_BOTTOM_DEG = 16.0
BRIDGE_GOOD_SHK_DEG = 180.0
BRIDGE_GOOD_KNEE_DEG = 90.0
SET_TRANSITION_S = 0.6  # lifting the free foot before a set, putting it down after


@dataclass(frozen=True)
class RepTiming:
    """Where one rep lies in the clip (frames), and its end-range parameters."""

    index: int
    set_index: int
    start_frame: int
    end_frame: int
    hold_start_frame: int
    hold_end_frame: int
    rep: RepSpec


@dataclass(frozen=True)
class SetTiming:
    index: int
    start_frame: int
    end_frame: int
    rest_before_s: float


@dataclass(frozen=True)
class Timeline:
    """Per-frame pose parameters of a whole clip."""

    fps: int
    params: tuple[SldlParams | BridgeParams, ...]
    reps: tuple[RepTiming, ...]
    sets: tuple[SetTiming, ...]

    @property
    def n_frames(self) -> int:
        return len(self.params)


def _frames(seconds: float, fps: int) -> int:
    return max(1, round(seconds * fps))


def pose_of(rig: Rig, params: SldlParams | BridgeParams) -> Posed:
    if isinstance(params, SldlParams):
        return rig.sldl(params)
    return rig.bridge(params)


# ---------------------------------------------------------------------------- sldl
def _sldl_bottom(rig: Rig, body: Body, rep: RepSpec, jitter: float) -> SldlParams:
    """Bottom pose of an sldl rep, calibrated on the measured keypoint angles."""
    free = "left" if rig.free == "L" else "right"
    stance = "left" if free == "right" else "right"
    targets = {
        "trunk": SLDL_GOOD_TRUNK_DEG + jitter,
        "knee": SLDL_GOOD_KNEE_BOTTOM_DEG + 0.5 * jitter,
        "below": 0.0,
        "open": 0.0,
        "valgus": 0.0,
    }
    if (f := rep.fault("sldl.stance_knee_bend")) is not None:
        targets["knee"] = f.magnitude
    if (f := rep.fault("sldl.partial_range")) is not None:
        targets["trunk"] = f.magnitude
    if (f := rep.fault("sldl.leg_trunk_misalign")) is not None:
        targets["below"] = f.magnitude
    if (f := rep.fault("sldl.hip_opening")) is not None:
        targets["open"] = f.magnitude
    if (f := rep.fault("sldl.knee_valgus")) is not None:
        targets["valgus"] = f.magnitude
    command = dict(targets)
    params = SldlParams()
    for _ in range(5):
        params = SldlParams(
            trunk_deg=command["trunk"],
            stance_knee_deg=command["knee"],
            free_lift=1.0,
            free_below_deg=command["below"],
            free_knee_deg=3.0,
            pelvis_open_deg=command["open"],
            valgus_deg=max(0.0, command["valgus"]),
            arms_out=0.0,
        )
        kp = pose_keypoints(body, rig.sldl(params))
        measured = {
            "trunk": measure.trunk_from_vertical_deg(kp),
            "knee": measure.knee_flexion_deg(kp, stance),
            "below": measure.leg_below_trunk_deg(kp, free),
            "open": measure.pelvis_rise_deg(kp, free),
            "valgus": measure.knee_frontal_deviation_deg(kp, stance),
        }
        for key in command:
            if key == "valgus" and targets[key] == 0.0:
                continue  # good form: no commanded rotation at all
            command[key] += targets[key] - measured[key]
    return params


def _sldl_at(bottom: SldlParams, depth: float, top_knee: float) -> SldlParams:
    """Pose at ``depth`` in [0, 1] between the lifted top and the bottom."""
    return SldlParams(
        trunk_deg=bottom.trunk_deg * depth,
        stance_knee_deg=top_knee + (bottom.stance_knee_deg - top_knee) * depth,
        free_lift=1.0,
        free_below_deg=bottom.free_below_deg * depth,
        free_knee_deg=25.0 + (bottom.free_knee_deg - 25.0) * depth,
        pelvis_open_deg=bottom.pelvis_open_deg * depth,
        valgus_deg=bottom.valgus_deg * depth,
        touch=0.0,
        arms_out=1.0 - depth,
    )


def _sldl_timeline(spec: ClipSpec, rig: Rig, body: Body, rng: np.random.Generator) -> Timeline:
    fps = spec.fps
    params: list[SldlParams | BridgeParams] = []
    reps: list[RepTiming] = []
    sets: list[SetTiming] = []
    standing = SldlParams(stance_knee_deg=5.0, free_lift=0.0, arms_out=1.0)
    top = _sldl_at(SldlParams(), 0.0, SLDL_GOOD_KNEE_TOP_DEG)

    def hold(pose: SldlParams, seconds: float) -> None:
        params.extend([pose] * _frames(seconds, fps))

    def lift_foot(up: bool) -> None:
        n = _frames(SET_TRANSITION_S, fps)
        for i in range(1, n + 1):
            w = smoothstep(i / n)
            w = w if up else 1.0 - w
            params.append(
                replace(
                    top,
                    free_lift=w,
                    stance_knee_deg=5.0 + (SLDL_GOOD_KNEE_TOP_DEG - 5.0) * w,
                )
            )

    hold(standing, spec.idle_before_s)
    rep_index = 0
    for set_index, set_spec in enumerate(spec.sets):
        if set_index > 0:
            hold(standing, set_spec.rest_before_s)
        lift_foot(up=True)
        hold(top, 0.4)
        for rep in set_spec.reps:
            rep_index += 1
            bottom = _sldl_bottom(rig, body, rep, float(rng.uniform(-3.0, 3.0)))
            touch = rep.fault("sldl.touch_down")
            tempo = rep.tempo
            start = len(params) - 1
            n_down = _frames(tempo.down_s, fps)
            for i in range(1, n_down + 1):
                params.append(_sldl_at(bottom, smoothstep(i / n_down), SLDL_GOOD_KNEE_TOP_DEG))
            hold_start = len(params) - 1
            n_hold = _frames(tempo.hold_s, fps) if tempo.hold_s > 0 else 0
            touch_frames = _frames(touch.magnitude, fps) if touch is not None else 0
            n_reach = _frames(0.35, fps) if touch is not None else 0
            for i in range(n_hold):
                pose = bottom
                if touch is not None:
                    # Settle, swing the free foot down, touch, swing it back up.
                    k = i - _frames(0.05, fps)
                    if 0 <= k < n_reach:
                        weight = smoothstep((k + 1) / n_reach)
                    elif n_reach <= k < n_reach + touch_frames:
                        weight = 1.0
                    elif n_reach + touch_frames <= k < 2 * n_reach + touch_frames:
                        weight = 1.0 - smoothstep((k - n_reach - touch_frames + 1) / n_reach)
                    else:
                        weight = 0.0
                    pose = replace(
                        bottom, touch=weight, trunk_deg=bottom.trunk_deg * (1.0 - 0.15 * weight)
                    )
                params.append(pose)
            hold_end = len(params) - 1
            n_up = _frames(tempo.up_s, fps)
            for i in range(1, n_up + 1):
                params.append(_sldl_at(bottom, 1.0 - smoothstep(i / n_up), SLDL_GOOD_KNEE_TOP_DEG))
            end = len(params) - 1
            reps.append(
                RepTiming(rep_index, set_index + 1, max(start, 0), end, hold_start, hold_end, rep)
            )
            hold(top, tempo.pause_s)
        lift_foot(up=False)
        sets.append(_set_timing(set_index, set_spec, reps))
    hold(standing, spec.idle_after_s)
    return Timeline(fps=fps, params=tuple(params), reps=tuple(reps), sets=tuple(sets))


def _set_timing(set_index: int, set_spec: SetSpec, reps: list[RepTiming]) -> SetTiming:
    """The timing of the set just built: from its first rep's start to its last rep's end."""
    return SetTiming(set_index + 1, reps[-len(set_spec.reps)].start_frame,
                     reps[-1].end_frame, set_spec.rest_before_s)


# ---------------------------------------------------------------------------- bridge
def _bridge_measure(body: Body, rig: Rig, params: BridgeParams) -> dict[str, float]:
    kp = pose_keypoints(body, rig.bridge(params))
    working = "left" if rig.working == "L" else "right"
    free = "left" if rig.free == "L" else "right"
    side = working if rig.single_leg else None
    knee = (
        measure.knee_included_deg(kp, working)
        if rig.single_leg
        else 0.5 * (measure.knee_included_deg(kp, "left") + measure.knee_included_deg(kp, "right"))
    )
    return {
        "shk": measure.shoulder_hip_knee_deg(kp, side),
        "knee": knee,
        "drop": measure.pelvic_drop_deg(kp, free),
    }


def _bridge_top(rig: Rig, body: Body, rep: RepSpec, good_ankle_y: float) -> BridgeParams:
    """Top pose of a bridge rep, calibrated on the measured keypoint angles."""
    shk_target = BRIDGE_GOOD_SHK_DEG
    arch = 0.0
    ankle_y = good_ankle_y
    if (f := rep.fault("bridge.incomplete_lockout")) is not None:
        shk_target = f.magnitude
    if (f := rep.fault("bridge.hyperextension")) is not None:
        shk_target = f.magnitude
        arch = 1.2 * (f.magnitude - 180.0)
    if (f := rep.fault("bridge.feet_placement")) is not None:
        ankle_y = _bridge_feet_for_knee(rig, body, f.magnitude)
    knee_in = f.magnitude if (f := rep.fault("bridge.knees_caving")) is not None else 0.0
    drop_target = f.magnitude if (f := rep.fault("bridge.pelvic_drop")) is not None else 0.0
    base_elevation, _ = rig._bridge_pivot()
    roll = drop_target
    params = BridgeParams()
    for _ in range(3 if drop_target else 1):
        lo, hi = base_elevation, 75.0
        for _ in range(26):
            mid = 0.5 * (lo + hi)
            trial = BridgeParams(
                lift=1.0,
                top_elevation_deg=mid,
                arch_deg=arch,
                pelvic_roll_deg=roll,
                knee_in_m=knee_in,
                ankle_y=ankle_y,
            )
            if _bridge_measure(body, rig, trial)["shk"] < shk_target:
                lo = mid
            else:
                hi = mid
        params = BridgeParams(
            lift=1.0,
            top_elevation_deg=0.5 * (lo + hi),
            arch_deg=arch,
            pelvic_roll_deg=roll,
            knee_in_m=knee_in,
            ankle_y=ankle_y,
        )
        if drop_target:
            roll += drop_target - _bridge_measure(body, rig, params)["drop"]
    return params


def _bridge_feet_for_knee(rig: Rig, body: Body, knee_target: float) -> float:
    """Ankle y that gives the measured knee angle at a 180-degree top."""
    shk_cmd, knee_cmd = 180.0, knee_target
    ankle_y = -0.6
    for _ in range(4):
        elevation, ankle_y = rig.bridge_top(shk_cmd, knee_cmd, 0.0)
        got = _bridge_measure(
            body, rig, BridgeParams(lift=1.0, top_elevation_deg=elevation, ankle_y=ankle_y)
        )
        shk_cmd += BRIDGE_GOOD_SHK_DEG - got["shk"]
        knee_cmd += knee_target - got["knee"]
    return ankle_y


def _bridge_timeline(spec: ClipSpec, rig: Rig, body: Body) -> Timeline:
    fps = spec.fps
    params: list[SldlParams | BridgeParams] = []
    reps: list[RepTiming] = []
    sets: list[SetTiming] = []
    good_ankle_y = _bridge_feet_for_knee(rig, body, BRIDGE_GOOD_KNEE_DEG)
    all_reps = [rep for s in spec.sets for rep in s.reps]
    tops = [_bridge_top(rig, body, rep, good_ankle_y) for rep in all_reps]
    current = replace(tops[0], lift=0.0)

    def hold(pose: BridgeParams, seconds: float) -> None:
        params.extend([pose] * _frames(seconds, fps))

    def move_feet(to_y: float) -> None:
        nonlocal current
        n = _frames(0.6, fps)
        from_y = current.ankle_y
        for i in range(1, n + 1):
            w = smoothstep(i / n)
            params.append(
                replace(
                    current,
                    ankle_y=from_y + (to_y - from_y) * w,
                    foot_lift_m=0.04 * np.sin(np.pi * i / n),
                )
            )
        current = replace(current, ankle_y=to_y)

    hold(current, spec.idle_before_s)
    rep_index = 0
    for set_index, set_spec in enumerate(spec.sets):
        if set_index > 0:
            hold(current, set_spec.rest_before_s)
        for rep in set_spec.reps:
            top = tops[rep_index]
            rep_index += 1
            if abs(top.ankle_y - current.ankle_y) > 0.005:
                hold(current, 0.2)
                move_feet(top.ankle_y)
                hold(current, 0.3)
            current = replace(top, lift=0.0)
            tempo = rep.tempo
            start = len(params) - 1
            n_up = _frames(tempo.down_s, fps)
            for i in range(1, n_up + 1):
                params.append(replace(top, lift=smoothstep(i / n_up)))
            hold_start = len(params) - 1
            if tempo.hold_s > 0:
                hold(top, tempo.hold_s)
            hold_end = len(params) - 1
            n_down = _frames(tempo.up_s, fps)
            for i in range(1, n_down + 1):
                params.append(replace(top, lift=1.0 - smoothstep(i / n_down)))
            end = len(params) - 1
            reps.append(
                RepTiming(rep_index, set_index + 1, max(start, 0), end, hold_start, hold_end, rep)
            )
            hold(current, tempo.pause_s)
        sets.append(_set_timing(set_index, set_spec, reps))
    hold(current, spec.idle_after_s)
    return Timeline(fps=fps, params=tuple(params), reps=tuple(reps), sets=tuple(sets))


def build_timeline(spec: ClipSpec, rig: Rig, body: Body, seed: int = 0) -> Timeline:
    """Every frame's pose parameters and the rep/set boundaries of a clip.

    ``seed`` drives the small rep-to-rep variation of good form (a few degrees of depth).
    """
    rng = np.random.default_rng(seed)
    if spec.exercise == "sldl":
        return _sldl_timeline(spec, rig, body, rng)
    return _bridge_timeline(spec, rig, body)
