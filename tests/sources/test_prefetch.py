"""The reader thread: order, a bounded queue, errors passed on, a clean stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from formcheck.sources.prefetch import Prefetcher


def _wait_until(condition, timeout_s: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_items_come_out_in_order() -> None:
    with Prefetcher(range(500), depth=3) as reader:
        assert list(reader) == list(range(500))
    assert not reader.alive


def test_the_reader_runs_at_most_depth_items_ahead() -> None:
    produced = []

    def items() -> Iterator[int]:
        for i in range(1000):
            produced.append(i)
            yield i

    depth = 4
    with Prefetcher(items(), depth=depth) as reader:
        assert next(reader) == 0
        # Taken: 1; queued: depth; held by the producer, waiting for room: 1.
        assert _wait_until(lambda: len(produced) == depth + 2)
        time.sleep(0.3)  # room for a producer that ignored the bound to go on
        assert len(produced) == depth + 2
        assert next(reader) == 1
        assert _wait_until(lambda: len(produced) == depth + 3)


def test_an_error_in_the_iterator_reaches_the_consumer_after_the_items_before_it() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("truncated video")

    reader = Prefetcher(items(), depth=2)
    assert next(reader) == 1
    assert next(reader) == 2
    with pytest.raises(ValueError, match="truncated video"):
        next(reader)
    with pytest.raises(StopIteration):
        next(reader)
    assert _wait_until(lambda: not reader.alive)


def test_closing_early_stops_the_thread_and_closes_the_iterator_on_it() -> None:
    closed_on: list[str] = []

    def endless() -> Iterator[int]:
        i = 0
        try:
            while True:
                yield i
                i += 1
        finally:
            closed_on.append(threading.current_thread().name)

    with Prefetcher(endless(), depth=2, name="test-reader") as reader:
        taken = [next(reader) for _ in range(5)]
    assert taken == [0, 1, 2, 3, 4]
    assert not reader.alive
    assert closed_on == ["test-reader"]
    with pytest.raises(StopIteration):
        next(reader)


def test_leaving_a_for_loop_over_a_generator_that_wraps_it_stops_the_thread() -> None:
    from formcheck.sources.prefetch import prefetched

    before = {t.name for t in threading.enumerate()}
    frames = prefetched(iter(range(10_000)), 2)
    for i in frames:
        if i == 3:
            break
    frames.close()  # what analyse does in its finally
    assert _wait_until(lambda: {t.name for t in threading.enumerate()} <= before)


def test_depth_must_be_positive() -> None:
    with pytest.raises(ValueError, match="depth"):
        Prefetcher([], depth=0)
