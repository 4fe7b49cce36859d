"""The glute bridge as the clip generator poses it, double and single-leg: its poses, its
timeline, how its reps are measured, and its faults (the plug-in of
:mod:`formcheck.devtools.synth.moves`).

Lying on the back, the head points to +y and the face up; the upper back pivots on the
floor and the hips rise. Each rep's top is calibrated so that the angles measured on its
keypoints hit the targets (good form, or the commanded fault); the frames in between are
eased from the floor to that pose and back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from formcheck.devtools.synth import measure
from formcheck.devtools.synth.body import Body, Posed, forward_kinematics, pose_keypoints, skin
from formcheck.devtools.synth.geometry import axis_angle, min_arc, rot_x, rot_z, smoothstep, unit
from formcheck.devtools.synth.moves.base import Move
from formcheck.devtools.synth.plan import ClipSpec, RepSpec, Tempo
from formcheck.devtools.synth.pose import X_AXIS, Z_AXIS, Rig
from formcheck.devtools.synth.timing import RepTiming, SetTiming, Timeline, frames, set_timing

# Good-form targets, measured on the keypoints.
GOOD_SHK_DEG = 180.0
GOOD_KNEE_DEG = 90.0


@dataclass(frozen=True)
class BridgeParams:
    """One frame of a glute bridge.

    Attributes:
        lift: 0 hips on the floor, 1 the commanded top.
        top_elevation_deg: trunk elevation (shoulder-to-hip line above the floor) at lift 1.
        arch_deg: lumbar extension at lift 1 (hyperextension).
        pelvic_roll_deg: pelvis roll at lift 1, free-leg side down.
        knee_in_m: each knee moved medially at lift 1, metres.
        ankle_y: feet position along the body axis (world y of the ankles), metres.
        foot_lift_m: both feet raised off the floor (only while shuffling the feet).
    """

    lift: float = 0.0
    top_elevation_deg: float = 25.0
    arch_deg: float = 0.0
    pelvic_roll_deg: float = 0.0
    knee_in_m: float = 0.0
    ankle_y: float = -0.6
    foot_lift_m: float = 0.0




class BridgePoser:
    """Poses a glute bridge on one rig; keeps the rig's resting base and solved tops."""

    def __init__(self, rig: Rig) -> None:
        self.rig = rig
        self._cache: dict[tuple[float, float, float], tuple[float, float]] = {}
        self._base: tuple[float, np.ndarray] | None = None

    def _trunk(
        self, elevation_deg: float, arch_deg: float, roll_deg: float
    ) -> tuple[np.ndarray, dict[int, np.ndarray], dict[int, np.ndarray]]:
        """Pelvis rotation, overrides and local rotations of the lying trunk (root at origin)."""
        rig = self.rig
        b = rig.body.bone
        heads = rig.body.rest_heads
        supine = rot_x(-90.0 - elevation_deg)
        pelvis = supine
        if abs(roll_deg) > 1e-6:
            best = None
            for sign in (1.0, -1.0):
                candidate = supine @ rot_z(sign * roll_deg)
                free_hip_z = (candidate @ (heads[rig.hip[rig.free]] - heads[0]))[2]
                if best is None or free_hip_z < best[0]:
                    best = (free_hip_z, candidate, sign)
            assert best is not None
            pelvis = best[1]
            roll_sign = best[2]
        else:
            roll_sign = 1.0
        local: dict[int, np.ndarray] = {}
        # Lumbar extension (arch): bend the lower spine backward, i.e. hips up.
        if abs(arch_deg) > 1e-6:
            local[b("spine04")] = rot_x(-0.5 * arch_deg)
            local[b("spine03")] = rot_x(-0.5 * arch_deg)
        # Counter-roll the upper trunk so that the shoulders stay flat on the floor.
        if abs(roll_deg) > 1e-6:
            local[b("spine02")] = rot_z(-roll_sign * roll_deg)
        overrides: dict[int, np.ndarray] = {0: pelvis}
        # The upper back and the shoulders stay flat on the floor: the trunk bends at the
        # thoracic spine, and the head and neck keep lying flat whatever the trunk does.
        if self._base is not None:
            overrides[b("spine01")] = rot_x(-90.0 - self._base[0])
        overrides[b("neck01")] = rot_x(-90.0)
        return pelvis, overrides, local

    def pivot(self) -> tuple[float, np.ndarray]:
        """Base elevation that rests the buttocks on the floor, and the shoulder-blade pivot.

        The pivot is a point on the upper back under the shoulders, fixed on the floor.
        Returns (base elevation deg, pivot position in the spine01 bone's rest frame).
        """
        rig = self.rig
        if self._base is not None:
            return self._base
        body = rig.body
        b = body.bone
        rest = body.rest_vertices
        spine01 = b("spine01")
        torso_bones = [b(n) for n in ("spine01", "spine02", "clavicle.L", "clavicle.R")]
        upper_back = np.isin(body.dominant_bone, torso_bones)
        # Standing, the back is +y: the pivot is the most posterior upper-back point.
        shoulder_z = rig.shoulder_mid_rest[2]
        upper_back &= (rest[:, 2] > shoulder_z - 0.03) & (np.abs(rest[:, 0]) < 0.12)
        candidates = rest[upper_back]
        pivot_rest = candidates[np.argmax(candidates[:, 1])].copy()
        pivot_rest[0] = 0.0
        pelvis_bones = [
            b(n)
            for n in ("root", "pelvis.L", "pelvis.R", "spine05", "upperleg01.L", "upperleg01.R")
        ]
        seat = np.isin(body.dominant_bone, pelvis_bones)
        elevation = 0.0
        for _ in range(3):
            _, overrides, local = self._trunk(elevation, 0.0, 0.0)
            rotations = rig.assemble(overrides, local)
            posed = forward_kinematics(body, rotations, np.zeros(3))
            pivot_world = posed.heads[spine01] + rotations[spine01] @ (
                pivot_rest - body.rest_heads[spine01]
            )
            vertices = skin(body, posed)
            seat_z = vertices[seat, 2].min() - pivot_world[2]
            hip_mid = 0.5 * (posed.heads[rig.hip["L"]] + posed.heads[rig.hip["R"]])
            lever = float(np.linalg.norm((hip_mid - pivot_world)[1:]))
            # Raise or lower the hips until the seat just touches the floor.
            elevation -= np.degrees(np.arcsin(np.clip(seat_z / lever, -0.5, 0.5)))
        self._base = (elevation, pivot_rest)
        return self._base

    def _skeleton(
        self, elevation_deg: float, arch_deg: float, roll_deg: float
    ) -> tuple[np.ndarray, dict[int, np.ndarray], dict[int, np.ndarray], np.ndarray]:
        """Pelvis, overrides, locals and root position with the pivot on the floor at y = 0."""
        rig = self.rig
        body = rig.body
        spine01 = body.bone("spine01")
        _, pivot_rest = self.pivot()
        pelvis, overrides, local = self._trunk(elevation_deg, arch_deg, roll_deg)
        rotations = rig.assemble(overrides, local)
        posed = forward_kinematics(body, rotations, np.zeros(3))
        pivot_world = posed.heads[spine01] + rotations[spine01] @ (
            pivot_rest - body.rest_heads[spine01]
        )
        root = -pivot_world
        root[0] = 0.0
        return pelvis, overrides, local, root

    def top(self, shk_deg: float, knee_deg: float, arch_deg: float) -> tuple[float, float]:
        """Solve the top of a bridge for a shoulder-hip-knee angle and a knee angle (skeleton).

        Returns (trunk elevation at the top in degrees, ankle world y) such that, with the
        thigh at ``shk_deg`` to the shoulder-hip line and the knee at ``knee_deg``, the ankles
        are at floor height.
        """
        rig = self.rig
        key = (round(shk_deg, 3), round(knee_deg, 3), round(arch_deg, 3))
        if key in self._cache:
            return self._cache[key]
        body = rig.body
        w = rig.working

        def ankle_at(elevation: float) -> np.ndarray:
            _, overrides, local, root = self._skeleton(elevation, arch_deg, 0.0)
            rotations = rig.assemble(overrides, local)
            posed = forward_kinematics(body, rotations, root)
            shoulder = 0.5 * (posed.heads[rig.upperarm["L"]] + posed.heads[rig.upperarm["R"]])
            hip = posed.heads[rig.hip[w]]
            hip_mid = 0.5 * (posed.heads[rig.hip["L"]] + posed.heads[rig.hip["R"]])
            trunk_dir = unit(hip_mid - shoulder)
            trunk_dir[0] = 0.0
            trunk_dir = unit(trunk_dir)
            # Thigh continues the trunk line, bent down (knee lower) by 180 - shk.
            thigh_dir = axis_angle(X_AXIS, -np.radians(180.0 - shk_deg)) @ trunk_dir
            knee = hip + rig.thigh_len * thigh_dir
            shin_dir = axis_angle(X_AXIS, np.radians(180.0 - knee_deg)) @ thigh_dir
            return knee + rig.shin_len * shin_dir

        lo, hi = 0.0, 70.0
        for _ in range(40):
            mid = 0.5 * (lo + hi)
            if ankle_at(mid)[2] < rig.ankle_height:
                lo = mid
            else:
                hi = mid
        elevation = 0.5 * (lo + hi)
        ankle = ankle_at(elevation)
        result = (elevation, float(ankle[1]))
        self._cache[key] = result
        return result

    def __call__(self, p: BridgeParams) -> Posed:
        """Glute bridge pose."""
        rig = self.rig
        body = rig.body
        heads = body.rest_heads
        base_elevation, _ = self.pivot()
        lift = float(np.clip(p.lift, 0.0, 1.0))
        elevation = base_elevation + lift * (p.top_elevation_deg - base_elevation)
        pelvis, overrides, local, root = self._skeleton(
            elevation, lift * p.arch_deg, lift * p.pelvic_roll_deg
        )
        rotations = rig.assemble(overrides, local)
        posed = forward_kinematics(body, rotations, root)
        feet_sides = [rig.working] if rig.single_leg else ["L", "R"]
        thigh_dirs = {}
        for side in feet_sides:
            hip = posed.heads[rig.hip[side]]
            ankle = np.array(
                [heads[rig.hip[side], 0] * 1.5, p.ankle_y, rig.ankle_height + p.foot_lift_m]
            )
            knee = rig.two_link_knee(hip, ankle, np.array([0.0, -0.3, 1.0]))
            if p.knee_in_m > 0 and lift > 0:
                medial = np.array([-1.0 if side == "L" else 1.0, 0.0, 0.0])
                knee = rig.move_knee(hip, knee, ankle, medial, lift * p.knee_in_m)
            rig.leg(side, pelvis, hip, knee, ankle, np.eye(3), overrides)
            thigh_dirs[side] = unit(knee - hip)
        if rig.single_leg:
            f = rig.free
            hip = posed.heads[rig.hip[f]]
            thigh_dir = thigh_dirs[rig.working]
            if abs(p.pelvic_roll_deg) > 1e-6 and lift > 0:
                # The free leg drops with the pelvis: rotate it about the trunk axis.
                supine = rot_x(-90.0 - elevation)
                axis = supine @ Z_AXIS
                unrolled = supine @ (heads[rig.hip[f]] - heads[0])
                rolled = pelvis @ (heads[rig.hip[f]] - heads[0])
                roll = min_arc(
                    unrolled - np.dot(unrolled, axis) * axis, rolled - np.dot(rolled, axis) * axis
                )
                thigh_dir = roll @ thigh_dir
            knee = hip + rig.thigh_len * thigh_dir
            ankle = knee + rig.shin_len * thigh_dir
            rig.leg(f, pelvis, hip, knee, ankle, None, overrides)
        # Arms lie on the floor along the body, palms down.
        rotations = rig.assemble(overrides, local)
        posed = forward_kinematics(body, rotations, root)
        for side in "LR":
            sign = 1.0 if side == "L" else -1.0
            shoulder = posed.heads[rig.upperarm[side]]
            # The hand rests on the floor beside the hip.
            hand = np.array([sign * 0.30, shoulder[1] - 0.50, 0.035])
            direction = unit(hand - shoulder)
            parent = rotations[body.parents[rig.upperarm[side]]]
            fore = direction
            rig.arm(side, parent, direction, fore, overrides)
        rotations = rig.assemble(overrides, local)
        return forward_kinematics(body, rotations, root)


