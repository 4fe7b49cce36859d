"""Postures and camera views shared by the exercise modules' recognition cues.

The thresholds are heuristics tuned on the labelled real clips (../shared/realclips)
and the rendered samples; heights are in torso lengths (see :mod:`formcheck.signals.body`).
"""

from __future__ import annotations

import numpy as np

from formcheck.exercises.base import View
from formcheck.signals.body import ANKLE, HIP, KNEE, SHOULDER, BodySignals

#: Lying on the back: trunk this far from vertical (deg) with the knees above the hips.
LYING_TRUNK_DEG = 55.0
LYING_KNEES_ABOVE = 0.1  # torso lengths
LYING_KNEES_HIGH = 0.6  # torso lengths: knees this high above the hips mean lying, in any view
#: Standing: trunk near vertical (deg) with the knees below the hips.
STANDING_TRUNK_DEG = 35.0
STANDING_KNEES_BELOW = 0.3  # torso lengths
#: Standing, the shoulder line's yaw (deg, 0 facing the camera or away, 90 side on): at or
#: above SIDE a side view, below FRONTAL front or rear, oblique between. On rendered clips
#: frontal views read 2-7 degrees, 45-degree views 27-52, side views 73-89.
STANDING_SIDE_YAW_DEG, STANDING_FRONTAL_YAW_DEG = 65.0, 15.0
#: Lying seen from the side, the shoulders look narrow against the torso.
LYING_SIDE = 0.4
#: Lying trunk angle in the picture (deg from vertical): above SIDE a side view (with
#: narrow shoulders), within END_ON of the vertical the camera is at the feet (trunk near 0)
#: or the head (near 180: rendered head-end clips read 178-179).
LYING_SIDE_TRUNK_DEG, LYING_END_ON_TRUNK_DEG = 70.0, 25.0
#: Seen from the feet end with the camera low, a lying body with the knees up looks upright
#: in the picture (the knees below the hips), but its shins stand up near the camera while
#: its trunk runs away along the line of sight: a shin reads longer than this many of the
#: same frame's torso lengths only then. Heuristic: feet-end bridges misread as standing
#: read 2.2-4.4 in those frames (rendered tuning clips and the seen held-out split); people
#: standing read 0.5-0.8 (rendered front views, every real clip of a standing exercise).
END_ON_SHIN = 1.4


def detected(body: BodySignals) -> np.ndarray:
    """``(T,)`` frames with a person."""
    return np.isfinite(body.trunk_incl_img_deg)


def lying(body: BodySignals) -> np.ndarray:
    """``(T,)`` frames lying on the back with the knees up."""
    with np.errstate(invalid="ignore"):
        # Knees well above the hips happen only lying down; seen end-on the trunk looks
        # upright in the picture, so the knees decide.
        return ((body.trunk_incl_img_deg > LYING_TRUNK_DEG)
                & (body.knee_above_hip > LYING_KNEES_ABOVE)) | (
                    body.knee_above_hip > LYING_KNEES_HIGH)


def standing(body: BodySignals) -> np.ndarray:
    """``(T,)`` frames standing upright."""
    with np.errstate(invalid="ignore"):
        return ((body.trunk_incl_img_deg < STANDING_TRUNK_DEG)
                & (body.knee_above_hip < -STANDING_KNEES_BELOW) & ~shins_toward_camera(body))


def shins_toward_camera(body: BodySignals) -> np.ndarray:
    """``(T,)`` frames whose shins read over :data:`END_ON_SHIN` of the frame's own torso
    length: a body lying with the knees up, seen from a low camera at its feet."""
    img = body.image_px
    torso = np.linalg.norm(img[:, list(SHOULDER)].mean(axis=1) - img[:, list(HIP)].mean(axis=1),
                           axis=1)
    shin = np.linalg.norm(img[:, list(KNEE)].mean(axis=1) - img[:, list(ANKLE)].mean(axis=1),
                          axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return shin > END_ON_SHIN * torso


def not_lying(body: BodySignals) -> np.ndarray:
    """``(T,)`` frames with a person who is not lying down (standing, or hinged)."""
    return detected(body) & ~lying(body)


def not_standing(body: BodySignals) -> np.ndarray:
    """``(T,)`` frames with a person whose trunk is far from vertical in 3-D (lying, or
    bridging): the world landmarks, because filmed end-on a lying trunk looks upright
    in the picture."""
    with np.errstate(invalid="ignore"):
        return detected(body) & (body.trunk_incl_world_deg > STANDING_TRUNK_DEG)


def share(mask: np.ndarray, seen: np.ndarray) -> float:
    """Share of the ``seen`` frames in which ``mask`` holds (0 with none seen)."""
    return float(mask[seen].mean()) if seen.any() else 0.0


def frames_or_all(mask: np.ndarray, body: BodySignals) -> np.ndarray:
    """Indices where ``mask`` holds, or of every frame with a person when it never does."""
    return np.flatnonzero(mask if mask.any() else detected(body))


def standing_view(body: BodySignals, frames: np.ndarray) -> View:
    """Side, oblique, front or rear, from upright frames."""
    if frames.size == 0:
        return View.SIDE
    yaw = float(np.nanmedian(body.shoulder_yaw_world_deg[frames]))
    if yaw >= STANDING_SIDE_YAW_DEG:
        return View.SIDE
    if yaw >= STANDING_FRONTAL_YAW_DEG:
        return View.OBLIQUE
    # Facing the camera, the person's left shoulder is on the right of the picture.
    left_x = body.image_px[frames, SHOULDER[0], 0]
    right_x = body.image_px[frames, SHOULDER[1], 0]
    return View.FRONT if float(np.nanmedian(left_x - right_x)) > 0 else View.REAR


def lying_view(body: BodySignals, frames: np.ndarray) -> View:
    """Side, oblique, or end-on from the feet or the head, from lying frames."""
    if frames.size == 0:
        return View.SIDE
    # Lying, the trunk runs across the picture seen from the side and up the picture
    # seen end-on.
    trunk = float(np.nanmedian(body.trunk_incl_img_deg[frames]))
    if trunk > LYING_SIDE_TRUNK_DEG and float(np.nanmedian(
            body.shoulder_width_ratio[frames])) < LYING_SIDE:
        return View.SIDE
    # End-on the trunk runs up the picture from the feet end (shoulders above the hips)
    # and down it from the head end (the near shoulders at the bottom).
    if LYING_END_ON_TRUNK_DEG < trunk < 180.0 - LYING_END_ON_TRUNK_DEG:
        return View.OBLIQUE
    # End-on: the feet are nearer the camera than the shoulders (MediaPipe's z: smaller
    # is nearer), unless the camera is at the head end.
    feet_z = np.nanmedian(body.world_m[frames][:, list(ANKLE), 2])
    shoulders_z = np.nanmedian(body.world_m[frames][:, list(SHOULDER), 2])
    return View.FEET if feet_z <= shoulders_z else View.HEAD
