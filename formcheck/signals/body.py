"""Per-frame body signals: angles, heights and widths, computed causally.

Names carry the unit and where the value was measured: ``_img`` from pixel
coordinates of the upright frame, ``_world`` from MediaPipe's metric 3-D
landmarks. Side arrays have shape ``(T, 2)``: column 0 is the person's left,
column 1 the right.

Heights are in torso lengths, and the torso length is a *running* scale: the
median of the shoulder-to-hip length over the frames seen so far
(:class:`RunningScale`). A single frame's torso cannot be the scale: seen from
behind, the trunk of a hinge points away from the camera and its picture
shrinks to a fraction of its length. The median over the past needs no look
ahead, so a live camera and a file get the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np

from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.series import PoseSample, PoseSeries
from formcheck.signals.geometry import IMAGE_UP, WORLD_UP, angle_deg, inclination_deg, line_tilt_deg

LEFT, RIGHT = 0, 1
SHOULDER = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
HIP = (L.LEFT_HIP, L.RIGHT_HIP)
KNEE = (L.LEFT_KNEE, L.RIGHT_KNEE)
ANKLE = (L.LEFT_ANKLE, L.RIGHT_ANKLE)


def _sides(values_left: np.ndarray, values_right: np.ndarray) -> np.ndarray:
    return np.stack([values_left, values_right], axis=-1)


class RunningScale:
    """Median torso length (pixels) over the frames seen so far, in constant memory.

    A median over frames is one over time at a steady rate, so it does not depend on the
    rate (a variable-rate clip weighs its faster stretches more).

    Lengths are counted in a histogram of ``bin_px`` wide bins, so the median is
    exact to half a bin whatever the length of the stream.

    Args:
        bin_px: Histogram bin width, pixels.
        max_px: Longest torso counted, pixels (longer ones go in the last bin).
    """

    def __init__(self, bin_px: float = 0.5, max_px: float = 8192.0) -> None:
        self.bin_px = bin_px
        self._counts = np.zeros(int(max_px / bin_px) + 1, dtype=np.int64)
        self._n = 0

    def update(self, torso_px: float) -> float:
        """Count one frame's torso length (NaN is ignored); return the median so far."""
        if np.isfinite(torso_px) and torso_px > 0:
            index = min(int(torso_px / self.bin_px), self._counts.size - 1)
            self._counts[index] += 1
            self._n += 1
        return self.median

    @property
    def median(self) -> float:
        """The median so far, pixels (NaN before the first finite length)."""
        if self._n == 0:
            return float("nan")
        index = int(np.searchsorted(np.cumsum(self._counts), (self._n + 1) / 2))
        return (index + 0.5) * self.bin_px


def torso_px(image_px: np.ndarray) -> np.ndarray:
    """Shoulder-midpoint to hip-midpoint length in the picture, pixels; ``(T, 33, 2+)`` in."""
    shoulders = image_px[:, list(SHOULDER), :2].mean(axis=1)
    hips = image_px[:, list(HIP), :2].mean(axis=1)
    return np.linalg.norm(shoulders - hips, axis=1)


