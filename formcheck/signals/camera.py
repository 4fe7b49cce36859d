"""Where the camera stands, as angles: from the pose model's 3-D world landmarks.

The view classes (side, oblique, front, rear, feet, head) say where the camera stood; the
checks need more: how far from side-on, in degrees, because how well a metric can be
read falls off with that angle. Two angles, per frame and per clip:

- ``off_side_deg``: the camera's azimuth around the body, 0 side-on, 90 straight in
  front or behind (a standing person) or straight at the feet or the head (a lying one).
  The body's left-right axis (the shoulder line and the hip line) runs along the line of
  sight seen side-on and across the picture seen end-on; MediaPipe's world landmarks keep
  the camera's orientation (x to the picture's right, y down, z away from the camera), so
  the axis's angle to the picture plane, in the horizontal plane, gives the azimuth.
- ``elevation_deg``: how far above the body's horizontal the camera looks down. The body's
  "up" (the legs' direction, ankles to hips, standing; the floor's normal, lying: across
  the left-right axis and the trunk) tips toward the camera by the elevation.

Both are medians over frames at rest in the exercise's posture (standing still, lying
still), where the body's axes are what the geometry assumes; their spread gives a
confidence. MediaPipe's depth is coarse, so these are estimates: their error against the
rendered clips' true cameras is measured (BENCHMARKS.md).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from formcheck.signals.body import ANKLE, HIP, SHOULDER, BodySignals

#: The spread (interquartile range of the per-frame azimuths, degrees) at which the
#: confidence falls to zero (heuristic: on rendered clips the estimate's error grew with
#: the spread; a steady camera and person give a spread of a few degrees).
SPREAD_FOR_NO_CONFIDENCE_DEG = 30.0
#: Less than this much time at rest gives less confidence, seconds (heuristic: ten frames at
#: 30 fps). In seconds, not frames, so that the confidence does not change with the rate:
#: the frames kept count for their number times the median interval between them.
MIN_REST_S = 1.0 / 3.0


@dataclass(frozen=True)
class CameraAngle:
    """The camera's angles for a clip.

    Attributes:
        off_side_deg: Azimuth from side-on, degrees: 0 side-on, 90 front, rear or end-on.
        elevation_deg: How far the camera looks down on the body, degrees (negative:
            from below).
        confidence: 0-1, from the time at rest the frames cover and the spread of their
            estimates.
        frames: Frames the estimate is the median of.
    """

    off_side_deg: float
    elevation_deg: float
    confidence: float
    frames: int

    def to_dict(self) -> dict[str, float | int]:
        return {"off_side_deg": self.off_side_deg, "elevation_deg": self.elevation_deg,
                "confidence": self.confidence, "frames": self.frames}


UNKNOWN = CameraAngle(float("nan"), float("nan"), 0.0, 0)


def _unit(vectors: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def left_right_axis(world_m: np.ndarray) -> np.ndarray:
    """``(T, 3)`` the body's left-right axis: the shoulder and hip lines, averaged (metres).
    A hip line pointing against the shoulder line (the model has swapped the hips' left and
    right, or only the legs were swapped back) is turned round first: summed as they come,
    the two would cancel and read as a camera straight in front."""
    shoulders = world_m[:, SHOULDER[0]] - world_m[:, SHOULDER[1]]
    hips = world_m[:, HIP[0]] - world_m[:, HIP[1]]
    against = np.sum(shoulders * hips, axis=-1, keepdims=True) < 0
    return (shoulders + np.where(against, -hips, hips)) / 2.0


def off_side_deg(world_m: np.ndarray) -> np.ndarray:
    """``(T,)`` per frame: the camera's azimuth from side-on, degrees (0-90)."""
    axis = left_right_axis(world_m)
    return 90.0 - np.degrees(np.arctan2(np.abs(axis[:, 2]), np.abs(axis[:, 0])))


