"""The worker engine both ``formcheck batch`` and ``formcheck serve`` grade on.

An engine runs jobs (a :class:`~formcheck.drivers.batch.jobs.ClipJob`, or any object with
the same ``key``, ``outputs``, ``run`` and ``failed``) on workers outside the calling
process, one job per worker, each under its own time limit, and tells what became of them
as :class:`Finished` and :class:`Progressed` outcomes. A job that crashes its worker or
runs out of time finishes too, with the job's ``failed`` result, and its worker is
replaced. Two engines: our own pool of spawned processes
(:class:`~formcheck.drivers.batch.pool.WorkerPool`, the default) and Dask distributed
(:class:`~formcheck.drivers.batch.dask_executor.DaskEngine`, ``--scheduler``), opened by
:func:`formcheck.drivers.batch.engines.open_engine`.

The batch feeds an engine from a list (:func:`run_jobs`); the web service from its job
table (:mod:`formcheck.drivers.serve.dispatcher`). Only the caller writes the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from formcheck.drivers.batch.jobs import Interrupts

#: How often a caller's loop looks at the clock and the Ctrl-C flag, s.
POLL_S = 0.2


class Job(Protocol):
    """What an engine runs (pickled to the worker)."""

    @property
    def key(self) -> str: ...

    @property
    def outputs(self) -> tuple[str, ...]: ...

    def run(self, on_progress: Callable[[float], None] | None = None) -> Any: ...

    def failed(self, reason: str, seconds: float) -> Any: ...


@dataclass(frozen=True)
class Finished:
    """A job is over: its result (a failure when it crashed or ran out of time)."""

    job: Any
    result: Any


@dataclass(frozen=True)
class Progressed:
    """A running job's fraction done, 0.0-1.0 (the pool tells it; Dask does not)."""

    job: Any
    fraction: float


Outcome = Finished | Progressed


class Engine(Protocol):
    """Workers that run jobs: the pool or Dask."""

    def free(self) -> int:
        """How many more jobs would start at once if submitted now."""
        ...

    def running(self) -> list[Any]:
        """The jobs submitted and not finished."""
        ...

    def submit(self, job: Any, limit_s: float) -> None:
        """Start ``job`` (only when :meth:`free` is above 0); ``limit_s`` from now."""
        ...

    def poll(self, timeout_s: float) -> list[Outcome]:
        """What happened within ``timeout_s`` (returns as soon as something did)."""
        ...

    def close(self) -> list[Any]:
        """Stop the workers; the jobs still running are killed (their temporaries
        removed) and returned."""
        ...


def run_jobs(engine: Engine, jobs: list[tuple[Any, float]],
             store_result: Callable[[Any], None], interrupts: Interrupts) -> int:
    """Run ``(job, time limit in s)`` pairs in order on ``engine`` and store each result
    as it arrives, in this process.

    Ctrl-C: nothing new starts, the jobs in flight are awaited; a second Ctrl-C returns at
    once (the engine's :meth:`~Engine.close` then kills them).

    Returns:
        How many jobs were left undone by an interruption.
    """
    import logging

    logger = logging.getLogger(__name__)
    pending = list(reversed(jobs))  # pop() takes the next in order
    announced = False
    while True:
        if interrupts.count and not announced:
            announced = True
            logger.warning("interrupted: finishing the clips in flight (Ctrl-C again to stop"
                           " at once)")
        if interrupts.count == 0:
            while pending and engine.free() > 0:
                job, limit_s = pending.pop()
                engine.submit(job, limit_s)
        busy = engine.running()
        if interrupts.count > 1 or not (busy or (pending and interrupts.count == 0)):
            return len(pending) + len(busy)
        for outcome in engine.poll(POLL_S):
            if isinstance(outcome, Finished):
                store_result(outcome.result)
