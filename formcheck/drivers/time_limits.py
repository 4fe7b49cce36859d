"""Time limits: no clip may keep formcheck busy for ever.

A clip's frames are pulled from its decoder on a helper thread and handed over through
a short queue, so that the analysis can give up on a decoder that stopped producing
frames (a C call that never returns cannot be interrupted) and on an analysis that runs
far slower than the clip's length says it should.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from formcheck.errors import TimeLimitError
from formcheck.sources.frames import Frame

logger = logging.getLogger(__name__)

#: Frames decoded ahead of the analysis: enough to hide the handover, few enough to keep
#: memory bounded (a 4K RGB frame is 25 MB).
PREFETCH_FRAMES = 4
#: How long to wait for the decoder thread to stop after the analysis ends, s.
JOIN_S = 2.0
_POLL_S = 0.1


@dataclass(frozen=True)
class TimeLimits:
    """How long one clip may take.

    The whole decoding and analysis of a clip must end within ``base_s + factor *
    duration``, where the duration is the longer of the declared duration and the
    time the decoded frames have reached (a container that declares nothing, or
    nonsense, is judged by its frames). A decoder that gives no frame for ``stall_s``
    is abandoned.

    Attributes:
        factor: Seconds allowed per second of clip (heuristic: the pose model runs at
            about 1x real time on a 2-core machine, README "Speed"; 10 leaves room for a
            loaded machine, and batch uses the same default).
        base_s: Seconds allowed on top (heuristic: the first frames and a short clip).
        stall_s: A decoder silent for this long has stopped, seconds (heuristic: a
            4K frame decodes in well under a second even on a loaded machine).
    """

    factor: float = 10.0
    base_s: float = 60.0
    stall_s: float = 30.0

    def __post_init__(self) -> None:
        if self.factor < 0 or self.base_s <= 0 or self.stall_s <= 0:
            raise ValueError(f"time limits must be positive, got {self}")

    def limit_s(self, duration_s: float) -> float:
        """The time allowed for a clip of ``duration_s`` seconds."""
        return self.base_s + self.factor * max(0.0, duration_s)


def within_time_limit(frames: Iterator[Frame], duration_s: float,
                      limits: TimeLimits | None = None, *, name: str = "the clip",
                      on_abandon: Callable[[], None] | None = None,
                      clock: Callable[[], float] = time.monotonic) -> Iterator[Frame]:
    """Yield ``frames``, decoded on a helper thread, until they end or time runs out.

    Args:
        frames: The decoder's frames (iterated on the helper thread only).
        duration_s: The clip's declared duration, seconds (0 when unknown).
        limits: The limits; the defaults when None.
        name: The clip, for the message.
        on_abandon: Called when the helper thread is still inside the decoder after the
            analysis gave up on it (the source must then not be closed under it).
        clock: Monotonic clock, seconds (tests pass a fake).

    Raises:
        TimeLimitError: the decoder gave no frame for ``stall_s``, or the analysis went
            over the clip's limit. Whatever the decoder raised is raised here.
    """
    limits = limits or TimeLimits()
    handover: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=PREFETCH_FRAMES)
    stop = threading.Event()

    def put(kind: str, item: object) -> bool:
        while not stop.is_set():
            try:
                handover.put((kind, item), timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def pull() -> None:
        try:
            for frame in frames:
                if not put("frame", frame):
                    return
            put("end", None)
        except BaseException as exc:  # handed to the analysis, which raises it
            put("error", exc)

    thread = threading.Thread(target=pull, name="formcheck-decoder", daemon=True)
    thread.start()
    started = clock()
    reached_s = 0.0
    try:
        while True:
            allowed = limits.limit_s(max(duration_s, reached_s))
            remaining = allowed - (clock() - started)
            if remaining <= 0:
                raise TimeLimitError(
                    f"{name}: gave up after {allowed:.0f} s (the limit for a clip of"
                    f" {max(duration_s, reached_s):.1f} s): decoding or analysis is far too"
                    " slow; is the file damaged?")
            try:
                kind, item = handover.get(timeout=min(remaining, limits.stall_s))
            except queue.Empty:
                if clock() - started < allowed:
                    raise TimeLimitError(
                        f"{name}: the decoder stopped producing frames (nothing for"
                        f" {limits.stall_s:.0f} s after {reached_s:.1f} s of the clip): the"
                        " file is damaged") from None
                continue  # the total limit: said at the top of the loop
            if kind == "end":
                return
            if kind == "error":
                assert isinstance(item, BaseException)
                raise item
            assert isinstance(item, Frame)
            reached_s = max(reached_s, item.t_s)
            yield item
    finally:
        stop.set()
        thread.join(JOIN_S)
        if thread.is_alive():
            logger.info("%s: the decoder thread did not stop; abandoned", name)
            if on_abandon is not None:
                on_abandon()
