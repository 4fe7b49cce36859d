"""Whole-body poses of the two exercises, from a few named angles.

Each pose is built as world rotations of the driven bones (pelvis, thighs, shins, feet, upper
arms, forearms, spine, neck); every other bone follows its parent rigidly. The legs are solved
per frame from joint positions, so a planted foot stays exactly where it was put.

World frame: metres, +z up, floor at z = 0. Standing (sldl) the person faces -y and +x is
their left. Lying (bridge) the head points to +y, the face up, +x is still their left.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.synth.body import Body, Posed, forward_kinematics
from formcheck.synth.geometry import (
    axis_angle,
    blend_rotation,
    min_arc,
    rot_x,
    rot_z,
    unit,
)

_X = np.array([1.0, 0.0, 0.0])
_Z = np.array([0.0, 0.0, 1.0])


def _suffix(side: str) -> str:
    return "L" if side == "left" else "R"


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


class Rig:
    """Poses one body for both exercises.

    Args:
        body: the rest body.
        working_leg: "left" | "right", the sldl stance leg or the single-leg bridge's working leg.
        single_leg: bridge variant with the free leg held up, extended.
    """

    def __init__(self, body: Body, working_leg: str, single_leg: bool = False) -> None:
        self.body = body
        self.working = _suffix(working_leg)
        self.free = "R" if self.working == "L" else "L"
        self.single_leg = single_leg
        b = body.bone
        heads = body.rest_heads
        self.root = 0
        self.hip = {s: b(f"upperleg01.{s}") for s in "LR"}
        self.knee = {s: b(f"lowerleg01.{s}") for s in "LR"}
        self.ankle = {s: b(f"foot.{s}") for s in "LR"}
        self.upperarm = {s: b(f"upperarm01.{s}") for s in "LR"}
        self.forearm = {s: b(f"lowerarm01.{s}") for s in "LR"}
        self.wrist = {s: b(f"wrist.{s}") for s in "LR"}
        self.thigh_len = body.segment_length("upperleg01.L", "lowerleg01.L")
        self.shin_len = body.segment_length("lowerleg01.L", "foot.L")
        # Height of the ankle joint above the sole of a flat foot.
        foot_bones = [i for i, n in enumerate(body.bone_labels) if n.startswith(("foot", "toe"))]
        foot_vertices = np.isin(body.dominant_bone, foot_bones)
        self.ankle_height = float(
            heads[self.ankle["L"], 2] - body.rest_vertices[foot_vertices, 2].min()
        )
        self.shoulder_mid_rest = 0.5 * (heads[self.upperarm["L"]] + heads[self.upperarm["R"]])
        self.hip_mid_rest = 0.5 * (heads[self.hip["L"]] + heads[self.hip["R"]])
        self.trunk_down_rest = unit(self.hip_mid_rest - self.shoulder_mid_rest)
        self._bridge_cache: dict[tuple[float, float, float], tuple[float, float]] = {}
        self._bridge_base: tuple[float, np.ndarray] | None = None

    # ------------------------------------------------------------------ assembly
    def _assemble(
        self, overrides: dict[int, np.ndarray], local: dict[int, np.ndarray]
    ) -> np.ndarray:
        """World rotations of all bones: overridden ones as given, others follow their parent."""
        parents = self.body.parents
        n_bones = len(parents)
        rotations = np.empty((n_bones, 3, 3))
        rotations[0] = overrides.get(0, np.eye(3))
        for child in range(1, n_bones):
            if child in overrides:
                rotations[child] = overrides[child]
            else:
                rotations[child] = rotations[parents[child]] @ local.get(child, np.eye(3))
        return rotations

    def _rest_vec(self, head: int, tail: int) -> np.ndarray:
        return self.body.rest_heads[tail] - self.body.rest_heads[head]

    def _leg(
        self,
        side: str,
        pelvis: np.ndarray,
        hip: np.ndarray,
        knee: np.ndarray,
        ankle: np.ndarray,
        foot: np.ndarray | None,
        overrides: dict[int, np.ndarray],
    ) -> None:
        """Thigh and shin rotations putting the knee and ankle where given (lengths must match)."""
        thigh_rest = self._rest_vec(self.hip[side], self.knee[side])
        shin_rest = self._rest_vec(self.knee[side], self.ankle[side])
        thigh = min_arc(pelvis @ thigh_rest, knee - hip) @ pelvis
        shin = min_arc(thigh @ shin_rest, ankle - knee) @ thigh
        overrides[self.hip[side]] = thigh
        overrides[self.knee[side]] = shin
        if foot is not None:
            overrides[self.ankle[side]] = foot

    def _arm(
        self,
        side: str,
        parent: np.ndarray,
        upper_dir: np.ndarray,
        fore_dir: np.ndarray,
        overrides: dict[int, np.ndarray],
    ) -> None:
        upper_rest = self._rest_vec(self.upperarm[side], self.forearm[side])
        fore_rest = self._rest_vec(self.forearm[side], self.wrist[side])
        upper = min_arc(parent @ upper_rest, upper_dir) @ parent
        fore = min_arc(upper @ fore_rest, fore_dir) @ upper
        overrides[self.upperarm[side]] = upper
        overrides[self.forearm[side]] = fore

    def _two_link_knee(self, hip: np.ndarray, ankle: np.ndarray, pole: np.ndarray) -> np.ndarray:
        """Knee position for a hip and an ankle, bending toward ``pole``."""
        span = ankle - hip
        distance = float(np.linalg.norm(span))
        a, b = self.thigh_len, self.shin_len
        distance = min(max(distance, abs(a - b) + 1e-6), a + b - 1e-6)
        axis = unit(span)
        normal = unit(pole - np.dot(pole, axis) * axis)
        cos_alpha = (a * a + distance * distance - b * b) / (2 * a * distance)
        alpha = np.arccos(np.clip(cos_alpha, -1.0, 1.0))
        return hip + a * (np.cos(alpha) * axis + np.sin(alpha) * normal)

    @staticmethod
    def _move_knee(
        hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray, toward: np.ndarray, distance: float
    ) -> np.ndarray:
        """Rotate the knee about the hip-ankle axis, moving it ``distance`` (m) along ``toward``."""
        if abs(distance) < 1e-9:
            return knee
        axis = unit(ankle - hip)
        foot_of_perp = hip + np.dot(knee - hip, axis) * axis
        radius = float(np.linalg.norm(knee - foot_of_perp))
        if radius < 1e-6:
            return knee
        angle = np.arcsin(np.clip(abs(distance) / radius, 0.0, 0.99))
        best = knee
        best_gain = -np.inf
        for sign in (1.0, -1.0):
            moved = foot_of_perp + axis_angle(axis, sign * angle) @ (knee - foot_of_perp)
            gain = float(np.dot(moved - knee, toward)) * np.sign(distance)
            if gain > best_gain:
                best, best_gain = moved, gain
        return best

    # ------------------------------------------------------------------ sldl
    def sldl(self, p: SldlParams) -> Posed:
        """Single-leg deadlift pose; the stance foot is planted at x = stance hip x, y = 0."""
        heads = self.body.rest_heads
        w, f = self.working, self.free
        floor_ankle_z = self.ankle_height
        stance_ankle = np.array([heads[self.hip[w], 0] * 0.9, 0.0, floor_ankle_z])

        # Stance leg in the sagittal plane: shin leans forward, thigh back, sharing the flexion.
        shin_lean = np.radians(0.55 * p.stance_knee_deg)
        thigh_lean = np.radians(0.45 * p.stance_knee_deg)
        knee = stance_ankle + self.shin_len * np.array([0.0, -np.sin(shin_lean), np.cos(shin_lean)])
        hip = knee + self.thigh_len * np.array([0.0, np.sin(thigh_lean), np.cos(thigh_lean)])
        hip[0] = heads[self.hip[w], 0]

        pitch = rot_x(p.trunk_deg)
        pelvis = pitch
        if abs(p.pelvis_open_deg) > 1e-6:
            # Open toward the free leg: choose the sign that raises the free hip (a negative
            # value lowers it, used to level a good rep's pelvis).
            best = None
            for sign in (1.0, -1.0):
                candidate = pitch @ rot_z(sign * abs(p.pelvis_open_deg))
                free_hip_z = (candidate @ (heads[self.hip[f]] - heads[0]))[2]
                if best is None or free_hip_z > best[0]:
                    best = (free_hip_z, candidate)
            assert best is not None
            pelvis = best[1]
            if p.pelvis_open_deg < 0:
                pelvis = pitch @ (pitch.T @ best[1]).T
        # Place the root so that the stance hip lands on the solved hip.
        root = hip - pelvis @ (heads[self.hip[w]] - heads[0])
        # Re-solve the stance knee for the exact hip (the pelvis may have shifted it).
        knee = self._two_link_knee(hip, stance_ankle, np.array([0.0, -1.0, 0.0]))
        if abs(p.valgus_deg) > 1e-6:
            medial = np.array([1.0 if w == "R" else -1.0, 0.0, 0.0])
            half = np.radians(p.valgus_deg) / 2.0
            shift = (
                np.tan(half) * self.thigh_len * self.shin_len / (self.thigh_len + self.shin_len) * 2
            )
            knee = self._move_knee(hip, knee, stance_ankle, medial, shift)

        overrides: dict[int, np.ndarray] = {0: pelvis}
        self._leg(w, pelvis, hip, knee, stance_ankle, np.eye(3), overrides)

        # Free leg.
        free_hip = root + pelvis @ (heads[self.hip[f]] - heads[0])
        lateral = pelvis @ _X
        trunk_down = pitch @ self.trunk_down_rest
        # Planted beside the stance foot, mirroring the stance leg.
        planted_ankle = np.array([heads[self.hip[f], 0] * 0.9, 0.0, floor_ankle_z])
        planted_knee = self._two_link_knee(free_hip, planted_ankle, np.array([0.0, -1.0, 0.0]))
        below = p.free_below_deg
        thigh_dir = axis_angle(lateral, -np.radians(below)) @ trunk_down
        lifted_knee = free_hip + self.thigh_len * thigh_dir
        shin_dir = axis_angle(lateral, np.radians(p.free_knee_deg)) @ thigh_dir
        lifted_ankle = lifted_knee + self.shin_len * shin_dir
        lift = float(np.clip(p.free_lift, 0.0, 1.0))
        touch = float(np.clip(p.touch, 0.0, 1.0))
        # The two grounded alternatives: beside the stance foot (standing) or, for a
        # touch-down, flat on the floor behind it, as far back as the leg reaches.
        if touch > 0:
            reach = 0.96 * (self.thigh_len + self.shin_len)
            drop = free_hip[2] - floor_ankle_z
            back = np.sqrt(max(reach**2 - drop**2, 0.0))
            ground_ankle = np.array([planted_ankle[0], free_hip[1] + back, floor_ankle_z])
            ground_knee = self._two_link_knee(free_hip, ground_ankle, np.array([0.0, -1.0, 0.0]))
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
        self._leg(f, pelvis, free_hip, free_knee, free_ankle, None, overrides)
        # The free foot is flat when grounded and follows the shin once lifted.
        shin_rot = overrides[self.knee[f]]
        overrides[self.ankle[f]] = blend_rotation(shin_rot, np.eye(3), min(1.0, weight * 1.5))

        # Arms hang straight down under the shoulders, off the thighs when standing.
        spread = 0.05 + 0.17 * p.arms_out
        rotations = self._assemble(overrides, {})
        for side in "LR":
            sign = 1.0 if side == "L" else -1.0
            shoulder_parent = rotations[self.body.parents[self.upperarm[side]]]
            down = unit(np.array([sign * spread, -0.02, -1.0]))
            fore = unit(np.array([sign * spread * 0.8, -0.08, -1.0]))
            self._arm(side, shoulder_parent, down, fore, overrides)
        rotations = self._assemble(overrides, {})
        return forward_kinematics(self.body, rotations, root)

    # ------------------------------------------------------------------ bridge
    def _bridge_trunk(
        self, elevation_deg: float, arch_deg: float, roll_deg: float
    ) -> tuple[np.ndarray, dict[int, np.ndarray], dict[int, np.ndarray]]:
        """Pelvis rotation, overrides and local rotations of the lying trunk (root at origin)."""
        b = self.body.bone
        heads = self.body.rest_heads
        supine = rot_x(-90.0 - elevation_deg)
        pelvis = supine
        if abs(roll_deg) > 1e-6:
            best = None
            for sign in (1.0, -1.0):
                candidate = supine @ rot_z(sign * roll_deg)
                free_hip_z = (candidate @ (heads[self.hip[self.free]] - heads[0]))[2]
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
        if self._bridge_base is not None:
            overrides[b("spine01")] = rot_x(-90.0 - self._bridge_base[0])
        overrides[b("neck01")] = rot_x(-90.0)
        return pelvis, overrides, local

    def _bridge_pivot(self) -> tuple[float, np.ndarray]:
        """Base elevation that rests the buttocks on the floor, and the shoulder-blade pivot.

        The pivot is a point on the upper back under the shoulders, fixed on the floor.
        Returns (base elevation deg, pivot position in the spine01 bone's rest frame).
        """
        if self._bridge_base is not None:
            return self._bridge_base
        from formcheck.synth.body import skin

        body = self.body
        b = body.bone
        rest = body.rest_vertices
        spine01 = b("spine01")
        torso_bones = [b(n) for n in ("spine01", "spine02", "clavicle.L", "clavicle.R")]
        upper_back = np.isin(body.dominant_bone, torso_bones)
        # Standing, the back is +y: the pivot is the most posterior upper-back point.
        shoulder_z = self.shoulder_mid_rest[2]
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
            _, overrides, local = self._bridge_trunk(elevation, 0.0, 0.0)
            rotations = self._assemble(overrides, local)
            posed = forward_kinematics(body, rotations, np.zeros(3))
            pivot_world = posed.heads[spine01] + rotations[spine01] @ (
                pivot_rest - body.rest_heads[spine01]
            )
            vertices = skin(body, posed)
            seat_z = vertices[seat, 2].min() - pivot_world[2]
            hip_mid = 0.5 * (posed.heads[self.hip["L"]] + posed.heads[self.hip["R"]])
            lever = float(np.linalg.norm((hip_mid - pivot_world)[1:]))
            # Raise or lower the hips until the seat just touches the floor.
            elevation -= np.degrees(np.arcsin(np.clip(seat_z / lever, -0.5, 0.5)))
        self._bridge_base = (elevation, pivot_rest)
        return self._bridge_base

    def _bridge_skeleton(
        self, elevation_deg: float, arch_deg: float, roll_deg: float
    ) -> tuple[np.ndarray, dict[int, np.ndarray], dict[int, np.ndarray], np.ndarray]:
        """Pelvis, overrides, locals and root position with the pivot on the floor at y = 0."""
        body = self.body
        spine01 = body.bone("spine01")
        _, pivot_rest = self._bridge_pivot()
        pelvis, overrides, local = self._bridge_trunk(elevation_deg, arch_deg, roll_deg)
        rotations = self._assemble(overrides, local)
        posed = forward_kinematics(body, rotations, np.zeros(3))
        pivot_world = posed.heads[spine01] + rotations[spine01] @ (
            pivot_rest - body.rest_heads[spine01]
        )
        root = -pivot_world
        root[0] = 0.0
        return pelvis, overrides, local, root

    def bridge_top(self, shk_deg: float, knee_deg: float, arch_deg: float) -> tuple[float, float]:
        """Solve the top of a bridge for a shoulder-hip-knee angle and a knee angle (skeleton).

        Returns (trunk elevation at the top in degrees, ankle world y) such that, with the
        thigh at ``shk_deg`` to the shoulder-hip line and the knee at ``knee_deg``, the ankles
        are at floor height.
        """
        key = (round(shk_deg, 3), round(knee_deg, 3), round(arch_deg, 3))
        if key in self._bridge_cache:
            return self._bridge_cache[key]
        body = self.body
        w = self.working

        def ankle_at(elevation: float) -> np.ndarray:
            _, overrides, local, root = self._bridge_skeleton(elevation, arch_deg, 0.0)
            rotations = self._assemble(overrides, local)
            posed = forward_kinematics(body, rotations, root)
            shoulder = 0.5 * (posed.heads[self.upperarm["L"]] + posed.heads[self.upperarm["R"]])
            hip = posed.heads[self.hip[w]]
            hip_mid = 0.5 * (posed.heads[self.hip["L"]] + posed.heads[self.hip["R"]])
            trunk_dir = unit(hip_mid - shoulder)
            trunk_dir[0] = 0.0
            trunk_dir = unit(trunk_dir)
            # Thigh continues the trunk line, bent down (knee lower) by 180 - shk.
            thigh_dir = axis_angle(_X, -np.radians(180.0 - shk_deg)) @ trunk_dir
            knee = hip + self.thigh_len * thigh_dir
            shin_dir = axis_angle(_X, np.radians(180.0 - knee_deg)) @ thigh_dir
            return knee + self.shin_len * shin_dir

        lo, hi = 0.0, 70.0
        for _ in range(40):
            mid = 0.5 * (lo + hi)
            if ankle_at(mid)[2] < self.ankle_height:
                lo = mid
            else:
                hi = mid
        elevation = 0.5 * (lo + hi)
        ankle = ankle_at(elevation)
        result = (elevation, float(ankle[1]))
        self._bridge_cache[key] = result
        return result

    def bridge(self, p: BridgeParams) -> Posed:
        """Glute bridge pose."""
        body = self.body
        heads = body.rest_heads
        base_elevation, _ = self._bridge_pivot()
        lift = float(np.clip(p.lift, 0.0, 1.0))
        elevation = base_elevation + lift * (p.top_elevation_deg - base_elevation)
        pelvis, overrides, local, root = self._bridge_skeleton(
            elevation, lift * p.arch_deg, lift * p.pelvic_roll_deg
        )
        rotations = self._assemble(overrides, local)
        posed = forward_kinematics(body, rotations, root)
        feet_sides = [self.working] if self.single_leg else ["L", "R"]
        thigh_dirs = {}
        for side in feet_sides:
            hip = posed.heads[self.hip[side]]
            ankle = np.array(
                [heads[self.hip[side], 0] * 1.5, p.ankle_y, self.ankle_height + p.foot_lift_m]
            )
            knee = self._two_link_knee(hip, ankle, np.array([0.0, -0.3, 1.0]))
            if p.knee_in_m > 0 and lift > 0:
                medial = np.array([-1.0 if side == "L" else 1.0, 0.0, 0.0])
                knee = self._move_knee(hip, knee, ankle, medial, lift * p.knee_in_m)
            self._leg(side, pelvis, hip, knee, ankle, np.eye(3), overrides)
            thigh_dirs[side] = unit(knee - hip)
        if self.single_leg:
            f = self.free
            hip = posed.heads[self.hip[f]]
            thigh_dir = thigh_dirs[self.working]
            if abs(p.pelvic_roll_deg) > 1e-6 and lift > 0:
                # The free leg drops with the pelvis: rotate it about the trunk axis.
                supine = rot_x(-90.0 - elevation)
                axis = supine @ _Z
                unrolled = supine @ (heads[self.hip[f]] - heads[0])
                rolled = pelvis @ (heads[self.hip[f]] - heads[0])
                roll = min_arc(
                    unrolled - np.dot(unrolled, axis) * axis, rolled - np.dot(rolled, axis) * axis
                )
                thigh_dir = roll @ thigh_dir
            knee = hip + self.thigh_len * thigh_dir
            ankle = knee + self.shin_len * thigh_dir
            self._leg(f, pelvis, hip, knee, ankle, None, overrides)
        # Arms lie on the floor along the body, palms down.
        rotations = self._assemble(overrides, local)
        posed = forward_kinematics(body, rotations, root)
        for side in "LR":
            sign = 1.0 if side == "L" else -1.0
            shoulder = posed.heads[self.upperarm[side]]
            # The hand rests on the floor beside the hip.
            hand = np.array([sign * 0.30, shoulder[1] - 0.50, 0.035])
            direction = unit(hand - shoulder)
            parent = rotations[body.parents[self.upperarm[side]]]
            fore = direction
            self._arm(side, parent, direction, fore, overrides)
        rotations = self._assemble(overrides, local)
        return forward_kinematics(body, rotations, root)
