"""Opening the worker engine a run asks for: the process pool, or Dask with a scheduler
(imported only then). Both are :class:`~formcheck.drivers.batch.engine.Engine` s."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from formcheck.drivers.batch.engine import Engine


@contextmanager
def open_engine(*, scheduler: str | None = None, workers: int | None = None,
                max_jobs: int | None = None) -> Iterator[Engine]:
    """The process pool of ``workers`` processes (default one per core, at most
    ``max_jobs``), or Dask on ``scheduler`` (``tcp://...`` or ``local:N``)."""
    if scheduler is not None:
        from formcheck.drivers.batch.dask_executor import DaskEngine, require_distributed

        require_distributed()
        with DaskEngine.open(scheduler) as dask_engine:
            yield dask_engine
        return
    import os

    from formcheck.drivers.batch.pool import WorkerPool

    count = workers or os.cpu_count() or 1
    if max_jobs is not None:
        count = max(1, min(count, max_jobs))
    pool = WorkerPool(count)
    try:
        yield pool
    finally:
        pool.close()