@dataclass(frozen=True)
class BodySignals:
    """Signals of ``T`` frames, all ``(T,)`` or ``(T, 2)`` float arrays (NaN without a person).

    A live session holds them one frame at a time and stacks a rep's frames with
    :meth:`concat`; a whole series is computed at once with :meth:`from_series`, with
    the same running scale, so both give the same numbers.

    Attributes:
        t_s: Times, seconds.
        image_px: ``(T, 33, 2)`` landmarks in pixels of the upright frame.
        world_m: ``(T, 33, 3)`` landmarks in metres, hip-centred, y down.
        torso_px: Shoulder-midpoint to hip-midpoint length, pixels, this frame.
        scale_px: The running scale (median torso length so far), pixels.
        trunk_incl_img_deg: Trunk (hips->shoulders) angle from vertical in the image, deg
            (0 upright, 90 horizontal).
        trunk_incl_world_deg: The same from world landmarks, deg.
        hip_angle_img_deg: ``(T, 2)`` shoulder-hip-knee included angle, deg (180 straight).
        knee_angle_img_deg: ``(T, 2)`` hip-knee-ankle included angle, deg (180 straight).
        knee_above_hip: Mean knee height above the hips, torso lengths (positive when
            the knees are higher in the image, as when lying with knees bent).
        ankle_height: ``(T, 2)`` each ankle's height above the lower ankle, torso lengths.
        shoulder_width_ratio: Shoulder-to-shoulder distance over torso length in the image.
        shoulder_yaw_world_deg: How far the shoulder line turns away from the picture
            plane, from world landmarks, deg: 0 facing the camera or facing away, 90 side on.
        leg_length_ratio: Shorter over longer hip-to-ankle distance in the image; well
            under 1 when one leg points toward or away from the camera.
        hip_tilt_img_deg: Tilt of the hip line from the image horizontal, deg.
        visibility: ``(T, 33)`` landmark visibility, 0-1.
    """

    t_s: np.ndarray
    image_px: np.ndarray
    world_m: np.ndarray
    torso_px: np.ndarray
    scale_px: np.ndarray
    trunk_incl_img_deg: np.ndarray
    trunk_incl_world_deg: np.ndarray
    hip_angle_img_deg: np.ndarray
    knee_angle_img_deg: np.ndarray
    knee_above_hip: np.ndarray
    ankle_height: np.ndarray
    shoulder_width_ratio: np.ndarray
    shoulder_yaw_world_deg: np.ndarray
    leg_length_ratio: np.ndarray
    hip_tilt_img_deg: np.ndarray
    visibility: np.ndarray

    def __post_init__(self) -> None:
        n = self.t_s.shape[0]
        for f in fields(self):
            array = getattr(self, f.name)
            if array.shape[:1] != (n,):
                raise ValueError(f"{f.name}: expected {n} frames, got shape {array.shape}")

    @classmethod
    def compute(cls, t_s: np.ndarray, image_px: np.ndarray, world_m: np.ndarray,
                visibility: np.ndarray, scale_px: np.ndarray) -> BodySignals:
        """Signals of ``T`` frames.

        Args:
            t_s: ``(T,)`` seconds.
            image_px: ``(T, 33, 2+)`` pixels.
            world_m: ``(T, 33, 3)`` metres.
            visibility: ``(T, 33)`` 0-1.
            scale_px: ``(T,)`` the running torso length of each frame, pixels.
        """
        img = np.asarray(image_px, dtype=np.float64)[..., :2]
        world = np.asarray(world_m, dtype=np.float64)
        scale = np.asarray(scale_px, dtype=np.float64)
        shoulders = img[:, list(SHOULDER)].mean(axis=1)
        hips = img[:, list(HIP)].mean(axis=1)
        torso = np.linalg.norm(shoulders - hips, axis=1)
        w_shoulders = world[:, list(SHOULDER)].mean(axis=1)
        w_hips = world[:, list(HIP)].mean(axis=1)

        def side_angles(a: tuple[int, int], b: tuple[int, int], c: tuple[int, int]) -> np.ndarray:
            return _sides(angle_deg(img[:, a[0]], img[:, b[0]], img[:, c[0]]),
                          angle_deg(img[:, a[1]], img[:, b[1]], img[:, c[1]]))

        ankle_y = img[:, list(ANKLE), 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            lowest = np.fmax(ankle_y[:, 0], ankle_y[:, 1])[:, None]
            ankle_height = (lowest - ankle_y) / scale[:, None]
            knees_y = img[:, list(KNEE), 1].mean(axis=1)
            legs = np.linalg.norm(img[:, list(HIP)] - img[:, list(ANKLE)], axis=2)
            return cls(
                t_s=np.asarray(t_s, dtype=np.float64),
                image_px=img,
                world_m=world,
                torso_px=torso,
                scale_px=scale,
                trunk_incl_img_deg=inclination_deg(hips, shoulders, IMAGE_UP),
                trunk_incl_world_deg=inclination_deg(w_hips, w_shoulders, WORLD_UP),
                hip_angle_img_deg=side_angles(SHOULDER, HIP, KNEE),
                knee_angle_img_deg=side_angles(HIP, KNEE, ANKLE),
                knee_above_hip=(hips[:, 1] - knees_y) / scale,
                ankle_height=ankle_height,
                shoulder_width_ratio=np.linalg.norm(img[:, SHOULDER[0]] - img[:, SHOULDER[1]],
                                                    axis=1) / torso,
                shoulder_yaw_world_deg=np.degrees(np.arctan2(
                    np.abs(world[:, SHOULDER[0], 2] - world[:, SHOULDER[1], 2]),
                    np.abs(world[:, SHOULDER[0], 0] - world[:, SHOULDER[1], 0]))),
                leg_length_ratio=np.fmin(legs[:, 0], legs[:, 1]) / np.fmax(legs[:, 0], legs[:, 1]),
                hip_tilt_img_deg=line_tilt_deg(img[:, HIP[0]], img[:, HIP[1]]),
                visibility=np.asarray(visibility, dtype=np.float64),
            )

    @classmethod
    def from_sample(cls, sample: PoseSample, scale_px: float) -> BodySignals:
        """One frame's signals (``T == 1``)."""
        return cls.compute(np.array([sample.t_s]), sample.image_px[None], sample.world_m[None],
                           sample.visibility[None], np.array([scale_px]))

    @classmethod
    def from_series(cls, series: PoseSeries) -> BodySignals:
        """Signals of a whole series, with the same running scale a session uses."""
        running = RunningScale()
        scale = np.array([running.update(float(length)) for length in torso_px(series.image_px)])
        return cls.compute(series.t_s, series.image_px, series.world_m, series.visibility, scale)

    @classmethod
    def concat(cls, parts: Sequence[BodySignals]) -> BodySignals:
        """Stack consecutive stretches of frames into one."""
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                      for f in fields(cls)})

    def take(self, index: slice | np.ndarray) -> BodySignals:
        """The frames at ``index`` (a slice or an index array)."""
        return BodySignals(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    def window(self, start_s: float, end_s: float) -> np.ndarray:
        """Indices of the frames between two times, inclusive."""
        return np.flatnonzero((self.t_s >= start_s) & (self.t_s <= end_s))

    def index_at(self, t_s: float) -> int:
        """Index of the frame nearest ``t_s``."""
        return int(np.argmin(np.abs(self.t_s - t_s)))

    def side_visibility(self, landmarks: tuple[int, ...], frames: np.ndarray) -> float:
        """Mean visibility of ``landmarks`` over ``frames`` (0 when there are none)."""
        if frames.size == 0:
            return 0.0
        return float(np.nanmean(self.visibility[np.ix_(frames, np.array(landmarks))]))
