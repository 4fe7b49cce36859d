"""A reader thread: items of an iterator produced ahead, through a small bounded queue.

Decoding a video frame (and converting it to RGB) and running the pose model on the
previous one then overlap: FFmpeg, OpenCV and MediaPipe all release the GIL while they
work. The queue is bounded, so at most ``depth`` frames wait in memory however fast the
decoder is.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Generator, Iterable, Iterator
from types import TracebackType
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: How often a blocked producer looks whether it should stop, seconds.
_POLL_S = 0.1
#: How long :meth:`Prefetcher.close` waits for the thread, seconds.
_JOIN_S = 5.0


class _End:
    """The producer's last message: the iterator is exhausted, or raised ``error``."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class Prefetcher(Generic[T]):
    """Iterate ``items`` on a thread of its own, ``depth`` items ahead of the consumer.

    Items come out in the order the iterator gives them. An exception raised by the
    iterator is raised in the consumer, after the items before it. Closing (or leaving
    the ``with`` block, or dropping out of a ``for`` loop and closing) stops the thread:
    it finishes the item it is producing and exits; the iterator is closed on the
    thread, so a generator's ``finally`` runs there.

    Args:
        items: What to produce (for instance a video's frames).
        depth: Items produced ahead at most (the queue's size), at least 1.
        name: The thread's name.
    """

    def __init__(self, items: Iterable[T], depth: int = 4, name: str = "formcheck-reader"
                 ) -> None:
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}")
        self._items = items
        self._queue: queue.Queue[T | _End] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._produce, name=name, daemon=True)
        self._thread.start()

    def _put(self, item: T | _End) -> bool:
        """Queue ``item``, waiting for room; False when told to stop meanwhile."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        iterator = iter(self._items)
        try:
            for item in iterator:
                if not self._put(item):
                    return
            self._put(_End())
        except BaseException as exc:
            self._put(_End(exc))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    logger.debug("closing the reader's iterator failed", exc_info=True)

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        if self._done:
            raise StopIteration
        item = self._queue.get()
        if isinstance(item, _End):
            self._done = True
            self._thread.join(_JOIN_S)
            if item.error is not None:
                raise item.error
            raise StopIteration
        return item

    @property
    def alive(self) -> bool:
        """True while the reader thread runs."""
        return self._thread.is_alive()

    def close(self) -> None:
        """Stop the reader thread and wait for it (items not taken are dropped)."""
        self._done = True
        self._stop.set()
        while True:  # free a producer blocked on a full queue
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._thread.join(_JOIN_S)
        if self._thread.is_alive():
            logger.warning("the reader thread did not stop within %.0f s", _JOIN_S)

    def __enter__(self) -> Prefetcher[T]:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def prefetched(items: Iterator[T], ahead: int) -> Generator[T]:
    """``items`` produced on a reader thread, ``ahead`` items ahead (0: inline); the
    thread stops when the caller stops iterating (or closes this generator)."""
    if ahead <= 0:
        yield from items
        return
    with Prefetcher(items, ahead) as reader:
        yield from reader