def body_up(world_m: np.ndarray, *, lying: bool) -> np.ndarray:
    """``(T, 3)`` the body's "up" in the camera's axes (unit): the legs' direction standing,
    the floor's normal lying (oriented toward the picture's top)."""
    if not lying:
        ankles = world_m[:, list(ANKLE)].mean(axis=1)
        hips = world_m[:, list(HIP)].mean(axis=1)
        return _unit(hips - ankles)
    trunk = world_m[:, list(SHOULDER)].mean(axis=1) - world_m[:, list(HIP)].mean(axis=1)
    normal = _unit(np.cross(left_right_axis(world_m), trunk))
    # Up is toward the picture's top: y negative (y points down).
    return np.where(normal[:, 1:2] > 0, -normal, normal)


def elevation_deg(world_m: np.ndarray, *, lying: bool) -> np.ndarray:
    """``(T,)`` per frame: how far the camera looks down on the body, degrees. An elevated
    camera sees the top of the body nearer (MediaPipe's z: smaller is nearer), so "up"
    tips toward the camera."""
    up = body_up(world_m, lying=lying)
    return np.degrees(np.arctan2(-up[:, 2], -up[:, 1]))


def estimate(body: BodySignals, frames: np.ndarray, *, lying: bool) -> CameraAngle:
    """The camera angles from ``body``'s frames ``frames`` (a mask or indices: frames at rest
    in the exercise's posture), all at once."""
    watch = CameraWatch(lying=lying, keep_s=float("inf"))
    watch.add(body, frames)
    return watch.estimate()


class CameraWatch:
    """The clip's camera angles from the frames so far, for a session: frames at rest in
    the exercise's posture are added as they come (the last ``keep_s`` of them are kept),
    and :meth:`estimate` is their median. Causal and bounded: a live camera and a file get
    the same estimate at the same frame.

    Args:
        lying: The exercise is done lying down (the floor's normal is "up").
        keep_s: How much of the past is kept, seconds.
    """

    def __init__(self, *, lying: bool, keep_s: float = 60.0) -> None:
        self.lying = lying
        self.keep_s = keep_s
        self._kept: deque[tuple[float, float, float]] = deque()  # (t, azimuth, elevation)

    def add(self, body: BodySignals, frames: np.ndarray) -> None:
        """Take ``body``'s frames ``frames`` (a boolean mask or indices: at rest in the
        exercise's posture)."""
        index = np.flatnonzero(frames) if frames.dtype == bool else np.asarray(frames)
        if index.size == 0:
            return
        world = body.world_m[index]
        seen = body.visibility[index][:, list(SHOULDER) + list(HIP)].min(axis=1) >= 0.5
        azimuth = off_side_deg(world)
        elevation = elevation_deg(world, lying=self.lying)
        for i, t in enumerate(body.t_s[index]):
            if seen[i] and np.isfinite(azimuth[i]) and np.isfinite(elevation[i]):
                self._kept.append((float(t), float(azimuth[i]), float(elevation[i])))
        while self._kept and self._kept[-1][0] - self._kept[0][0] > self.keep_s:
            self._kept.popleft()

    def estimate(self) -> CameraAngle:
        """The median of the frames kept, with its confidence."""
        if not self._kept:
            return UNKNOWN
        kept = np.array(self._kept)
        azimuth, elevation = kept[:, 1], kept[:, 2]
        spread = float(np.subtract(*np.percentile(azimuth, [75, 25])))
        confidence = max(0.0, 1.0 - spread / SPREAD_FOR_NO_CONFIDENCE_DEG)
        interval = float(np.median(np.diff(kept[:, 0]))) if len(kept) > 1 else 0.0
        rest_s = azimuth.size * interval
        if rest_s < MIN_REST_S:
            confidence *= rest_s / MIN_REST_S
        return CameraAngle(float(np.median(azimuth)), float(np.median(elevation)),
                           round(confidence, 3), int(azimuth.size))
