"""What the clip shows: the exercise, the camera view, and why anything else is not graded.

Recognition reads the whole clip's body signals. Its thresholds are heuristics
tuned on the labelled real clips (../shared/realclips) and the rendered samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.body import ANKLE, SHOULDER, BodySignals
from formcheck.exercises import SLDL, Setup, View

#: Lying on the back: trunk this far from vertical (deg) with the knees above the hips.
LYING_TRUNK_DEG = 55.0
LYING_KNEES_ABOVE = 0.1  # torso lengths
LYING_KNEES_HIGH = 0.6  # torso lengths: knees this high above the hips mean lying, in any view
#: Standing: trunk near vertical (deg) with the knees below the hips.
STANDING_TRUNK_DEG = 35.0
STANDING_KNEES_BELOW = 0.3  # torso lengths
#: Share of frames needed to call the clip lying or standing.
LYING_SHARE, STANDING_SHARE = 0.4, 0.2
#: Hinged: trunk beyond this from vertical (deg), in at least this share of frames.
HINGE_TRUNK_DEG, HINGE_SHARE = 40.0, 0.08
#: At the bottom of a single-leg deadlift the free ankle is this high, torso lengths.
FREE_FOOT_HEIGHT = 0.5
#: One leg looks this much shorter than the other when it points along the line of sight.
SHORT_LEG_RATIO = 0.6
#: Knee flexion (deg) beyond which the bend is a squat or lunge rather than a hinge.
DEEP_KNEE_FLEXION = 75.0
#: Standing, the shoulder line's yaw (deg, 0 facing the camera or away, 90 side on): at or
#: above SIDE a side view, below FRONTAL front or rear, oblique between. On rendered clips
#: frontal views read 2-7 degrees, 45-degree views 27-52, side views 73-89.
STANDING_SIDE_YAW_DEG, STANDING_FRONTAL_YAW_DEG = 65.0, 15.0
LYING_SIDE = 0.4
#: Lying trunk angle in the picture (deg from vertical): above SIDE a side view (with
#: narrow shoulders), below END_ON the camera is at the feet or the head.
LYING_SIDE_TRUNK_DEG, LYING_END_ON_TRUNK_DEG = 70.0, 25.0


@dataclass(frozen=True)
class Recognition:
    """The verdict on a clip.

    Attributes:
        exercise: ``sldl``, ``bridge`` or ``other``.
        view: The camera view, or None when no posture was recognised.
        seen: What was seen, in plain language (always set; the reason when ``other``).
    """

    exercise: str
    view: View | None
    seen: str


def _share(mask: np.ndarray, detected: np.ndarray) -> float:
    return float(mask[detected].mean()) if detected.any() else 0.0


def standing_view(body: BodySignals, frames: np.ndarray) -> View:
    """Side, oblique, front or rear, from upright frames."""
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
    # Lying, the trunk runs across the picture seen from the side and up the picture
    # seen end-on.
    trunk = float(np.nanmedian(body.trunk_incl_img_deg[frames]))
    if trunk > LYING_SIDE_TRUNK_DEG and float(np.nanmedian(
            body.shoulder_width_ratio[frames])) < LYING_SIDE:
        return View.SIDE
    if trunk > LYING_END_ON_TRUNK_DEG:
        return View.OBLIQUE
    # End-on: the feet are nearer the camera than the shoulders (MediaPipe's z: smaller
    # is nearer), unless the camera is at the head end.
    feet_z = np.nanmedian(body.world_m[frames][:, list(ANKLE), 2])
    shoulders_z = np.nanmedian(body.world_m[frames][:, list(SHOULDER), 2])
    return View.FEET if feet_z <= shoulders_z else View.HEAD


def postures(body: BodySignals) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks of (detected, lying on the back with knees up, standing) frames."""
    detected = np.isfinite(body.trunk_incl_img_deg)
    with np.errstate(invalid="ignore"):
        # Knees well above the hips happen only lying down; seen end-on the trunk looks
        # upright in the picture, so the knees decide.
        lying = ((body.trunk_incl_img_deg > LYING_TRUNK_DEG)
                 & (body.knee_above_hip > LYING_KNEES_ABOVE)) | (
                     body.knee_above_hip > LYING_KNEES_HIGH)
        standing = (body.trunk_incl_img_deg < STANDING_TRUNK_DEG) & (
            body.knee_above_hip < -STANDING_KNEES_BELOW)
    return detected, lying, standing


def recognise(body: BodySignals) -> Recognition:
    """Recognise a single-leg deadlift, a glute bridge, or something else.

    The deadlift is told apart by its hinged frames: the trunk well forward, one
    ankle high off the floor, and the standing knee only softly bent.
    """
    detected, lying, standing = postures(body)
    if _share(lying, detected) >= LYING_SHARE:
        view = lying_view(body, np.flatnonzero(lying))
        return Recognition("bridge", view, "lying on the back with the knees bent")
    if _share(standing, detected) < STANDING_SHARE:
        return Recognition(
            "other", None,
            "the person was neither standing nor lying on their back with knees bent for"
            " most of the clip: this is not a single-leg deadlift or a glute bridge")
    view = standing_view(body, np.flatnonzero(standing))
    with np.errstate(invalid="ignore"):
        hinged = detected & (SLDL.primary_signal(body, Setup("sldl", view)) > HINGE_TRUNK_DEG)
        knee_flexion = 180.0 - body.knee_angle_img_deg
        free_height = np.nanmax(body.ankle_height, axis=1)
        stance = np.nanargmin(np.nan_to_num(body.ankle_height, nan=np.inf), axis=1)
        stance_flexion = knee_flexion[np.arange(len(body)), stance]
        deep_knees = detected & (np.nanmax(knee_flexion, axis=1) > DEEP_KNEE_FLEXION)
    if _share(hinged, detected) < HINGE_SHARE:
        if _share(deep_knees, detected) > 0.05:
            return Recognition("other", view, "the knees bent deeply with the trunk upright:"
                               " this looks like a squat or a lunge, not a single-leg deadlift")
        return Recognition("other", view, "standing, but no hip hinge was seen: this is not a"
                           " single-leg deadlift")
    # Seen from the side the free foot rises; from the front or rear it points at the
    # camera and its leg looks short.
    free_leg = (free_height >= FREE_FOOT_HEIGHT) | (body.leg_length_ratio < SHORT_LEG_RATIO)
    one_leg = float(np.mean(free_leg[hinged]))
    stance_deep = float(np.nanmedian(stance_flexion[hinged]))
    if one_leg >= 0.5 and stance_deep <= DEEP_KNEE_FLEXION:
        return Recognition("sldl", view, "standing on one leg, hinging at the hip")
    if one_leg >= 0.5:
        return Recognition("other", view, "one foot left the floor but the standing knee bent"
                           f" {stance_deep:.0f} degrees: this looks like a lunge or split squat")
    if stance_deep > DEEP_KNEE_FLEXION:
        return Recognition("other", view, "both feet stayed on the floor and the knees bent"
                           " deeply: this looks like a squat")
    if view in (View.FRONT, View.REAR):
        return Recognition("other", view, "a hip hinge filmed from the front or rear, where the"
                           " pose model cannot see whether the free leg rises: if this is a"
                           " single-leg deadlift, run again with --exercise sldl, or film"
                           " from the side")
    return Recognition("other", view, "both feet stayed on the floor: this looks like a"
                       " two-legged deadlift or good morning, not a single-leg deadlift")
