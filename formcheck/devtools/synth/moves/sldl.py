"""The single-leg deadlift as the clip generator poses it: its poses, its timeline, how its
reps are measured, and its faults (the plug-in of :mod:`formcheck.devtools.synth.moves`).

Standing, the person faces -y; the stance foot is planted, the free leg swings back in line
with the trunk. Each rep's bottom is calibrated so that the angles measured on its keypoints
hit the targets (good form, or the commanded fault); the frames in between are eased from
the top to that pose and back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from formcheck.devtools.synth import measure
from formcheck.devtools.synth.body import Body, Posed, forward_kinematics, pose_keypoints
from formcheck.devtools.synth.geometry import (
    axis_angle,
    blend_rotation,
    min_arc,
    rot_x,
    rot_z,
    smoothstep,
    unit,
)
from formcheck.devtools.synth.moves.base import Move
from formcheck.devtools.synth.plan import ClipSpec, FaultSpec, RepSpec, Tempo
from formcheck.devtools.synth.pose import X_AXIS, Rig
from formcheck.devtools.synth.timing import RepTiming, SetTiming, Timeline, frames, set_timing

# Good-form targets, measured on the keypoints.
GOOD_TRUNK_DEG = 80.0
GOOD_KNEE_TOP_DEG = 12.0
GOOD_KNEE_BOTTOM_DEG = 16.0
SET_TRANSITION_S = 0.6  # lifting the free foot before a set, putting it down after
#: An ankle within this of its planted height touches the floor, metres.
FLOOR_CONTACT_M = 0.005


@dataclass(frozen=True)
class SldlParams:
    """One frame of a single-leg deadlift, all angles in degrees.

    Attributes:
        trunk_deg: pelvis and trunk pitch forward from standing.
        stance_knee_deg: stance knee flexion.
        free_lift: 0 both feet planted side by side, 1 the free leg follows the trunk.
        free_below_deg: free thigh below the trunk line (0 = in line).
        free_knee_deg: free knee flexion when lifted.
        pelvis_open_deg: pelvis rotation about the trunk axis, raising the free hip.
        valgus_deg: stance knee moved medially (about the hip-ankle axis), roughly the
            frontal-plane deviation at the knee.
        touch: 0..1, the free leg swung down to touch the floor (1 = touching).
        arms_out: 0..1, how far the hanging arms are held off the thighs (standing 1).
    """

    trunk_deg: float = 0.0
    stance_knee_deg: float = 5.0
    free_lift: float = 0.0
    free_below_deg: float = 0.0
    free_knee_deg: float = 25.0
    pelvis_open_deg: float = 0.0
    valgus_deg: float = 0.0
    touch: float = 0.0
    arms_out: float = 1.0




class SldlPoser:
    """Poses a single-leg deadlift on one rig."""

    def __init__(self, rig: Rig) -> None:
        self.rig = rig

    def __call__(self, p: SldlParams) -> Posed:
        """Single-leg deadlift pose; the stance foot is planted at x = stance hip x, y = 0."""
        rig = self.rig
        heads = rig.body.rest_heads
        w, f = rig.working, rig.free
        floor_ankle_z = rig.ankle_height
        stance_ankle = np.array([heads[rig.hip[w], 0] * 0.9, 0.0, floor_ankle_z])

        # Stance leg in the sagittal plane: shin leans forward, thigh back, sharing the flexion.
        shin_lean = np.radians(0.55 * p.stance_knee_deg)
        thigh_lean = np.radians(0.45 * p.stance_knee_deg)
        knee = stance_ankle + rig.shin_len * np.array([0.0, -np.sin(shin_lean), np.cos(shin_lean)])
        hip = knee + rig.thigh_len * np.array([0.0, np.sin(thigh_lean), np.cos(thigh_lean)])
        hip[0] = heads[rig.hip[w], 0]

        pitch = rot_x(p.trunk_deg)
        pelvis = pitch
        if abs(p.pelvis_open_deg) > 1e-6:
            # Open toward the free leg: choose the sign that raises the free hip (a negative
            # value lowers it, used to level a good rep's pelvis).
            best = None
            for sign in (1.0, -1.0):
                candidate = pitch @ rot_z(sign * abs(p.pelvis_open_deg))
                free_hip_z = (candidate @ (heads[rig.hip[f]] - heads[0]))[2]
                if best is None or free_hip_z > best[0]:
                    best = (free_hip_z, candidate)
            assert best is not None
            pelvis = best[1]
            if p.pelvis_open_deg < 0:
                pelvis = pitch @ (pitch.T @ best[1]).T
        # Place the root so that the stance hip lands on the solved hip.
        root = hip - pelvis @ (heads[rig.hip[w]] - heads[0])
        # Re-solve the stance knee for the exact hip (the pelvis may have shifted it).
        knee = rig.two_link_knee(hip, stance_ankle, np.array([0.0, -1.0, 0.0]))
        if abs(p.valgus_deg) > 1e-6:
            medial = np.array([1.0 if w == "R" else -1.0, 0.0, 0.0])
            half = np.radians(p.valgus_deg) / 2.0
            shift = (
                np.tan(half) * rig.thigh_len * rig.shin_len / (rig.thigh_len + rig.shin_len) * 2
            )
            knee = rig.move_knee(hip, knee, stance_ankle, medial, shift)

        overrides: dict[int, np.ndarray] = {0: pelvis}
        rig.leg(w, pelvis, hip, knee, stance_ankle, np.eye(3), overrides)

        # Free leg.
        free_hip = root + pelvis @ (heads[rig.hip[f]] - heads[0])
        lateral = pelvis @ X_AXIS
        trunk_down = pitch @ rig.trunk_down_rest
        # Planted beside the stance foot, mirroring the stance leg.
        planted_ankle = np.array([heads[rig.hip[f], 0] * 0.9, 0.0, floor_ankle_z])
        planted_knee = rig.two_link_knee(free_hip, planted_ankle, np.array([0.0, -1.0, 0.0]))
        below = p.free_below_deg
        thigh_dir = axis_angle(lateral, -np.radians(below)) @ trunk_down
        lifted_knee = free_hip + rig.thigh_len * thigh_dir
        shin_dir = axis_angle(lateral, np.radians(p.free_knee_deg)) @ thigh_dir
        lifted_ankle = lifted_knee + rig.shin_len * shin_dir
        lift = float(np.clip(p.free_lift, 0.0, 1.0))
        touch = float(np.clip(p.touch, 0.0, 1.0))
        # The two grounded alternatives: beside the stance foot (standing) or, for a
        # touch-down, flat on the floor behind it, as far back as the leg reaches.
        if touch > 0:
            reach = 0.96 * (rig.thigh_len + rig.shin_len)
            drop = free_hip[2] - floor_ankle_z
            back = np.sqrt(max(reach**2 - drop**2, 0.0))
            ground_ankle = np.array([planted_ankle[0], free_hip[1] + back, floor_ankle_z])
            ground_knee = rig.two_link_knee(free_hip, ground_ankle, np.array([0.0, -1.0, 0.0]))
            weight = touch
        else:
            ground_ankle, ground_knee, weight = planted_ankle, planted_knee, 1.0 - lift
        if weight <= 0.0:
            free_knee, free_ankle = lifted_knee, lifted_ankle
        else:
            # Interpolate the thigh and shin directions (keeps the lengths).
            thigh_lifted = lifted_knee - free_hip
            thigh_blend = (
                blend_rotation(np.eye(3), min_arc(thigh_lifted, ground_knee - free_hip), weight)
                @ thigh_lifted
            )
            free_knee = free_hip + thigh_blend
            shin_lifted = lifted_ankle - lifted_knee
            shin_blend = (
                blend_rotation(np.eye(3), min_arc(shin_lifted, ground_ankle - ground_knee), weight)
                @ shin_lifted
            )
            free_ankle = free_knee + shin_blend
        rig.leg(f, pelvis, free_hip, free_knee, free_ankle, None, overrides)
        # The free foot is flat when grounded and follows the shin once lifted.
        shin_rot = overrides[rig.knee[f]]
        overrides[rig.ankle[f]] = blend_rotation(shin_rot, np.eye(3), min(1.0, weight * 1.5))

        # Arms hang straight down under the shoulders, off the thighs when standing.
        spread = 0.05 + 0.17 * p.arms_out
        rotations = rig.assemble(overrides, {})
        for side in "LR":
            sign = 1.0 if side == "L" else -1.0
            shoulder_parent = rotations[rig.body.parents[rig.upperarm[side]]]
            down = unit(np.array([sign * spread, -0.02, -1.0]))
            fore = unit(np.array([sign * spread * 0.8, -0.08, -1.0]))
            rig.arm(side, shoulder_parent, down, fore, overrides)
        rotations = rig.assemble(overrides, {})
        return forward_kinematics(rig.body, rotations, root)


# ---------------------------------------------------------------------------- timeline
def _bottom(poser: SldlPoser, body: Body, rep: RepSpec, jitter: float) -> SldlParams:
    """Bottom pose of an sldl rep, calibrated on the measured keypoint angles."""
    rig = poser.rig
    free = "left" if rig.free == "L" else "right"
    stance = "left" if free == "right" else "right"
    targets = {
        "trunk": GOOD_TRUNK_DEG + jitter,
        "knee": GOOD_KNEE_BOTTOM_DEG + 0.5 * jitter,
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
        kp = pose_keypoints(body, poser(params))
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


def _at(bottom: SldlParams, depth: float, top_knee: float) -> SldlParams:
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


def _timeline(spec: ClipSpec, poser: SldlPoser, body: Body,
              rng: np.random.Generator) -> Timeline:
    fps = spec.fps
    params: list[SldlParams] = []
    reps: list[RepTiming] = []
    sets: list[SetTiming] = []
    standing = SldlParams(stance_knee_deg=5.0, free_lift=0.0, arms_out=1.0)
    top = _at(SldlParams(), 0.0, GOOD_KNEE_TOP_DEG)

    def hold(pose: SldlParams, seconds: float) -> None:
        params.extend([pose] * frames(seconds, fps))

    def lift_foot(up: bool) -> None:
        n = frames(SET_TRANSITION_S, fps)
        for i in range(1, n + 1):
            w = smoothstep(i / n)
            w = w if up else 1.0 - w
            params.append(
                replace(
                    top,
                    free_lift=w,
                    stance_knee_deg=5.0 + (GOOD_KNEE_TOP_DEG - 5.0) * w,
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
            bottom = _bottom(poser, body, rep, float(rng.uniform(-3.0, 3.0)))
            touch = rep.fault("sldl.touch_down")
            tempo = rep.tempo
            start = len(params) - 1
            n_down = frames(tempo.down_s, fps)
            for i in range(1, n_down + 1):
                params.append(_at(bottom, smoothstep(i / n_down), GOOD_KNEE_TOP_DEG))
            hold_start = len(params) - 1
            n_hold = frames(tempo.hold_s, fps) if tempo.hold_s > 0 else 0
            touch_frames = frames(touch.magnitude, fps) if touch is not None else 0
            n_reach = frames(0.35, fps) if touch is not None else 0
            for i in range(n_hold):
                pose = bottom
                if touch is not None:
                    # Settle, swing the free foot down, touch, swing it back up.
                    k = i - frames(0.05, fps)
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
            n_up = frames(tempo.up_s, fps)
            for i in range(1, n_up + 1):
                params.append(_at(bottom, 1.0 - smoothstep(i / n_up), GOOD_KNEE_TOP_DEG))
            end = len(params) - 1
            reps.append(
                RepTiming(rep_index, set_index + 1, max(start, 0), end, hold_start, hold_end, rep)
            )
            hold(top, tempo.pause_s)
        lift_foot(up=False)
        sets.append(set_timing(set_index, set_spec, reps))
    hold(standing, spec.idle_after_s)
    return Timeline(fps=fps, params=tuple(params), reps=tuple(reps), sets=tuple(sets))


# ---------------------------------------------------------------------------- truth
def _measure_rep(
    spec: ClipSpec, rig: Rig, kps: np.ndarray, start: int, end: int, fps: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Measured values of one rep, and the measured magnitude of each fault code."""
    free = "left" if rig.free == "L" else "right"
    stance = "left" if rig.working == "L" else "right"
    span = range(start, end + 1)
    duration = (end - start) / fps
    trunk = np.array([measure.trunk_from_vertical_deg(kps[i]) for i in span])
    bottom = start + int(np.argmax(trunk))
    knee = np.array([measure.knee_flexion_deg(kps[i], stance) for i in span])
    free_ankle = np.array([measure.ankle_height_m(kps[i], free) for i in span])
    planted = measure.ankle_height_m(kps[start], stance)
    touch_s = float(np.sum(free_ankle < planted + FLOOR_CONTACT_M)) / fps
    measured = {
        "bottom_s": bottom / fps,
        "trunk_from_vertical_deg": float(trunk.max()),
        "stance_knee_flexion_bottom_deg": measure.knee_flexion_deg(kps[bottom], stance),
        "stance_knee_flexion_max_deg": float(knee.max()),
        "stance_knee_flexion_min_deg": float(knee.min()),
        "pelvis_rotation_deg": measure.pelvis_rise_deg(kps[bottom], free),
        "leg_below_trunk_deg": measure.leg_below_trunk_deg(kps[bottom], free),
        "stance_knee_valgus_deg": measure.knee_frontal_deviation_deg(kps[bottom], stance),
        "free_ankle_min_height_m": float(free_ankle.min() - planted),
        "free_foot_touch_s": touch_s,
        "duration_s": duration,
    }
    by_code = {
        "sldl.stance_knee_bend": measured["stance_knee_flexion_bottom_deg"],
        "sldl.hip_opening": measured["pelvis_rotation_deg"],
        "sldl.leg_trunk_misalign": measured["leg_below_trunk_deg"],
        "sldl.touch_down": touch_s,
        "sldl.partial_range": measured["trunk_from_vertical_deg"],
        "sldl.knee_valgus": measured["stance_knee_valgus_deg"],
        "sldl.rushed": duration,
    }
    return measured, by_code


