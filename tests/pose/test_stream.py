"""The real model on real footage (skipped when ../shared/realclips is absent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from formcheck.drivers.file import extract_poses
from formcheck.pose.landmarks import Landmark
from formcheck.sources.file import VideoFile
from formcheck.sources.writer import VideoWriter
from tests.conftest import REALCLIPS, cached_poses, realclip

pytestmark = pytest.mark.model

SLDL_AND_BRIDGE_CLIPS = [
    "01_sldl_tbf_dumbbell_sl-rdl.mp4",
    "03_sldl_rep_kettlebell.mp4",
    "04_bridge_darebee_glute_bridge.mp4",
    "05_bridge_physioplus_test_1rep.mp4",
    "06_bridge_tbf_glute_bridge.mp4",
    "07_bridge_life_single_leg_bridge.mp4",
]


@pytest.mark.parametrize("name", SLDL_AND_BRIDGE_CLIPS)
def test_person_found_in_95_percent_of_frames(name: str) -> None:
    recording = cached_poses(realclip(name))
    assert recording.clean.detection_rate >= 0.95
    assert len(recording.clean) == recording.video.frame_count


def _local_extrema(signal: np.ndarray, min_prominence: float) -> tuple[int, int]:
    """Count maxima and minima that stand out by ``min_prominence`` (simple hysteresis)."""
    peaks = troughs = 0
    direction = 0
    anchor = signal[0]
    for value in signal[1:]:
        if direction >= 0 and value < anchor - min_prominence:
            if direction == 1:
                peaks += 1
            direction, anchor = -1, value
        elif direction <= 0 and value > anchor + min_prominence:
            if direction == -1:
                troughs += 1
            direction, anchor = 1, value
        elif (direction == 1 and value > anchor) or (direction == -1 and value < anchor):
            anchor = value
    return peaks, troughs


def test_hip_height_rises_and_falls_with_each_bridge_rep() -> None:
    recording = cached_poses(realclip("04_bridge_darebee_glute_bridge.mp4"))
    hips = recording.clean.image_px[:, [Landmark.LEFT_HIP, Landmark.RIGHT_HIP], 1].mean(axis=1)
    height_up = -hips  # image y points down
    torso = np.nanmedian(np.linalg.norm(
        recording.clean.image_px[:, Landmark.LEFT_SHOULDER, :2]
        - recording.clean.image_px[:, Landmark.LEFT_HIP, :2], axis=1))
    tops, _ = _local_extrema(height_up, min_prominence=0.3 * torso)
    assert tops == 5  # the clip shows five bridges


def test_rotated_phone_clip_comes_out_upright(tmp_path: Path) -> None:
    """Re-encode a real clip as a phone would store it (pixels turned, rotation tag set)."""
    source = realclip("01_sldl_tbf_dumbbell_sl-rdl.mp4")
    rotated = tmp_path / "portrait.mp4"
    with VideoFile(source) as video:
        info = video.info
        with VideoWriter(rotated, info.height - info.height % 2, info.width - info.width % 2,
                         info.fps, rotation_deg=-90) as writer:
            for frame in video.frames():
                if frame.t_s > 1.0:
                    break
                image = frame.image[: info.height - info.height % 2, : info.width - info.width % 2]
                writer.write(np.rot90(image, k=1), t_s=frame.t_s)  # stored turned anticlockwise
    recording = extract_poses(rotated)
    assert (recording.video.width, recording.video.height) == (info.width - info.width % 2,
                                                               info.height - info.height % 2)
    clean = recording.clean
    assert clean.detection_rate >= 0.95
    nose_y = clean.image_px[clean.detected, Landmark.NOSE, 1]
    ankle_y = clean.image_px[clean.detected, Landmark.LEFT_ANKLE, 1]
    assert np.all(nose_y < ankle_y), "a standing person's head must be above the feet"


def test_realclips_folder_is_not_in_the_project() -> None:
    root = Path(__file__).resolve().parents[2]
    assert not REALCLIPS.resolve().is_relative_to(root)
