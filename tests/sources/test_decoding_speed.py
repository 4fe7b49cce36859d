"""The fast decoding path: RGB straight from the decoder, scaled down when large, frames
left out by the analysis rate never converted, seeking for chunks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from formcheck.sources.file import VideoFile
from formcheck.sources.frames import Frame
from formcheck.sources.writer import VideoWriter


def _gradient_clip(path: Path, width: int, height: int, n: int = 12, fps: float = 24.0
                   ) -> Path:
    yy, xx = np.mgrid[0:height, 0:width]
    with VideoWriter(path, width, height, fps) as writer:
        for k in range(n):
            image = np.stack([(xx * 255 // width), (yy * 255 // height),
                              np.full_like(xx, 20 * k % 256)], axis=-1).astype(np.uint8)
            writer.write(image)
    return path


def test_opencv_conversion_matches_ffmpegs(tmp_path: Path) -> None:
    import av

    path = _gradient_clip(tmp_path / "g.mp4", 320, 240)
    with VideoFile(path) as video:
        ours = [f.image for f in video.frames()]
    with av.open(str(path)) as container:
        theirs = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(ours) == len(theirs) == 12
    for a, b in zip(ours, theirs, strict=True):
        assert a.dtype == np.uint8 and a.shape == b.shape and a.flags["C_CONTIGUOUS"]
        assert np.abs(a.astype(int) - b).mean() < 1.5


def test_large_frames_are_scaled_down_and_keep_their_size(tmp_path: Path) -> None:
    path = _gradient_clip(tmp_path / "big.mp4", 640, 360, n=3)
    with VideoFile(path) as video:
        frames = list(video.frames(max_side_px=320))
    assert frames[0].image.shape == (180, 320, 3)
    assert frames[0].source_size == (640, 360) and frames[0].size == (640, 360)
    with VideoFile(path) as video:
        full = next(video.frames(max_side_px=1920))
    assert full.source_size is None and full.size == (640, 360)


def test_frames_left_out_are_counted_not_yielded_unless_asked(tmp_path: Path) -> None:
    path = _gradient_clip(tmp_path / "g.mp4", 64, 48, n=10)
    seen: list[float] = []

    def every_third(t_s: float) -> bool:
        seen.append(t_s)
        return len(seen) % 3 == 1

    with VideoFile(path) as video:
        frames = list(video.frames(select=every_third))
    assert len(seen) == 10
    assert [f.index for f in frames] == [0, 3, 6, 9] and all(f.analysed for f in frames)
    seen.clear()
    with VideoFile(path) as video:
        shown = list(video.frames(select=every_third, unselected=True))
    assert len(shown) == 10
    assert [f.analysed for f in shown] == [i % 3 == 0 for i in range(10)]


def test_landmarks_of_a_scaled_frame_are_in_the_stored_frames_pixels() -> None:
    frame = Frame(0, 0.0, np.zeros((180, 320, 3), np.uint8), source_size=(1280, 720))
    assert frame.size == (1280, 720)


def _keyframe_every_second(path: Path, n: int = 240, fps: int = 24) -> Path:
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.gop_size = fps
        stream.codec_context.options = {"keyint_min": str(fps), "sc_threshold": "0"}
        for k in range(n):
            image = np.full((48, 64, 3), k % 256, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_seek_starts_at_the_keyframe_before_the_time(tmp_path: Path) -> None:
    path = _keyframe_every_second(tmp_path / "long.mp4")  # 10 s at 24 fps
    with VideoFile(path) as video:
        video.seek(6.5)
        times = [f.t_s for f in video.frames()]
    assert 5.0 < times[0] <= 6.5  # the keyframe at 6 s, not the start of the clip
    assert times[-1] == pytest.approx(239 / 24, abs=1e-3)
    assert np.all(np.diff(times) > 0)
