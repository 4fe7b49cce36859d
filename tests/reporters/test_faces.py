"""Faces blurred for the gallery: the head box from the landmarks, and the blurred copy
(a frame without a pose blurred whole)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from formcheck.reporters.faces import blur_video, head_box
from formcheck.sources.file import VideoFile
from formcheck.sources.writer import VideoWriter


def landmarks(head_xy: tuple[float, float] = (100.0, 50.0)) -> np.ndarray:
    points = np.full((33, 2), np.nan)
    x, y = head_xy
    for i in range(11):  # a head 20 px across
        points[i] = (x - 10 + 2 * i, y + (i % 3) - 1)
    points[11] = points[12] = (x, y + 40)  # shoulders
    points[23] = points[24] = (x, y + 140)  # hips: a torso of 100 px
    return points


def test_the_head_box_covers_the_head_with_a_margin() -> None:
    box = head_box(landmarks())
    assert box is not None
    x0, y0, x1, y1 = box
    assert x0 <= 90 and x1 >= 110 and y0 <= 49 and y1 >= 51
    assert x1 - x0 >= 0.9 * 100  # at least 0.45 torso lengths either side
    assert head_box(np.full((33, 2), np.nan)) is None


def test_blur_video_blurs_the_box_and_a_frame_without_a_pose_whole(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    source, target = tmp_path / "in.mp4", tmp_path / "out.mp4"
    frames = [rng.integers(0, 255, (120, 160, 3), dtype=np.uint8) for _ in range(3)]
    with VideoWriter(source, 160, 120, 10.0, crf=0) as writer:
        for i, image in enumerate(frames):
            writer.write(image, i / 10)
    with VideoFile(source) as video:
        times = [frame.t_s for frame in video.frames()]
    boxes = [[20, 20, 80, 80], None, [20, 20, 80, 80]]
    (tmp_path / "heads.json").write_text(json.dumps({"t_s": times, "boxes": boxes}))
    assert blur_video(source, tmp_path / "heads.json", target) == 3
    with VideoFile(target) as video:
        out = [frame.image.astype(float) for frame in video.frames()]
    inside = out[0][25:75, 25:75].std()
    outside = out[0][85:115, 90:155].std()
    assert inside < 0.3 * outside  # the box is smooth, the rest is noise still
    assert out[1].std() < 0.3 * outside  # no pose: the whole frame
    assert list(tmp_path.glob(".*")) == []
