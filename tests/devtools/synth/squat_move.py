"""A toy exercise of the clip generator, declared the way a new plug-in would be: the
bodyweight squat of ``tests/exercises/squat_toy.py``.

Everything the generator needs is here: the pose, the timeline, how a rep is measured, and
its one fault. The tests register it with one line (``MOVES[SQUAT_MOVE.name] =
SQUAT_MOVE``, beside the analyser's ``EXERCISES[SQUAT.name] = SQUAT``).
"""

from __future__ import annotations

import numpy as np

from formcheck.devtools.synth import measure
from formcheck.devtools.synth.body import Body, Posed, forward_kinematics, pose_keypoints
from formcheck.devtools.synth.geometry import rot_x, smoothstep, unit
from formcheck.devtools.synth.moves import Move
from formcheck.devtools.synth.plan import ClipSpec, RepSpec, Tempo
from formcheck.devtools.synth.pose import Rig
from formcheck.devtools.synth.timing import RepTiming, SetTiming, Timeline, frames, set_timing

GOOD_KNEE_DEG = 110.0  # knee flexion at the bottom of a good rep
STANDING_KNEE_DEG = 5.0


class SquatPoser:
    """Poses a bodyweight squat: both feet planted, knees forward, trunk leaning a little.
    A frame's parameter is the knee flexion in degrees."""

    def __init__(self, rig: Rig) -> None:
        self.rig = rig

    def __call__(self, knee_deg: float) -> Posed:
        rig = self.rig
        heads = rig.body.rest_heads
        a, b = rig.thigh_len, rig.shin_len
        flexion = np.radians(knee_deg)
        # Hip to ankle distance for this knee angle; the hips sit back as they go down.
        reach = float(np.sqrt(a * a + b * b + 2 * a * b * np.cos(flexion)))
        back = 0.35 * flexion
        pelvis = rot_x(0.4 * knee_deg)
        ankles = {s: np.array([heads[rig.hip[s], 0], 0.0, rig.ankle_height]) for s in "LR"}
        hip_mid = (0.5 * (ankles["L"] + ankles["R"])
                   + reach * np.array([0.0, np.sin(back), np.cos(back)]))
        root = hip_mid - pelvis @ (rig.hip_mid_rest - heads[0])
        overrides: dict[int, np.ndarray] = {0: pelvis}
        for side in "LR":
            hip = root + pelvis @ (heads[rig.hip[side]] - heads[0])
            knee = rig.two_link_knee(hip, ankles[side], np.array([0.0, -1.0, 0.0]))
            rig.leg(side, pelvis, hip, knee, ankles[side], np.eye(3), overrides)
        rotations = rig.assemble(overrides, {})
        for side in "LR":  # arms held out in front
            sign = 1.0 if side == "L" else -1.0
            forward = unit(np.array([sign * 0.1, -1.0, -0.1]))
            rig.arm(side, rotations[rig.body.parents[rig.upperarm[side]]], forward, forward,
                    overrides)
        return forward_kinematics(rig.body, rig.assemble(overrides, {}), root)


def _bottom(poser: SquatPoser, body: Body, rep: RepSpec) -> float:
    """The commanded knee flexion whose measured flexion hits the rep's target."""
    fault = rep.fault("squat.shallow")
    target = fault.magnitude if fault is not None else GOOD_KNEE_DEG
    command = target
    for _ in range(4):
        measured = measure.knee_flexion_deg(pose_keypoints(body, poser(command)), "left")
        command += target - measured
    return command


def _timeline(spec: ClipSpec, poser: SquatPoser, body: Body,
              rng: np.random.Generator) -> Timeline:
    del rng
    fps = spec.fps
    params: list[float] = []
    reps: list[RepTiming] = []
    sets: list[SetTiming] = []
    params.extend([STANDING_KNEE_DEG] * frames(spec.idle_before_s, fps))
    index = 0
    for set_index, set_spec in enumerate(spec.sets):
        if set_index:
            params.extend([STANDING_KNEE_DEG] * frames(set_spec.rest_before_s, fps))
        for rep in set_spec.reps:
            index += 1
            bottom = _bottom(poser, body, rep)
            start = len(params) - 1
            n_down = frames(rep.tempo.down_s, fps)
            params.extend(STANDING_KNEE_DEG + (bottom - STANDING_KNEE_DEG) * smoothstep(i / n_down)
                          for i in range(1, n_down + 1))
            hold_start = len(params) - 1
            params.extend([bottom] * frames(rep.tempo.hold_s, fps))
            hold_end = len(params) - 1
            n_up = frames(rep.tempo.up_s, fps)
            params.extend(bottom + (STANDING_KNEE_DEG - bottom) * smoothstep(i / n_up)
                          for i in range(1, n_up + 1))
            reps.append(RepTiming(index, set_index + 1, max(start, 0), len(params) - 1,
                                  hold_start, hold_end, rep))
            params.extend([STANDING_KNEE_DEG] * frames(rep.tempo.pause_s, fps))
        sets.append(set_timing(set_index, set_spec, reps))
    params.extend([STANDING_KNEE_DEG] * frames(spec.idle_after_s, fps))
    return Timeline(fps=fps, params=tuple(params), reps=tuple(reps), sets=tuple(sets))


def _measure_rep(spec: ClipSpec, rig: Rig, kps: np.ndarray, start: int, end: int,
                 fps: int) -> tuple[dict[str, float], dict[str, float]]:
    flexion = [measure.knee_flexion_deg(kps[i], "left") for i in range(start, end + 1)]
    measured = {"knee_flexion_deepest_deg": float(max(flexion)),
                "duration_s": (end - start) / fps}
    return measured, {"squat.shallow": measured["knee_flexion_deepest_deg"]}


SQUAT_MOVE = Move(
    name="squat",
    magnitudes={"squat.shallow": ("deg", (30.0, 80.0))},
    tempo=Tempo(down_s=1.2, hold_s=0.3, up_s=1.2, pause_s=0.6),
    views=("side", "oblique"),
    elevation_deg=8.0,
    poser=SquatPoser,
    timeline=_timeline,
    measure_rep=_measure_rep,
    good_bounds={"knee_flexion_deepest_deg": (100.0, 120.0), "duration_s": (2.0, 5.0)},
)
