"""The rig every exercise poses: one body's bones, and the joint solvers its poses share.

An exercise's poses live in its plug-in (:mod:`formcheck.devtools.synth.moves`). Each pose
is built as world rotations of the driven bones (pelvis, thighs, shins, feet, upper
arms, forearms, spine, neck); every other bone follows its parent rigidly. The legs are solved
per frame from joint positions, so a planted foot stays exactly where it was put.

World frame: metres, +z up, floor at z = 0. Standing the person faces -y and +x is their
left; lying on the back the head points to +y, the face up, +x is still their left.
"""

from __future__ import annotations

import numpy as np

from formcheck.devtools.synth.body import Body
from formcheck.devtools.synth.geometry import axis_angle, min_arc, unit

#: The world's x axis (the person's left) and z axis (up).
X_AXIS = np.array([1.0, 0.0, 0.0])
Z_AXIS = np.array([0.0, 0.0, 1.0])


def _suffix(side: str) -> str:
    return "L" if side == "left" else "R"


class Rig:
    """One body's bones and lengths, and the solvers that place its limbs.

    Args:
        body: the rest body.
        working_leg: "left" | "right": the leg that works (a deadlift's stance leg, a
            single-leg bridge's planted leg).
        single_leg: the other leg is free (held up, or lifted behind).
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

    # ------------------------------------------------------------------ assembly
    def assemble(
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

    def rest_vec(self, head: int, tail: int) -> np.ndarray:
        return self.body.rest_heads[tail] - self.body.rest_heads[head]

    def leg(
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
        thigh_rest = self.rest_vec(self.hip[side], self.knee[side])
        shin_rest = self.rest_vec(self.knee[side], self.ankle[side])
        thigh = min_arc(pelvis @ thigh_rest, knee - hip) @ pelvis
        shin = min_arc(thigh @ shin_rest, ankle - knee) @ thigh
        overrides[self.hip[side]] = thigh
        overrides[self.knee[side]] = shin
        if foot is not None:
            overrides[self.ankle[side]] = foot

    def arm(
        self,
        side: str,
        parent: np.ndarray,
        upper_dir: np.ndarray,
        fore_dir: np.ndarray,
        overrides: dict[int, np.ndarray],
    ) -> None:
        upper_rest = self.rest_vec(self.upperarm[side], self.forearm[side])
        fore_rest = self.rest_vec(self.forearm[side], self.wrist[side])
        upper = min_arc(parent @ upper_rest, upper_dir) @ parent
        fore = min_arc(upper @ fore_rest, fore_dir) @ upper
        overrides[self.upperarm[side]] = upper
        overrides[self.forearm[side]] = fore

    def two_link_knee(self, hip: np.ndarray, ankle: np.ndarray, pole: np.ndarray) -> np.ndarray:
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
    def move_knee(
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
