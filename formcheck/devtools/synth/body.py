"""The anny body: rest mesh and skeleton for one body shape, posed in numpy.

anny (and torch) are used once per body shape to build the rest mesh; posing (forward
kinematics and linear blend skinning) is then plain numpy, ~10 ms a frame.

World frame of a standing body at rest: metres, +z up, the person faces -y, +x is the
person's left. The origin is the pelvis (anny's root bone).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from formcheck.devtools.synth.plan import BodySpec, ClothingSpec

logger = logging.getLogger(__name__)

# Vertex part ids, for painting.
PART_SKIN, PART_HAIR, PART_TOP, PART_BOTTOM, PART_SHOES, PART_EYES = range(6)


@dataclass(frozen=True, eq=False)
class Body:
    """One body shape at rest, ready to pose.

    Attributes:
        rest_vertices: (V, 3) rest mesh, metres.
        faces: (F, 3) triangle vertex indices.
        rest_heads: (J, 3) rest bone heads (joint centres), metres.
        parents: (J,) parent bone index, -1 for the root; parents come before children.
        bone_labels: J names.
        skin_bones: (V, K) bone index of each skinning influence.
        skin_weights: (V, K) skinning weights, rows summing to 1.
        keypoint_weights: (P, V) COCO-style keypoint regressor (rows sum to 1).
        keypoint_labels: P keypoint names (nose, left_shoulder, ..., right_heel).
        dominant_bone: (V,) index of the bone with the largest weight on each vertex.
    """

    rest_vertices: np.ndarray
    faces: np.ndarray
    rest_heads: np.ndarray
    parents: np.ndarray
    bone_labels: tuple[str, ...]
    skin_bones: np.ndarray
    skin_weights: np.ndarray
    keypoint_weights: np.ndarray
    keypoint_labels: tuple[str, ...]
    dominant_bone: np.ndarray

    def __post_init__(self) -> None:
        n_vertices = self.rest_vertices.shape[0]
        n_bones = len(self.bone_labels)
        if self.rest_vertices.shape != (n_vertices, 3):
            raise ValueError(f"rest_vertices: expected (V, 3), got {self.rest_vertices.shape}")
        if self.rest_heads.shape != (n_bones, 3):
            raise ValueError(f"rest_heads: expected ({n_bones}, 3), got {self.rest_heads.shape}")
        if self.keypoint_weights.shape[1] != n_vertices:
            raise ValueError(
                f"keypoint_weights: expected (P, {n_vertices}), got {self.keypoint_weights.shape}"
            )

    def bone(self, label: str) -> int:
        return self.bone_labels.index(label)

    def keypoint(self, label: str) -> int:
        return self.keypoint_labels.index(label)

    def segment_length(self, head: str, tail: str) -> float:
        """Rest distance between two bone heads, metres."""
        return float(
            np.linalg.norm(self.rest_heads[self.bone(tail)] - self.rest_heads[self.bone(head)])
        )


@functools.lru_cache(maxsize=1)
def _anny_model() -> Any:
    import anny  # only here: the rest of formcheck never needs torch

    logger.info("loading anny (the first load ever builds ~790 MB in ~/.cache/anny)")
    model = anny.Anny()
    regressor = anny.KeypointsRegressor.coco(model)
    return model, regressor


@functools.lru_cache(maxsize=8)
def load_body(shape: BodySpec) -> Body:
    """Build the rest mesh and skeleton of one body shape with anny."""
    import torch

    model, regressor = _anny_model()
    with torch.no_grad():
        out = model(phenotype_kwargs=shape.as_kwargs())
        rest_vertices = out["rest_vertices"][0].double().numpy()
        rest_heads = out["rest_bone_poses"][0, :, :3, 3].double().numpy()
        keypoint_weights = regressor.regression_weights.double().numpy()
    faces = model.get_triangular_faces().numpy().astype(np.int32)
    parents = np.asarray(model.bone_parents, dtype=np.int64)
    if np.any(parents[1:] >= np.arange(1, len(parents))):
        raise RuntimeError("anny's bones are not in parent-first order")
    skin_bones = model.vertex_bone_indices.numpy().astype(np.int64)
    skin_weights = model.vertex_bone_weights.double().numpy()
    skin_weights = skin_weights / np.clip(skin_weights.sum(axis=1, keepdims=True), 1e-9, None)
    dominant = skin_bones[np.arange(len(skin_bones)), np.argmax(skin_weights, axis=1)]
    return Body(
        rest_vertices=rest_vertices,
        faces=faces,
        rest_heads=rest_heads,
        parents=parents,
        bone_labels=tuple(model.bone_labels),
        skin_bones=skin_bones,
        skin_weights=skin_weights,
        keypoint_weights=keypoint_weights,
        keypoint_labels=tuple(regressor.labels),
        dominant_bone=dominant,
    )


@dataclass(frozen=True)
class Posed:
    """A posed skeleton.

    Attributes:
        rotations: (J, 3, 3) world rotation of each bone relative to its rest orientation.
        heads: (J, 3) world position of each bone head, metres.
    """

    rotations: np.ndarray
    heads: np.ndarray


def forward_kinematics(body: Body, rotations: np.ndarray, root_position: np.ndarray) -> Posed:
    """Bone head positions from world bone rotations.

    Args:
        body: the rest body.
        rotations: (J, 3, 3) world rotation of every bone relative to rest.
        root_position: (3,) world position of the root bone head, metres.
    """
    heads = np.empty_like(body.rest_heads)
    heads[0] = root_position
    rest = body.rest_heads
    for child in range(1, len(body.parents)):
        parent = body.parents[child]
        heads[child] = heads[parent] + rotations[parent] @ (rest[child] - rest[parent])
    return Posed(rotations=rotations, heads=heads)


def skin(body: Body, posed: Posed) -> np.ndarray:
    """Linear blend skinning: (V, 3) posed vertices, metres."""
    rotations = posed.rotations
    translations = posed.heads - np.einsum("jab,jb->ja", rotations, body.rest_heads)
    vertices = np.zeros_like(body.rest_vertices)
    rest = body.rest_vertices
    for k in range(body.skin_bones.shape[1]):
        bones = body.skin_bones[:, k]
        weight = body.skin_weights[:, k : k + 1]
        moved = np.einsum("vab,vb->va", rotations[bones], rest) + translations[bones]
        vertices += weight * moved
    return vertices


def keypoints(body: Body, vertices: np.ndarray) -> np.ndarray:
    """(P, 3) COCO-style keypoints regressed from posed vertices, metres."""
    return body.keypoint_weights @ vertices


@functools.lru_cache(maxsize=8)
def _keypoint_support(body: Body) -> np.ndarray:
    return np.flatnonzero(np.abs(body.keypoint_weights).sum(axis=0) > 0)


def pose_keypoints(body: Body, posed: Posed) -> np.ndarray:
    """(P, 3) keypoints of a pose, skinning only the vertices the regressor reads (fast)."""
    support = _keypoint_support(body)
    rotations = posed.rotations
    translations = posed.heads - np.einsum("jab,jb->ja", rotations, body.rest_heads)
    rest = body.rest_vertices[support]
    vertices = np.zeros_like(rest)
    for k in range(body.skin_bones.shape[1]):
        bones = body.skin_bones[support, k]
        weight = body.skin_weights[support, k : k + 1]
        vertices += weight * (np.einsum("vab,vb->va", rotations[bones], rest) + translations[bones])
    return body.keypoint_weights[:, support] @ vertices


def _hex_rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64) / 255.0


def vertex_parts(body: Body, clothing: ClothingSpec) -> np.ndarray:
    """(V,) part id of each vertex (skin, hair, top, bottom, shoes, eyes), from the rest mesh."""
    labels = body.bone_labels
    rest = body.rest_vertices
    dominant_labels = np.array([labels[b] for b in body.dominant_bone])
    parts = np.full(len(rest), PART_SKIN, dtype=np.int8)

    def heads(name: str) -> np.ndarray:
        return body.rest_heads[body.bone(name)]

    waist_z = heads("root")[2] + 0.03
    neck_z = heads("neck01")[2] + 0.01
    ankle_z = heads("foot.L")[2] + 0.06
    knee_z = heads("lowerleg01.L")[2]
    shorts_z = knee_z + 0.10
    head_z = heads("head")[2]
    is_leg = np.char.startswith(dominant_labels, "upperleg") | np.char.startswith(
        dominant_labels, "lowerleg"
    )
    is_foot = np.char.startswith(dominant_labels, "foot") | np.char.startswith(
        dominant_labels, "toe"
    )
    is_arm = np.char.startswith(dominant_labels, "upperarm") | np.char.startswith(
        dominant_labels, "shoulder"
    )
    is_forearm = np.char.startswith(dominant_labels, "lowerarm")
    is_hand = (
        np.char.startswith(dominant_labels, "wrist")
        | np.char.startswith(dominant_labels, "finger")
        | np.char.startswith(dominant_labels, "metacarpal")
    )
    is_head = np.isin(dominant_labels, ["head", "neck02", "neck03", "eye.L", "eye.R"])
    is_eye = np.char.startswith(dominant_labels, "eye")
    is_torso = ~(is_leg | is_foot | is_arm | is_forearm | is_hand | is_head)

    z = rest[:, 2]
    parts[is_torso & (z >= waist_z) & (z < neck_z)] = PART_TOP
    parts[is_torso & (z < waist_z)] = PART_BOTTOM
    leg_limit = ankle_z if clothing.legs == "long" else shorts_z
    parts[is_leg & (z >= leg_limit)] = PART_BOTTOM
    parts[(is_leg | is_torso) & (z < waist_z) & (z >= leg_limit)] = PART_BOTTOM
    parts[is_foot | (is_leg & (z < ankle_z - 0.02))] = PART_SHOES
    if clothing.sleeves != "none":
        upper_arm_mid_z = 0.5 * (heads("upperarm01.L")[2] + heads("lowerarm01.L")[2])
        sleeve = is_arm if clothing.sleeves == "long" else is_arm & (z > upper_arm_mid_z)
        parts[sleeve] = PART_TOP
        if clothing.sleeves == "long":
            parts[is_forearm & (z > heads("wrist.L")[2] + 0.04)] = PART_TOP
    # Hair: the crown and the back of the head, above the ears.
    face_y = rest[is_head, 1].min()
    back_y = rest[is_head, 1].max()
    crown = is_head & (z > head_z + 0.075)
    back = is_head & (rest[:, 1] > face_y + 0.55 * (back_y - face_y)) & (z > head_z - 0.01)
    parts[crown | back] = PART_HAIR
    parts[is_eye] = PART_EYES
    return parts


def part_colours(clothing: ClothingSpec) -> np.ndarray:
    """(6, 3) RGB in [0, 1] for the part ids."""
    return np.stack(
        [
            _hex_rgb(clothing.skin),
            _hex_rgb(clothing.hair),
            _hex_rgb(clothing.top),
            _hex_rgb(clothing.bottom),
            _hex_rgb(clothing.shoes),
            np.array([0.08, 0.06, 0.05]),
        ]
    )


def hex_rgb(colour: str) -> np.ndarray:
    """'#rrggbb' -> (3,) RGB in [0, 1]."""
    return _hex_rgb(colour)
