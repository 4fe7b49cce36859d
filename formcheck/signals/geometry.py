"""Angles and lines from landmark coordinates; numpy, vectorised over leading axes."""

from __future__ import annotations

import numpy as np


def angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Included angle at ``b`` of the path a-b-c, degrees in [0, 180].

    Args:
        a, b, c: ``(..., D)`` points (D = 2 for pixels, 3 for metres).
    """
    ba, bc = a - b, c - b
    dot = np.sum(ba * bc, axis=-1)
    norms = np.linalg.norm(ba, axis=-1) * np.linalg.norm(bc, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = np.clip(dot / norms, -1.0, 1.0)
    return np.degrees(np.arccos(cosine))


def inclination_deg(lower: np.ndarray, upper: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Angle between the segment lower->upper and the ``up`` direction, degrees in [0, 180]."""
    return angle_deg(lower + up, lower, upper)


#: "Up" in image coordinates (y points down) and in MediaPipe world coordinates (y down too).
IMAGE_UP = np.array([0.0, -1.0])
WORLD_UP = np.array([0.0, -1.0, 0.0])


def line_tilt_deg(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Tilt of the line through two points from the image horizontal, deg in (-90, 90].

    Positive when the line rises toward the right of the picture (image y points down),
    whichever of the two points is on the left.
    """
    d = right[..., :2] - left[..., :2]
    dx = np.where(d[..., 0] < 0, -d[..., 0], d[..., 0])
    dy = np.where(d[..., 0] < 0, d[..., 1], -d[..., 1])
    return np.degrees(np.arctan2(dy, dx))


def angle_change_deg(after: np.ndarray, before: np.ndarray) -> np.ndarray:
    """Change between two line tilts, deg in [-90, 90): a line has no direction, so a
    tilt of 89 degrees and one of -89 are 2 degrees apart, not 178."""
    return (np.asarray(after) - np.asarray(before) + 90.0) % 180.0 - 90.0


def signed_side(a: np.ndarray, b: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Signed distance of ``p`` from the line a->b in 2-D (positive to the left of a->b)."""
    ab, ap = b[..., :2] - a[..., :2], p[..., :2] - a[..., :2]
    cross = ab[..., 0] * ap[..., 1] - ab[..., 1] * ap[..., 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        return cross / np.linalg.norm(ab, axis=-1)
