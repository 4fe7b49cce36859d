from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from formcheck.errors import InputError
from formcheck.sources.file import VideoFile
from formcheck.sources.writer import VideoWriter


def _portrait_scene(height: int = 96, width: int = 64) -> np.ndarray:
    """An upright portrait picture: a red bar across the top, blue at the bottom."""
    scene = np.zeros((height, width, 3), np.uint8)
    scene[: height // 4, :, 0] = 255
    scene[-height // 4 :, :, 2] = 255
    return scene


def test_rotation_metadata_gives_upright_frames(tmp_path: Path) -> None:
    scene = _portrait_scene()
    # A phone stores the sensor's landscape pixels and a display matrix saying
    # "turn 90 degrees clockwise": the stored pixels are the scene turned anticlockwise.
    stored = np.ascontiguousarray(np.rot90(scene, k=1))
    path = tmp_path / "portrait.mp4"
    with VideoWriter(path, stored.shape[1], stored.shape[0], 30, rotation_deg=-90) as writer:
        for _ in range(3):
            writer.write(stored)
    with VideoFile(path) as video:
        assert (video.info.width, video.info.height) == (64, 96)
        assert video.info.rotation_deg == 270
        frame = next(video.frames())
    assert frame.image.shape == (96, 64, 3)
    top, bottom = frame.image[5, 32], frame.image[-5, 32]
    assert top[0] > 200 and top[2] < 60, "red bar should be at the top"
    assert bottom[2] > 200 and bottom[0] < 60, "blue bar should be at the bottom"


def test_variable_frame_rate_keeps_true_timestamps(tmp_path: Path) -> None:
    times = [0.0, 0.033, 0.1, 0.12, 0.5, 0.52, 1.3]
    path = tmp_path / "vfr.mp4"
    with VideoWriter(path, 32, 32, 30) as writer:
        for t in times:
            writer.write(np.full((32, 32, 3), 128, np.uint8), t_s=t)
    with VideoFile(path) as video:
        decoded = [frame.t_s for frame in video.frames()]
        info = video.info
    assert decoded == pytest.approx(times, abs=1e-3)
    corrected = info.decoded(len(decoded), decoded[0], decoded[-1])
    assert corrected.fps == pytest.approx(6 / 1.3, rel=1e-3)
    assert corrected.frame_count == len(times)


def test_frames_are_streamed_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "long.mp4"
    size = (240, 320, 3)
    n_frames = 300
    rng = np.random.default_rng(0)
    with VideoWriter(path, size[1], size[0], 30) as writer:
        for _ in range(n_frames):
            writer.write(rng.integers(0, 255, size, dtype=np.uint8))
    frame_bytes = int(np.prod(size))
    tracemalloc.start()
    try:
        with VideoFile(path) as video:
            count = sum(1 for _ in video.frames())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == n_frames
    # Holding the clip would need 300 frames' worth; a stream holds a handful.
    assert peak < 10 * frame_bytes


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        VideoFile(tmp_path / "nope.mp4")


def test_non_video_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("this is not a video")
    with pytest.raises(InputError, match="is it a video file"):
        VideoFile(path)


def test_interrupted_writer_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "out.mp4"
    with pytest.raises(RuntimeError), VideoWriter(path, 32, 32, 30) as writer:
        writer.write(np.zeros((32, 32, 3), np.uint8))
        raise RuntimeError("crash mid-write")
    assert list(tmp_path.iterdir()) == []


def test_the_decoder_thread_cap_comes_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from formcheck.sources.file import DECODER_THREADS_ENV, decoder_threads

    monkeypatch.delenv(DECODER_THREADS_ENV, raising=False)
    assert decoder_threads() == 0
    monkeypatch.setenv(DECODER_THREADS_ENV, "1")
    assert decoder_threads() == 1
    monkeypatch.setenv(DECODER_THREADS_ENV, "many")
    assert decoder_threads() == 0
