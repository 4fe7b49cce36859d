"""Frames from the camera to the processing loop: a capture thread and a one-frame slot
that always holds the newest frame (a stale one is dropped and counted), and the recorder
of what the camera saw."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

# isort: off
import cv2  # noqa: F401  (before av: see formcheck.sources.file)
import av
# isort: on

from formcheck.drivers.live.settings import FALLBACK_FPS
from formcheck.sources.frames import Frame
from formcheck.sources.writer import VideoWriter

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------- the handoff


@dataclass(frozen=True)
class Captured:
    """A frame as the capture thread handed it over.

    Attributes:
        frame: The frame (its ``t_s`` is the stream time the session sees).
        captured_s: ``time.monotonic()`` when the capture thread got it, seconds: where
            the latency is measured from.
    """

    frame: Frame
    captured_s: float


class NewestFrame:
    """A one-frame slot between the capture thread and the processing loop.

    The producer :meth:`put` s frames; a frame still waiting when the next arrives is
    replaced and counted in :attr:`dropped`, so the consumer always :meth:`take` s the
    newest and memory never grows. With ``wait=True`` the producer instead blocks until
    the consumer took the waiting frame (a file played ``--fast``: nothing dropped).
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._slot: Captured | None = None
        self._finished = False  # the producer has no more frames
        self._closed = False  # the consumer takes no more frames
        self.offered = 0
        self.dropped = 0

    def put(self, item: Captured, *, wait: bool = False) -> bool:
        """Offer a frame; False when the consumer has gone (the producer should stop)."""
        with self._changed:
            if wait:
                self._changed.wait_for(lambda: self._slot is None or self._closed)
            if self._closed:
                return False
            self.offered += 1
            if self._slot is not None:
                self.dropped += 1
            self._slot = item
            self._changed.notify_all()
            return True

    def take(self, timeout: float) -> Captured | None:
        """The newest frame, waiting up to ``timeout`` seconds; None when none came (see
        :attr:`ended` for whether one ever will)."""
        with self._changed:
            self._changed.wait_for(lambda: self._slot is not None or self._finished, timeout)
            item, self._slot = self._slot, None
            if item is not None:
                self._changed.notify_all()  # a producer waiting for the slot to empty
            return item

    def finish(self) -> None:
        """The producer has no more frames (a frame still in the slot can be taken)."""
        with self._changed:
            self._finished = True
            self._changed.notify_all()

    def close(self) -> None:
        """The consumer stops: a waiting or later :meth:`put` returns False."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    @property
    def ended(self) -> bool:
        """The producer finished and its last frame was taken."""
        with self._changed:
            return self._finished and self._slot is None


class Recorder:
    """Writes captured frames to H.264 (:class:`VideoWriter`: atomic, never half a file),
    opened at the first frame (whose size, made even, is the video's)."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path = path
        self.fps = fps if fps > 0 else FALLBACK_FPS
        self._writer: VideoWriter | None = None
        self._failed = False
        self.frames_written = 0

    def write(self, frame: Frame) -> None:
        if self._failed:
            return
        height, width = frame.image.shape[:2]
        even = frame.image[:height - height % 2, :width - width % 2]
        try:
            if self._writer is None:
                self._writer = VideoWriter(self.path, even.shape[1], even.shape[0], self.fps)
            self._writer.write(even, frame.t_s)
            self.frames_written += 1
        except (OSError, ValueError, av.FFmpegError) as exc:
            # Recording is a side line: the session goes on without it.
            logger.error("recording to %s stopped: %s", self.path, exc)
            self._failed = True
            self.abort()

    def close(self) -> None:
        """Finish the file and move it into place (nothing when no frame came)."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    def abort(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.abort()


class CaptureThread(threading.Thread):
    """Reads a source's frames and hands each over through a :class:`NewestFrame`.

    Args:
        frames: The source's frames (read in this thread only).
        handoff: Where the frames go.
        pace: Sleep until each frame's timestamp (a file played at its real pace).
        wait_for_consumer: Block until each frame was taken (``--fast``: no drops).
        hold_when_paused: Stop reading while ``paused`` is set (a file; a camera cannot
            be paused, its frames are skipped by the consumer).
        paused: Set while the user has paused.
        recorder: Writes every captured frame, or None.
        clock: Monotonic seconds.
    """

    def __init__(self, frames: Iterator[Frame], handoff: NewestFrame, *, pace: bool,
                 wait_for_consumer: bool, hold_when_paused: bool, paused: threading.Event,
                 recorder: Recorder | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(name="formcheck-capture", daemon=True)
        self._frames = frames
        self._handoff = handoff
        self._pace = pace
        self._wait = wait_for_consumer
        self._hold = hold_when_paused
        self._paused = paused
        self._recorder = recorder
        self._clock = clock
        self._stopping = threading.Event()
        self.error: BaseException | None = None
        self.frames_read = 0
        self.last_t_s = 0.0

    def stop(self) -> None:
        self._stopping.set()

    def _hold_while_paused(self) -> float:
        """Wait while paused; the seconds spent waiting."""
        if not (self._hold and self._paused.is_set()):
            return 0.0
        began = self._clock()
        while self._paused.is_set() and not self._stopping.is_set():
            self._stopping.wait(0.05)
        return self._clock() - began

    def run(self) -> None:
        start: float | None = None  # wall time of stream time 0 (a paced file)
        try:
            for frame in self._frames:
                if self._stopping.is_set():
                    break
                held = self._hold_while_paused()
                if self._pace:
                    if start is None:
                        start = self._clock() - frame.t_s
                    start += held
                    delay = start + frame.t_s - self._clock()
                    if delay > 0 and self._stopping.wait(delay):
                        break
                self.frames_read += 1
                self.last_t_s = frame.t_s
                if self._recorder is not None:
                    self._recorder.write(frame)
                if not self._handoff.put(Captured(frame, self._clock()), wait=self._wait):
                    break
        except BaseException as exc:  # handed to the main thread, which decides
            self.error = exc
        finally:
            if self._recorder is not None:
                try:
                    self._recorder.close()
                except Exception as exc:
                    logger.error("recording to %s failed: %s", self._recorder.path, exc)
                    self._recorder.abort()
            self._handoff.finish()
