"""What every frame source hands out: the description of the source (:class:`VideoInfo`),
one decoded picture with its true time (:class:`Frame`), and the source's interface
(:class:`FrameSource`: a video file or a camera)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Self

import numpy as np


@dataclass(frozen=True)
class VideoInfo:
    """What is known about a source before (or while) it is read.

    Attributes:
        path: File path, or ``camera:N`` for a camera.
        width: Width of the upright frames, pixels (after rotation).
        height: Height of the upright frames, pixels (after rotation).
        fps: Average frame rate, frames per second (a float: phones use 29.97,
            variable rates, ...). 0.0 when unknown (cameras before reading).
        duration_s: Duration in seconds, 0.0 when unknown (cameras).
        frame_count: Number of frames the container declares, or None.
        codec: Codec name, e.g. ``h264``.
        rotation_deg: Counter-clockwise rotation applied to make frames upright.
    """

    path: str
    width: int
    height: int
    fps: float
    duration_s: float
    frame_count: int | None
    codec: str
    rotation_deg: int = 0

    def decoded(self, frame_count: int, first_t_s: float, last_t_s: float) -> VideoInfo:
        """This description corrected by what decoding every frame showed.

        Containers written by some phones and editors declare durations and rates
        that do not match their frames; the timestamps are the truth.
        """
        if frame_count < 2 or last_t_s <= first_t_s:
            return replace(self, frame_count=frame_count)
        fps = (frame_count - 1) / (last_t_s - first_t_s)
        return replace(self, frame_count=frame_count, fps=fps,
                       duration_s=last_t_s - first_t_s + 1.0 / fps)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "duration_s": self.duration_s,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
            "frame_count": self.frame_count,
            "codec": self.codec,
            "rotation_deg": self.rotation_deg,
        }


@dataclass(frozen=True)
class Frame:
    """One decoded frame.

    Attributes:
        index: 0-based position in the decoded stream.
        t_s: Presentation time, seconds from the stream's start.
        image: ``(H, W, 3)`` uint8 RGB, upright.
        source_size: ``(width, height)`` of the upright frame as stored, pixels, when
            ``image`` was scaled down from it; None when ``image`` is full size.
        analysed: False for a frame decoded only to be shown, between the frames
            picked for the pose model (see :mod:`formcheck.drivers.speed`).
    """

    index: int
    t_s: float
    image: np.ndarray
    source_size: tuple[int, int] | None = None
    analysed: bool = True

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` of the upright frame as stored, pixels: what landmarks are
        measured in, whatever size ``image`` was scaled to."""
        if self.source_size is not None:
            return self.source_size
        height, width = self.image.shape[:2]
        return width, height


def upright(image: np.ndarray, rotation_deg: int) -> np.ndarray:
    """Rotate ``image`` counter-clockwise by ``rotation_deg`` (a multiple of 90)."""
    quarter_turns = (rotation_deg // 90) % 4
    if quarter_turns == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=quarter_turns))


class FrameSource:
    """What the sources share: ``info``, ``frames()`` and closing as a context manager."""

    info: VideoInfo

    def frames(self) -> Iterator[Frame]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
