from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from formcheck.errors import InputError
from formcheck.pose.series import PoseRecording, PoseSample, PoseSeries
from formcheck.sources.frames import VideoInfo


def _sample(t_s: float, detected: bool = True) -> PoseSample:
    if not detected:
        return PoseSample.missing(t_s)
    rng = np.random.default_rng(int(t_s * 1000))
    return PoseSample(
        t_s,
        rng.uniform(0, 100, (33, 3)).astype(np.float32),
        rng.uniform(-1, 1, (33, 3)).astype(np.float32),
        np.full(33, 0.9, np.float32),
        np.full(33, 0.95, np.float32),
        detected=True,
    )


def _series() -> PoseSeries:
    samples = [_sample(i / 30, detected=i != 2) for i in range(5)]
    return PoseSeries.from_samples(samples, width=640, height=480)


def test_sample_rejects_wrong_shapes_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match=r"image_px: expected \(33, 3\), got \(10, 3\)"):
        PoseSample(0.0, np.zeros((10, 3)), np.zeros((33, 3)), np.zeros(33), np.zeros(33), True)


def test_series_rejects_mismatched_lengths() -> None:
    series = _series()
    with pytest.raises(ValueError, match=r"world_m: expected \(5, 33, 3\), got \(4, 33, 3\)"):
        PoseSeries(series.t_s, series.image_px, series.world_m[:4], series.visibility,
                   series.presence, series.detected, series.swapped, 640, 480)


def test_series_rejects_decreasing_time() -> None:
    series = _series()
    with pytest.raises(ValueError, match="must not decrease"):
        PoseSeries(series.t_s[::-1].copy(), series.image_px, series.world_m, series.visibility,
                   series.presence, series.detected, series.swapped, 640, 480)


def test_series_stacks_samples_and_marks_missing_frames() -> None:
    series = _series()
    assert len(series) == 5
    assert series.detected.tolist() == [True, True, False, True, True]
    assert np.isnan(series.image_px[2]).all()
    assert series.detection_rate == pytest.approx(0.8)
    assert series.fps == pytest.approx(30.0)
    assert series.sample(3).t_s == pytest.approx(0.1)


def test_empty_series_is_valid() -> None:
    series = PoseSeries.from_samples([], 640, 480)
    assert len(series) == 0 and series.detection_rate == 0.0


def _recording() -> PoseRecording:
    info = VideoInfo("clip.mp4", 640, 480, 30.0, 5 / 30, 5, "h264")
    return PoseRecording(info, _series(), _series(), model="pose_landmarker_full.task")


def test_npz_round_trip(tmp_path: Path) -> None:
    recording = _recording()
    path = tmp_path / "poses.npz"
    recording.save_npz(path)
    loaded = PoseRecording.load_npz(path)
    assert loaded.video == recording.video
    np.testing.assert_array_equal(loaded.clean.image_px, recording.clean.image_px)
    np.testing.assert_array_equal(loaded.raw.detected, recording.raw.detected)
    assert [p.name for p in tmp_path.iterdir()] == ["poses.npz"]  # no temporary left behind


def test_json_has_null_for_missing_frames(tmp_path: Path) -> None:
    path = tmp_path / "poses.json"
    _recording().save_json(path)
    data = json.loads(path.read_text())
    assert data["schema"] == "formcheck.poses/1"
    assert data["frames"][2] == {"t_s": pytest.approx(2 / 30, abs=1e-4), "detected": False,
                                 "swapped": False, "image_px": None, "world_m": None,
                                 "visibility": None, "presence": None}
    assert len(data["frames"][0]["image_px"]) == 33


def test_loading_a_foreign_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    np.savez(path, header=np.array(json.dumps({"schema": "something/1"})))
    with pytest.raises(InputError, match="not a formcheck pose file"):
        PoseRecording.load_npz(path)
