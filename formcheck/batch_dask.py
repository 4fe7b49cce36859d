"""The Dask executor of ``formcheck batch --scheduler``: the same jobs, on Dask distributed.

``--scheduler tcp://host:8786`` sends the clips to a running Dask scheduler;
``--scheduler local:N`` starts a local cluster of N single-threaded worker processes on
loopback. ``distributed`` is imported only here, and this module only when
``--scheduler`` is given (``pip install -e '.[dask]'``).

What stays the same as the local pool (:func:`formcheck.batch._run_local_pool`):

- Workers run :func:`formcheck.batch.grade_clip` and need only the installed package.
  They read each clip from its path, and write the per-clip HTML and annotated video
  into ``RESULTS/clips/``, so INBOX and RESULTS must be at the same paths on every
  worker (a shared file system). Results come back to this process, the only one that
  writes the store.
- No more clips are submitted than the cluster has worker threads, so a clip starts
  when it is submitted and its time limit runs from then. A clip over its limit is
  cancelled, its worker restarted (when it has a nanny: a running task cannot be
  stopped otherwise), and it is recorded ``failed: timed out after N s``.
- A worker that dies is restarted by its nanny and Dask runs its clip again elsewhere;
  a clip that kills workers more than ``distributed.scheduler.allowed-failures`` times
  is recorded ``failed: worker crashed``.
- Ctrl-C: nothing new is submitted and the clips in flight are awaited; a second
  Ctrl-C cancels them.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from formcheck.batch import (
    POLL_S,
    BatchSettings,
    ClipJob,
    _failed,
    _Interrupts,
    _limit_threads,
    _remove_partial_outputs,
    _single_thread_env,
    grade_clip,
    local_workers,
)
from formcheck.errors import UsageError
from formcheck.store import ClipResult

logger = logging.getLogger(__name__)

#: How long to wait for a running scheduler to have at least one worker, s.
WAIT_FOR_WORKERS_S = 60.0


def require_distributed() -> None:
    """Raise a one-line :class:`UsageError` when the dask extra is not installed."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise UsageError("--scheduler needs Dask distributed: pip install -e '.[dask]'"
                         ) from None


def grade_on_worker(job: ClipJob) -> ClipResult:
    """The task run on a Dask worker: one thread for OpenCV, then the usual grading."""
    _limit_threads()
    return grade_clip(job)


@contextmanager
def _cluster_client(scheduler: str) -> Iterator[Any]:
    """A ``distributed.Client`` to ``scheduler``, starting a local cluster for ``local:N``."""
    from distributed import Client, LocalCluster

    count = local_workers(scheduler)
    if count is None:
        with Client(scheduler) as client:
            client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS_S)
            yield client
        return
    # The workers get one thread per library from their environment, and ignore Ctrl-C
    # (the client decides about it: the clips in flight are finished).
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with _single_thread_env():
            cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None)
    finally:
        signal.signal(signal.SIGINT, previous)
    with cluster, Client(cluster) as client:
        yield client


def run_on_dask(jobs: list[tuple[ClipJob, float]], settings: BatchSettings,
                store_result: Callable[[ClipResult], None], interrupts: _Interrupts) -> int:
    """The Dask :data:`formcheck.batch.Executor`: grade ``jobs`` on the cluster of
    ``settings.scheduler`` and store each result here, as it arrives.

    Returns:
        How many jobs were left undone by Ctrl-C.
    """
    import dask
    from distributed import KilledWorker, wait

    assert settings.scheduler is not None
    retries = int(dask.config.get("distributed.scheduler.allowed-failures"))
    pending = list(reversed(jobs))  # pop() takes the next in order
    in_flight: dict[Any, tuple[ClipJob, float, float]] = {}  # future: job, started, limit
    with _cluster_client(settings.scheduler) as client:
        slots = max(1, sum(client.nthreads().values()))
        logger.info("grading %d clip(s) on %s (%d worker thread(s))", len(jobs),
                    settings.scheduler, slots)
        try:
            while True:
                if interrupts.count == 0:
                    while pending and len(in_flight) < slots:
                        job, limit_s = pending.pop()
                        future = client.submit(grade_on_worker, job, pure=False)
                        in_flight[future] = (job, time.monotonic(), limit_s)
                if interrupts.count > 1 or not (in_flight or (pending
                                                               and interrupts.count == 0)):
                    break
                with suppress(TimeoutError):
                    wait(list(in_flight), timeout=POLL_S, return_when="FIRST_COMPLETED")
                now = time.monotonic()
                for future, (job, started, limit_s) in list(in_flight.items()):
                    if future.done():
                        del in_flight[future]
                        store_result(_outcome(future, job, now - started, settings,
                                              KilledWorker, retries))
                    elif now >= started + limit_s:
                        del in_flight[future]
                        logger.warning("%s timed out after %.0f s", job.path, limit_s)
                        _stop(client, future)
                        _remove_partial_outputs(job)
                        store_result(_failed(job, f"timed out after {limit_s:.0f} s",
                                             now - started, settings.model))
        finally:
            for future, (job, _, _) in in_flight.items():  # a second Ctrl-C, or a bug
                _stop(client, future)
                _remove_partial_outputs(job)
    return len(pending) + len(in_flight)


def _outcome(future: Any, job: ClipJob, seconds: float, settings: BatchSettings,
             killed_worker: type[BaseException], retries: int) -> ClipResult:
    """The result of a finished future, or ``failed`` with why."""
    if future.status == "finished":
        result: ClipResult = future.result()
        return result
    error = future.exception() if future.status == "error" else None
    if isinstance(error, killed_worker):
        logger.warning("worker crashed on %s, %d time(s)", job.path, retries + 1)
        _remove_partial_outputs(job)
        return _failed(job, f"worker crashed ({retries + 1} times: Dask gave up)", seconds,
                       settings.model)
    reason = f"{type(error).__name__}: {error}" if error is not None else future.status
    return _failed(job, reason, seconds, settings.model)


def _stop(client: Any, future: Any) -> None:
    """Cancel a future and restart the worker running it: Dask cannot stop a running
    task, and a hung clip would hold its worker for ever."""
    workers = [address for address, keys in client.processing().items()
               if future.key in keys]
    future.cancel()
    if workers:
        try:
            client.restart_workers(workers, raise_for_error=False)
        except Exception as exc:  # no nanny on a remote worker, or it went away
            logger.warning("could not restart %s: %s", ", ".join(workers), exc)
