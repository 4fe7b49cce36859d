"""The annotated video: every frame with its analysis drawn on, as a browser-playable MP4.

:class:`AnnotatedVideo` takes the frames in order, each with the session's state and
events for it, draws them with an :class:`~formcheck.reporters.overlay.Overlay` and
writes H.264 (yuv420p) at each frame's own timestamp, so a variable-frame-rate clip
keeps its timing::

    with AnnotatedVideo("out.mp4", source.info) as annotated:
        for frame in source.frames():
            events = session.feed(estimate(frame))
            annotated.add(frame, session.state, events)

The file appears only when the ``with`` block ends without an exception.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from types import TracebackType
from typing import Self

from formcheck.reporters.overlay import Overlay
from formcheck.session import Event, FrameState
from formcheck.video import Frame, VideoInfo, VideoWriter

logger = logging.getLogger(__name__)

#: Nominal rate given to the encoder when the source does not know its own, frames/s.
FALLBACK_FPS = 30.0


class AnnotatedVideo:
    """Writes frames with their analysis drawn on to an H.264 MP4.

    The output has the size of the first frame, less one pixel row or column where
    that size is odd (H.264 in yuv420p needs even sizes). Frames are written upright,
    without a rotation flag. The file is written under a temporary name and moved
    into place by :meth:`close`; :meth:`abort`, or an exception inside the ``with``
    block, leaves no file.

    Args:
        path: Output ``.mp4`` path.
        info: The source's description (its frame rate is the encoder's nominal rate).
        overlay: What to draw; a default :class:`Overlay` when None.
        crf: x264 quality, 0 (lossless) to 51.
    """

    def __init__(self, path: str | Path, info: VideoInfo, *, overlay: Overlay | None = None,
                 crf: int = 23) -> None:
        self.path = Path(path)
        self.info = info
        self.overlay = overlay if overlay is not None else Overlay()
        self.crf = crf
        self.frames_written = 0
        self._writer: VideoWriter | None = None
        self._size: tuple[int, int] | None = None  # (width, height), even
        self._closed = False

    def add(self, frame: Frame, state: FrameState, events: list[Event]) -> None:
        """Draw ``state`` and ``events`` (those of this frame) on ``frame`` and write it."""
        if self._closed:
            raise RuntimeError("add() after the annotated video was closed")
        self.overlay.update(state, events)
        height, width = frame.image.shape[:2]
        even = frame.image[:height - height % 2, :width - width % 2]
        size = (even.shape[1], even.shape[0])
        if self._writer is None or self._size is None:
            fps = self.info.fps if self.info.fps > 0 else FALLBACK_FPS
            self._writer = VideoWriter(self.path, size[0], size[1], fps, crf=self.crf)
            self._size = size
        elif size != self._size:
            video_w, video_h = self._size
            raise ValueError(f"frame {frame.index} is {width}x{height}, but the video is"
                             f" {video_w}x{video_h} (its first frame's size, made even)")
        self._writer.write(self.overlay.draw(even, state), frame.t_s)
        self.frames_written += 1

    def close(self) -> None:
        """Finish the file and move it into place."""
        if self._closed:
            return
        self._closed = True
        if self._writer is None:
            logger.warning("no frames to annotate: %s not written", self.path)
            return
        try:
            self._writer.close()
        except BaseException:
            with contextlib.suppress(Exception):
                self._writer.abort()
            raise

    def abort(self) -> None:
        """Stop and leave no file."""
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            self._writer.abort()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