# ---------------------------------------------------------------------------- timeline
def _measure_pose(body: Body, poser: BridgePoser, params: BridgeParams) -> dict[str, float]:
    rig = poser.rig
    kp = pose_keypoints(body, poser(params))
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


def _top(poser: BridgePoser, body: Body, rep: RepSpec, good_ankle_y: float) -> BridgeParams:
    """Top pose of a bridge rep, calibrated on the measured keypoint angles."""
    shk_target = GOOD_SHK_DEG
    arch = 0.0
    ankle_y = good_ankle_y
    if (f := rep.fault("bridge.incomplete_lockout")) is not None:
        shk_target = f.magnitude
    if (f := rep.fault("bridge.hyperextension")) is not None:
        shk_target = f.magnitude
        arch = 1.2 * (f.magnitude - 180.0)
    if (f := rep.fault("bridge.feet_placement")) is not None:
        ankle_y = _feet_for_knee(poser, body, f.magnitude)
    knee_in = f.magnitude if (f := rep.fault("bridge.knees_caving")) is not None else 0.0
    drop_target = f.magnitude if (f := rep.fault("bridge.pelvic_drop")) is not None else 0.0
    base_elevation, _ = poser.pivot()
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
            if _measure_pose(body, poser, trial)["shk"] < shk_target:
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
            roll += drop_target - _measure_pose(body, poser, params)["drop"]
    return params


