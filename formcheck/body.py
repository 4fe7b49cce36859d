"""Per-frame body signals computed from a pose series: angles, heights, widths.

Names carry the unit and where the value was measured: ``_img`` from pixel
coordinates of the upright frame, ``_world`` from MediaPipe's metric 3-D
landmarks. Side arrays have shape ``(T, 2)``: column 0 is the person's left,
column 1 the right.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.geometry import IMAGE_UP, WORLD_UP, angle_deg, inclination_deg, line_tilt_deg
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.series import PoseSeries

LEFT, RIGHT = 0, 1
SHOULDER = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
HIP = (L.LEFT_HIP, L.RIGHT_HIP)
KNEE = (L.LEFT_KNEE, L.RIGHT_KNEE)
ANKLE = (L.LEFT_ANKLE, L.RIGHT_ANKLE)


def _sides(values_left: np.ndarray, values_right: np.ndarray) -> np.ndarray:
    return np.stack([values_left, values_right], axis=-1)


@dataclass(frozen=True)
class BodySignals:
    """Signals of one clip, all ``(T,)`` or ``(T, 2)`` float arrays (NaN without a person).

    Attributes:
        t_s: Times, seconds.
        torso_px: Shoulder-midpoint to hip-midpoint length, pixels (the clip's scale).
        trunk_incl_img_deg: Trunk (hips->shoulders) angle from vertical in the image, deg
            (0 upright, 90 horizontal).
        trunk_incl_world_deg: The same from world landmarks, deg.
        hip_angle_img_deg: ``(T, 2)`` shoulder-hip-knee included angle, deg (180 straight).
        knee_angle_img_deg: ``(T, 2)`` hip-knee-ankle included angle, deg (180 straight).
        knee_above_hip: Mean knee height above the hips, torso lengths (positive when
            the knees are higher in the image, as when lying with knees bent).
        thigh_rise_img_deg: Angle of the knee->hip segment (mean of both legs) from
            straight down in the picture, deg: near 0 lying with knees up seen end-on,
            near 180 with the hips lifted above the knees.
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
    trunk_incl_img_deg: np.ndarray
    trunk_incl_world_deg: np.ndarray
    hip_angle_img_deg: np.ndarray
    knee_angle_img_deg: np.ndarray
    knee_above_hip: np.ndarray
    thigh_rise_img_deg: np.ndarray
    ankle_height: np.ndarray
    shoulder_width_ratio: np.ndarray
    shoulder_yaw_world_deg: np.ndarray
    leg_length_ratio: np.ndarray
    hip_tilt_img_deg: np.ndarray
    visibility: np.ndarray

    @classmethod
    def from_series(cls, series: PoseSeries) -> BodySignals:
        img = series.image_px[..., :2].astype(np.float64)
        world = series.world_m.astype(np.float64)
        shoulders = img[:, list(SHOULDER)].mean(axis=1)
        hips = img[:, list(HIP)].mean(axis=1)
        torso = np.linalg.norm(shoulders - hips, axis=1)
        scale = np.nanmedian(torso) if np.isfinite(torso).any() else np.nan
        w_shoulders = world[:, list(SHOULDER)].mean(axis=1)
        w_hips = world[:, list(HIP)].mean(axis=1)

        def side_angles(a: tuple[int, int], b: tuple[int, int], c: tuple[int, int],
                        pts: np.ndarray) -> np.ndarray:
            return _sides(angle_deg(pts[:, a[0]], pts[:, b[0]], pts[:, c[0]]),
                          angle_deg(pts[:, a[1]], pts[:, b[1]], pts[:, c[1]]))

        ankle_y = img[:, list(ANKLE), 1]
        lowest = np.nanmax(ankle_y, axis=1, keepdims=True) if ankle_y.size else ankle_y
        with np.errstate(invalid="ignore"):
            ankle_height = (lowest - ankle_y) / scale
        knees_y = img[:, list(KNEE), 1].mean(axis=1)
        legs = np.linalg.norm(img[:, list(HIP)] - img[:, list(ANKLE)], axis=2)
        return cls(
            t_s=series.t_s,
            image_px=img,
            world_m=world,
            torso_px=torso,
            trunk_incl_img_deg=inclination_deg(hips, shoulders, IMAGE_UP),
            trunk_incl_world_deg=inclination_deg(w_hips, w_shoulders, WORLD_UP),
            hip_angle_img_deg=side_angles(SHOULDER, HIP, KNEE, img),
            knee_angle_img_deg=side_angles(HIP, KNEE, ANKLE, img),
            knee_above_hip=(hips[:, 1] - knees_y) / scale,
            thigh_rise_img_deg=180.0 - inclination_deg(
                img[:, list(KNEE)].mean(axis=1), hips, IMAGE_UP),
            ankle_height=ankle_height,
            shoulder_width_ratio=np.linalg.norm(img[:, SHOULDER[0]] - img[:, SHOULDER[1]],
                                                axis=1) / torso,
            shoulder_yaw_world_deg=np.degrees(np.arctan2(
                np.abs(world[:, SHOULDER[0], 2] - world[:, SHOULDER[1], 2]),
                np.abs(world[:, SHOULDER[0], 0] - world[:, SHOULDER[1], 0]))),
            leg_length_ratio=np.nanmin(legs, axis=1) / np.nanmax(legs, axis=1),
            hip_tilt_img_deg=line_tilt_deg(img[:, HIP[0]], img[:, HIP[1]]),
            visibility=series.visibility.astype(np.float64),
        )

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
