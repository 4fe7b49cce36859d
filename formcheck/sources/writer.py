"""The H.264 writer: RGB frames to an MP4 that browsers and phones play, written under a
temporary name and moved into place when complete."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import TracebackType

# isort: off
# OpenCV before PyAV: both wheels bundle xcb libraries under the same names, whichever
# loads first serves both, and OpenCV's window (formcheck live) hangs on PyAV's copy.
import cv2  # noqa: F401
import av
# isort: on
import numpy as np

from formcheck.fileio import new_file_mode, require_folder

#: x264's speed preset: "superfast" encodes a 640x480 frame in 2.5 ms of CPU where
#: "veryfast" took 4.1 (measured here, 150 frames of a sample clip, crf 23), for files about
#: twice as large (a 20 s annotated clip: about half a megabyte). The annotated video is
#: made in the same pass as the analysis, so its encoding is on the analysis's time.
PRESET = "superfast"


class VideoWriter:
    """Writes RGB frames to an H.264 (yuv420p) MP4 that browsers play.

    Each frame may carry its own timestamp, so variable-frame-rate timing is kept.
    The file is written under a temporary name and moved into place on
    :meth:`close`, so an interrupted run never leaves a half-written video.

    Args:
        path: Output ``.mp4`` path.
        width: Frame width, pixels (even).
        height: Frame height, pixels (even).
        fps: Nominal frame rate, used for frames given without a timestamp.
        rotation_deg: Counter-clockwise display rotation to record in the file
            (as a phone does); the pixels are stored as given.
        crf: x264 quality, 0 (lossless) to 51; 23 is x264's default.
    """

    _TIME_BASE_DEN = 1000  # millisecond timestamps

    def __init__(self, path: str | Path, width: int, height: int, fps: float, *,
                 rotation_deg: int = 0, crf: int = 23) -> None:
        from fractions import Fraction

        if width % 2 or height % 2:
            raise ValueError(f"H.264 needs even frame sizes, got {width}x{height}")
        self.path = Path(path)
        require_folder(self.path)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}.", suffix=".mp4",
                                   dir=self.path.parent)
        os.close(fd)
        self._tmp = Path(tmp)
        self._fps = fps
        self._container = av.open(str(self._tmp), "w")
        self._stream = self._container.add_stream(
            "libx264", rate=Fraction(fps).limit_denominator(1001),
            options={"crf": str(crf), "preset": PRESET})
        self._stream.width, self._stream.height = width, height
        self._stream.pix_fmt = "yuv420p"
        self._stream.time_base = Fraction(1, self._TIME_BASE_DEN)
        self._stream.codec_context.time_base = Fraction(1, self._TIME_BASE_DEN)
        if rotation_deg:
            self._stream.set_display_rotation(rotation_deg)
        self._count = 0
        self._last_pts = -1

    def write(self, image: np.ndarray, t_s: float | None = None) -> None:
        """Append one ``(H, W, 3)`` uint8 RGB frame shown at ``t_s`` seconds."""
        if t_s is None:
            t_s = self._count / self._fps
        pts = max(round(t_s * self._TIME_BASE_DEN), self._last_pts + 1)
        self._last_pts = pts
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
        frame.pts = pts
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self._count += 1

    def close(self) -> None:
        """Flush the encoder and move the finished file into place."""
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()
        self._tmp.chmod(new_file_mode())  # mkstemp made it private
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        """Drop the partial file."""
        self._container.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