# ---------------------------------------------------------------------------- tempo
def _touch(faults: tuple[FaultSpec, ...]) -> FaultSpec | None:
    return next((f for f in faults if f.code == "sldl.touch_down"), None)


def _adjust_tempo(base: Tempo, faults: tuple[FaultSpec, ...]) -> Tempo:
    """The free foot touches down at the bottom: the hold becomes the touch."""
    touch = _touch(faults)
    if touch is None:
        return base
    return replace(base, hold_s=base.hold_s + touch.magnitude + 0.8)


def _tempo_problem(tempo: Tempo, faults: tuple[FaultSpec, ...]) -> str | None:
    touch = _touch(faults)
    if touch is not None and tempo.hold_s < touch.magnitude + 0.6:
        return f"hold_s must be at least touch duration + 0.6 s for {touch.code}"
    return None


SLDL = Move(
    name="sldl",
    # How each fault is posed: code -> (unit, (least, most) magnitude a spec may ask for).
    magnitudes={
        "sldl.stance_knee_bend": ("deg", (25.0, 75.0)),
        "sldl.hip_opening": ("deg", (5.0, 45.0)),
        "sldl.leg_trunk_misalign": ("deg", (5.0, 60.0)),
        "sldl.touch_down": ("s", (0.1, 1.0)),
        "sldl.partial_range": ("deg", (15.0, 60.0)),
        "sldl.knee_valgus": ("deg", (5.0, 30.0)),
        "sldl.rushed": ("s", (0.4, 1.5)),
    },
    tempo=Tempo(down_s=1.7, hold_s=0.25, up_s=1.6, pause_s=0.8),
    views=("side", "front", "rear", "oblique"),
    elevation_deg=8.0,
    poser=SldlPoser,
    timeline=_timeline,
    measure_rep=_measure_rep,
    # Heuristic: a neutral, controlled rep of these bodies; the good-form targets above lie
    # well inside.
    good_bounds={
        "trunk_from_vertical_deg": (70.0, 90.0),
        "stance_knee_flexion_bottom_deg": (8.0, 22.0),
        "pelvis_rotation_deg": (-5.0, 5.0),
        "leg_below_trunk_deg": (-10.0, 10.0),
        "stance_knee_valgus_deg": (-10.0, 8.0),
        "free_foot_touch_s": (0.0, 0.0),
        "duration_s": (2.5, 6.0),
    },
    true_limits={
        "sldl.hip_opening": (
            20.0,
            "heuristic: the analyser's limit is on the picture's hip and shoulder lines, which"
            " under-read the turn; 20 degrees of true free-hip rise is a clearly open hip",
        ),
    },
    adjust_tempo=_adjust_tempo,
    tempo_problem=_tempo_problem,
)
