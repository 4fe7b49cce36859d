"""True angles measured on the posed 3-D keypoints (COCO layout regressed from the mesh).

These are the numbers written to the labels: measured on the pose actually rendered, never
the commanded values (anny's rest pose is not perfectly neutral, and the keypoints are not
the rig's joint centres).

Keypoints arrays are (P, 3) in metres, in the world frame of :mod:`formcheck.devtools.synth.pose`.
"""

from __future__ import annotations

import numpy as np

from formcheck.devtools.synth.geometry import angle_between_deg, included_angle_deg, unit

COCO = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_big_toe",
    "right_big_toe", "left_small_toe", "right_small_toe", "left_heel", "right_heel",
)  # fmt: skip


def _kp(keypoints: np.ndarray, name: str) -> np.ndarray:
    return keypoints[COCO.index(name)]


def _mid(keypoints: np.ndarray, part: str) -> np.ndarray:
    return 0.5 * (_kp(keypoints, f"left_{part}") + _kp(keypoints, f"right_{part}"))


def trunk_from_vertical_deg(keypoints: np.ndarray) -> float:
    """Angle of the hip-mid -> shoulder-mid line from vertical, degrees."""
    return angle_between_deg(
        _mid(keypoints, "shoulder") - _mid(keypoints, "hip"), np.array([0, 0, 1.0])
    )


def knee_flexion_deg(keypoints: np.ndarray, side: str) -> float:
    """180 minus the hip-knee-ankle included angle, degrees (0 = straight)."""
    return 180.0 - included_angle_deg(
        _kp(keypoints, f"{side}_hip"),
        _kp(keypoints, f"{side}_knee"),
        _kp(keypoints, f"{side}_ankle"),
    )


def knee_included_deg(keypoints: np.ndarray, side: str) -> float:
    """Hip-knee-ankle included angle, degrees (180 = straight)."""
    return included_angle_deg(
        _kp(keypoints, f"{side}_hip"),
        _kp(keypoints, f"{side}_knee"),
        _kp(keypoints, f"{side}_ankle"),
    )


def pelvis_rise_deg(keypoints: np.ndarray, free_side: str) -> float:
    """Elevation of the stance-hip -> free-hip line above horizontal, degrees (+ free hip up)."""
    stance_side = "left" if free_side == "right" else "right"
    line = _kp(keypoints, f"{free_side}_hip") - _kp(keypoints, f"{stance_side}_hip")
    return float(np.degrees(np.arcsin(np.clip(line[2] / np.linalg.norm(line), -1.0, 1.0))))


def leg_below_trunk_deg(keypoints: np.ndarray, free_side: str) -> float:
    """Angle between the trunk line (shoulder -> hip, extended) and the free leg (hip -> ankle).

    Signed, degrees: positive when the free ankle is below the extended trunk line.
    """
    shoulder = _mid(keypoints, "shoulder")
    hip_mid = _mid(keypoints, "hip")
    trunk = hip_mid - shoulder
    leg = _kp(keypoints, f"{free_side}_ankle") - _kp(keypoints, f"{free_side}_hip")
    angle = angle_between_deg(trunk, leg)
    # Below: the leg points lower than the trunk line does, in their common vertical plane.
    below = unit(leg)[2] < unit(trunk)[2]
    return angle if below else -angle


def knee_frontal_deviation_deg(keypoints: np.ndarray, side: str) -> float:
    """Frontal-plane (x-z, the person faces -y) deviation at the knee, degrees, + medial.

    180 minus the hip-knee-ankle angle measured in the projection on the frontal plane,
    positive when the knee lies toward the midline of the hip-ankle line.
    """
    hip = _kp(keypoints, f"{side}_hip")[[0, 2]]
    knee = _kp(keypoints, f"{side}_knee")[[0, 2]]
    ankle = _kp(keypoints, f"{side}_ankle")[[0, 2]]
    deviation = 180.0 - included_angle_deg(
        np.append(hip, 0.0), np.append(knee, 0.0), np.append(ankle, 0.0)
    )
    t = np.clip(np.dot(knee - hip, ankle - hip) / np.dot(ankle - hip, ankle - hip), 0.0, 1.0)
    on_line_x = hip[0] + t * (ankle - hip)[0]
    lateral_sign = 1.0 if side == "left" else -1.0  # +x is the person's left
    medial = (knee[0] - on_line_x) * lateral_sign < 0
    return deviation if medial else -deviation


def shoulder_hip_knee_deg(keypoints: np.ndarray, side: str | None) -> float:
    """Shoulder-hip-knee angle of a lying body in its sagittal plane, degrees.

    Measured on the projection onto the y-z plane (what a side camera sees; the body lies
    along y), signed past 180 when the hip is above the shoulder-knee line. ``side`` None uses
    the left/right midpoints (a double-leg bridge).
    """
    if side is None:
        points = [_mid(keypoints, p) for p in ("shoulder", "hip", "knee")]
    else:
        points = [_kp(keypoints, f"{side}_{p}") for p in ("shoulder", "hip", "knee")]
    shoulder, hip, knee = (np.array([0.0, p[1], p[2]]) for p in points)
    angle = included_angle_deg(shoulder, hip, knee)
    t = np.dot(hip - shoulder, knee - shoulder) / np.dot(knee - shoulder, knee - shoulder)
    line_z = shoulder[2] + t * (knee - shoulder)[2]
    return 360.0 - angle if hip[2] > line_z else angle


def pelvic_drop_deg(keypoints: np.ndarray, free_side: str) -> float:
    """Pelvis roll of a lying body, degrees, positive when the free-side hip is lower."""
    return -pelvis_rise_deg(keypoints, free_side)


def knee_ankle_separation_ratio(keypoints: np.ndarray) -> float:
    """Knee separation divided by ankle separation (left-right distances)."""
    knees = np.linalg.norm(_kp(keypoints, "left_knee") - _kp(keypoints, "right_knee"))
    ankles = np.linalg.norm(_kp(keypoints, "left_ankle") - _kp(keypoints, "right_ankle"))
    return float(knees / ankles)


def hip_height_m(keypoints: np.ndarray) -> float:
    return float(_mid(keypoints, "hip")[2])


def ankle_height_m(keypoints: np.ndarray, side: str) -> float:
    return float(_kp(keypoints, f"{side}_ankle")[2])


def shoulder_height_m(keypoints: np.ndarray) -> float:
    return float(max(_kp(keypoints, "left_shoulder")[2], _kp(keypoints, "right_shoulder")[2]))