def _feet_for_knee(poser: BridgePoser, body: Body, knee_target: float) -> float:
    """Ankle y that gives the measured knee angle at a 180-degree top."""
    shk_cmd, knee_cmd = 180.0, knee_target
    ankle_y = -0.6
    for _ in range(4):
        elevation, ankle_y = poser.top(shk_cmd, knee_cmd, 0.0)
        got = _measure_pose(
            body, poser, BridgeParams(lift=1.0, top_elevation_deg=elevation, ankle_y=ankle_y)
        )
        shk_cmd += GOOD_SHK_DEG - got["shk"]
        knee_cmd += knee_target - got["knee"]
    return ankle_y


def _timeline(spec: ClipSpec, poser: BridgePoser, body: Body,
              rng: np.random.Generator) -> Timeline:
    del rng  # a bridge's good reps do not vary
    fps = spec.fps
    params: list[BridgeParams] = []
    reps: list[RepTiming] = []
    sets: list[SetTiming] = []
    good_ankle_y = _feet_for_knee(poser, body, GOOD_KNEE_DEG)
    all_reps = [rep for s in spec.sets for rep in s.reps]
    tops = [_top(poser, body, rep, good_ankle_y) for rep in all_reps]
    current = replace(tops[0], lift=0.0)

    def hold(pose: BridgeParams, seconds: float) -> None:
        params.extend([pose] * frames(seconds, fps))

    def move_feet(to_y: float) -> None:
        nonlocal current
        n = frames(0.6, fps)
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
            n_up = frames(tempo.down_s, fps)
            for i in range(1, n_up + 1):
                params.append(replace(top, lift=smoothstep(i / n_up)))
            hold_start = len(params) - 1
            if tempo.hold_s > 0:
                hold(top, tempo.hold_s)
            hold_end = len(params) - 1
            n_down = frames(tempo.up_s, fps)
            for i in range(1, n_down + 1):
                params.append(replace(top, lift=1.0 - smoothstep(i / n_down)))
            end = len(params) - 1
            reps.append(
                RepTiming(rep_index, set_index + 1, max(start, 0), end, hold_start, hold_end, rep)
            )
            hold(current, tempo.pause_s)
        sets.append(set_timing(set_index, set_spec, reps))
    hold(current, spec.idle_after_s)
    return Timeline(fps=fps, params=tuple(params), reps=tuple(reps), sets=tuple(sets))


