"""A live camera, read with OpenCV (which knows the platform capture back-ends); frame
times come from the monotonic clock."""

from __future__ import annotations

import time
from collections.abc import Iterator

import cv2

from formcheck.errors import InputError
from formcheck.sources.frames import Frame, FrameSource, VideoInfo


class Camera(FrameSource):
    """A live camera read with OpenCV; timestamps come from the monotonic clock.

    Args:
        index: OpenCV camera index (0 is the default webcam).
        width: Requested capture width, pixels (the camera may choose another).
        height: Requested capture height, pixels.
    """

    def __init__(self, index: int = 0, width: int = 1280, height: int = 720) -> None:
        self._capture = cv2.VideoCapture(index)
        if not self._capture.isOpened():
            raise InputError(
                f"cannot open camera {index}: is a webcam connected and not in use?"
            )
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self.info = VideoInfo(
            path=f"camera:{index}",
            width=int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            height=int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            fps=float(self._capture.get(cv2.CAP_PROP_FPS) or 0.0),
            duration_s=0.0,
            frame_count=None,
            codec="camera",
        )

    def frames(self) -> Iterator[Frame]:
        """Yield frames until the camera stops delivering them."""
        start = time.monotonic()
        index = 0
        while True:
            ok, bgr = self._capture.read()
            if not ok:
                return
            yield Frame(index, time.monotonic() - start, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            index += 1

    def close(self) -> None:
        self._capture.release()
