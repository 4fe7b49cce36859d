"""Small rotation helpers (numpy only)."""

from __future__ import annotations

import numpy as np


def unit(vector: np.ndarray) -> np.ndarray:
    """(3,) vector scaled to length 1."""
    norm = float(np.linalg.norm(vector))
    if norm < 1e-12:
        raise ValueError("cannot normalise a zero vector")
    return vector / norm


def axis_angle(axis: np.ndarray, angle_rad: float) -> np.ndarray:
    """(3, 3) rotation of ``angle_rad`` about ``axis`` (right hand)."""
    x, y, z = unit(np.asarray(axis, dtype=np.float64))
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    t = 1.0 - c
    return np.array(
        [
            [t * x * x + c, t * x * y - s * z, t * x * z + s * y],
            [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
            [t * x * z - s * y, t * y * z + s * x, t * z * z + c],
        ]
    )


def rot_x(angle_deg: float) -> np.ndarray:
    return axis_angle(np.array([1.0, 0.0, 0.0]), np.radians(angle_deg))


def rot_y(angle_deg: float) -> np.ndarray:
    return axis_angle(np.array([0.0, 1.0, 0.0]), np.radians(angle_deg))


def rot_z(angle_deg: float) -> np.ndarray:
    return axis_angle(np.array([0.0, 0.0, 1.0]), np.radians(angle_deg))


def min_arc(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(3, 3) smallest rotation taking direction ``source`` onto direction ``target``."""
    a, b = unit(source), unit(target)
    cross = np.cross(a, b)
    sin = float(np.linalg.norm(cross))
    cos = float(np.clip(np.dot(a, b), -1.0, 1.0))
    if sin < 1e-9:
        if cos > 0:
            return np.eye(3)
        helper = np.array([1.0, 0.0, 0.0]) if abs(a[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
        return axis_angle(np.cross(a, helper), np.pi)
    return axis_angle(cross / sin, np.arctan2(sin, cos))


def log_rotation(rotation: np.ndarray) -> np.ndarray:
    """(3,) rotation vector (axis times angle, radians) of a rotation matrix."""
    cos = float(np.clip((np.trace(rotation) - 1.0) / 2.0, -1.0, 1.0))
    angle = np.arccos(cos)
    if angle < 1e-9:
        return np.zeros(3)
    axis = np.array(
        [
            rotation[2, 1] - rotation[1, 2],
            rotation[0, 2] - rotation[2, 0],
            rotation[1, 0] - rotation[0, 1],
        ]
    )
    if np.linalg.norm(axis) < 1e-9:  # angle near pi
        values, vectors = np.linalg.eigh((rotation + rotation.T) / 2.0)
        return vectors[:, np.argmax(values)] * angle
    return unit(axis) * angle


def blend_rotation(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """Geodesic interpolation between two rotations, ``weight`` in [0, 1]."""
    vector = log_rotation(start.T @ end)
    angle = float(np.linalg.norm(vector))
    if angle < 1e-12:
        return start.copy()
    return start @ axis_angle(vector, angle * weight)


def angle_between_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Unsigned angle between two vectors, degrees."""
    cos = float(np.clip(np.dot(unit(a), unit(b)), -1.0, 1.0))
    return float(np.degrees(np.arccos(cos)))


def included_angle_deg(a: np.ndarray, vertex: np.ndarray, b: np.ndarray) -> float:
    """Angle a-vertex-b, degrees in [0, 180]."""
    return angle_between_deg(a - vertex, b - vertex)


def smoothstep(x: float) -> float:
    """Ease in and out on [0, 1] (cosine), for natural starts and stops."""
    x = min(max(x, 0.0), 1.0)
    return 0.5 - 0.5 * float(np.cos(np.pi * x))
