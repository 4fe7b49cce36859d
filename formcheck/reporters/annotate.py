"""The annotated video: every frame with its analysis drawn on, as a browser-playable MP4.

:class:`AnnotatedVideo` takes the frames in order, each with the session's state and
events for it, draws them with an :class:`~formcheck.reporters.overlay.Overlay` and
writes H.264 (yuv420p) at each frame's own timestamp, so a variable-frame-rate clip
keeps its timing::

    with AnnotatedVideo("out.mp4", source.info) as annotated:
        for frame in source.frames():
            events = session.feed(estimate(frame))
            annotated.add(session.state, events, frame)

The file appears only when the ``with`` block ends without an exception.

Frames are drawn and encoded on a thread of their own, so that H.264 encoding overlaps
the pose model's work on the next frames (both spend their time in native code). A frame
is drawn ``delay_s`` after it arrives, with the rep's phase as the session knew it
by then: a phase is known a little after it begins (the rep engine's median, and its hold
at the peak: :attr:`~formcheck.analysis.events.FrameState.phase_since_s`), so the label
is drawn for the frame it belongs to, late rather than wrong. A live window cannot wait,
and shows the phase as it is known at the moment.
"""

from __future__ import annotations

import contextlib
import logging
import math
import queue
import threading
from collections import deque
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Self

from formcheck.analysis.events import Event, FrameState
from formcheck.reporters.overlay import Overlay
from formcheck.sources.frames import Frame, VideoInfo
from formcheck.sources.writer import VideoWriter

logger = logging.getLogger(__name__)

#: Nominal rate given to the encoder when the source does not know its own, frames/s.
FALLBACK_FPS = 30.0
#: How long a frame waits before it is drawn, seconds: longer than the rep engine needs to
#: know a phase (a median of 5 frames and a 0.2 s hold at the peak, at 24-60 fps).
DEFAULT_DELAY_S = 0.5
#: Frames the drawing thread may be behind before ``add`` waits for it.
QUEUE_FRAMES = 8


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
        delay_s: How long each frame waits for the session to know its phase, seconds.
    """

    def __init__(self, path: str | Path, info: VideoInfo, *, overlay: Overlay | None = None,
                 crf: int = 23, delay_s: float = DEFAULT_DELAY_S) -> None:
        self.path = Path(path)
        self.info = info
        self.overlay = overlay if overlay is not None else Overlay()
        self.crf = crf
        self.frames_written = 0
        self._writer: VideoWriter | None = None
        self._size: tuple[int, int] | None = None  # (width, height), even
        self._closed = False
        self.delay_s = delay_s
        # Frames waiting to be drawn: (frame, its state, its events), oldest first.
        self._waiting: deque[tuple[Frame | None, FrameState, list[Event]]] = deque()
        # The drawing thread and what it is given (None: no more), started with the first.
        self._queue: queue.Queue[tuple[Frame | None, FrameState, list[Event]] | None] = (
            queue.Queue(maxsize=QUEUE_FRAMES))
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def add(self, state: FrameState, events: list[Event], frame: Frame | None) -> None:
        """Take ``frame`` with its ``state`` and ``events`` (a sink of
        :class:`formcheck.drivers.run.ClipRun`; without a frame, only the events are
        taken); it is drawn and written ``delay_s`` later."""
        if self._closed:
            raise RuntimeError("add() after the annotated video was closed")
        if frame is not None:
            self._check_size(frame)
        self._relabel(state)
        self._waiting.append((frame, state, events))
        while self._waiting and state.t_s - self._waiting[0][1].t_s > self.delay_s:
            self._submit(self._waiting.popleft())
        if self._error is not None:
            raise self._error

    def _relabel(self, state: FrameState) -> None:
        """The frames waiting since the phase of ``state`` began get that phase (and its
        rep): what the session knows now of them."""
        since = state.phase_since_s
        if not math.isfinite(since) or not (state.exercise or state.assumed):
            return
        for index, (frame, waiting, events) in enumerate(self._waiting):
            if (waiting.t_s >= since and waiting.detected
                    and (waiting.phase, waiting.rep) != (state.phase, state.rep)):
                self._waiting[index] = (frame, replace(waiting, phase=state.phase,
                                                       rep=state.rep), events)

    def _submit(self, item: tuple[Frame | None, FrameState, list[Event]]) -> None:
        """Hand one frame to the drawing thread (waiting while it is ``QUEUE_FRAMES``
        behind)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._drawing, name="formcheck-annotate",
                                            daemon=True)
            self._thread.start()
        self._queue.put(item)

    def _drawing(self) -> None:
        """The drawing thread: draw and write each frame given, in order, until None; after
        an error, take the rest without drawing (the caller raises it)."""
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._draw(*item)
                except BaseException as exc:
                    self._error = exc

    def _flush(self) -> None:
        """Draw every frame still waiting, and end the drawing thread."""
        while self._waiting:
            self._submit(self._waiting.popleft())
        self._stop_thread()
        if self._error is not None:
            raise self._error

    def _stop_thread(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _draw(self, frame: Frame | None, state: FrameState, events: list[Event]) -> None:
        self.overlay.update(state, events)
        if frame is None:
            return
        height, width = frame.image.shape[:2]
        even = frame.image[:height - height % 2, :width - width % 2]
        if self._writer is None:
            assert self._size is not None  # set by the first frame added
            fps = self.info.fps if self.info.fps > 0 else FALLBACK_FPS
            self._writer = VideoWriter(self.path, *self._size, fps, crf=self.crf)
        self._writer.write(self.overlay.draw(even, state), frame.t_s)
        self.frames_written += 1

    def _check_size(self, frame: Frame) -> None:
        """The first frame sets the video's size (made even); another size is refused."""
        height, width = frame.image.shape[:2]
        size = (width - width % 2, height - height % 2)
        if self._size is None:
            self._size = size
        elif size != self._size:
            video_w, video_h = self._size
            raise ValueError(f"frame {frame.index} is {width}x{height}, but the video is"
                             f" {video_w}x{video_h} (its first frame's size, made even)")

    def close(self) -> None:
        """Draw the frames still waiting, finish the file and move it into place."""
        if self._closed:
            return
        try:
            self._flush()
        except BaseException:
            self.abort()
            raise
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
        self._waiting.clear()
        self._stop_thread()
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