# ---------------------------------------------------------------------------- truth
def _measure_rep(
    spec: ClipSpec, rig: Rig, kps: np.ndarray, start: int, end: int, fps: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Measured values of one rep, and the measured magnitude of each fault code."""
    free = "left" if rig.free == "L" else "right"
    working = "left" if rig.working == "L" else "right"
    span = range(start, end + 1)
    duration = (end - start) / fps
    hips = np.array([measure.hip_height_m(kps[i]) for i in span])
    top = start + int(np.argmax(hips))
    side = working if rig.single_leg else None
    if rig.single_leg:
        knee_angle = measure.knee_included_deg(kps[top], working)
    else:
        knee_angle = 0.5 * (
            measure.knee_included_deg(kps[top], "left")
            + measure.knee_included_deg(kps[top], "right")
        )
    shoulders = np.array([measure.shoulder_height_m(kps[i]) for i in span])
    measured = {
        "top_s": top / fps,
        "shoulder_hip_knee_deg": measure.shoulder_hip_knee_deg(kps[top], side),
        "knee_angle_deg": knee_angle,
        "pelvic_drop_deg": measure.pelvic_drop_deg(kps[top], free)
        if rig.single_leg
        else abs(measure.pelvis_rise_deg(kps[top], "left")),
        "knee_ankle_separation_ratio": measure.knee_ankle_separation_ratio(kps[top]),
        "hip_rise_m": float(hips.max() - hips[0]),
        "hold_s": float(np.sum(hips >= hips.max() - 0.01)) / fps,
        "shoulder_rise_m": float(shoulders.max() - shoulders[0]),
        "duration_s": duration,
    }
    by_code = {
        "bridge.incomplete_lockout": measured["shoulder_hip_knee_deg"],
        "bridge.hyperextension": measured["shoulder_hip_knee_deg"],
        "bridge.pelvic_drop": measured["pelvic_drop_deg"],
        "bridge.knees_caving": measured["knee_ankle_separation_ratio"],
        "bridge.feet_placement": knee_angle,
        "bridge.rushed": duration,
    }
    return measured, by_code


BRIDGE = Move(
    name="bridge",
    # How each fault is posed: code -> (unit, (least, most) magnitude a spec may ask for).
    # Knees caving is posed in metres of inward travel.
    magnitudes={
        "bridge.incomplete_lockout": ("deg", (110.0, 170.0)),
        "bridge.hyperextension": ("deg", (185.0, 220.0)),
        "bridge.pelvic_drop": ("deg", (4.0, 30.0)),
        "bridge.knees_caving": ("m", (0.03, 0.15)),
        "bridge.feet_placement": ("deg", (40.0, 150.0)),
        "bridge.rushed": ("s", (0.4, 1.5)),
    },
    tempo=Tempo(down_s=1.0, hold_s=0.7, up_s=1.3, pause_s=0.8),
    views=("side", "oblique", "feet", "head"),
    elevation_deg=22.0,
    elevation_by_view={"oblique": 28.0},
    variants=("double", "single_leg"),
    needs_variant={"bridge.pelvic_drop": "single_leg"},
    poser=BridgePoser,
    timeline=_timeline,
    measure_rep=_measure_rep,
    # Heuristic: a neutral, controlled rep of these bodies; the good-form targets above lie
    # well inside.
    good_bounds={
        "shoulder_hip_knee_deg": (172.0, 185.0),
        "knee_angle_deg": (80.0, 100.0),
        "knee_ankle_separation_ratio": (0.7, 1.5),
        "hold_s": (0.5, 3.0),
        "duration_s": (2.0, 6.0),
    },
    not_on_one_leg=("knee_ankle_separation_ratio",),  # one foot is in the air
    true_limits={
        "bridge.knees_caving": (
            0.7,
            "heuristic: knees at under 0.7 of the feet's width have clearly fallen inward; the"
            " analyser compares the knees' width with their own width at the start instead",
        ),
    },
    label_units={"bridge.knees_caving": "ratio"},
    on_mat=True,
)
