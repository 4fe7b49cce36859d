"""The Dask engine of ``--scheduler`` (``formcheck batch``, ``formcheck serve``): the same
jobs, on Dask distributed.

``--scheduler tcp://host:8786`` sends the clips to a running Dask scheduler;
``--scheduler local:N`` starts a local cluster of N single-threaded worker processes on
loopback. ``distributed`` is imported only here, and this module only when
``--scheduler`` is given (``pip install -e '.[dask]'``).

What stays the same as the local pool (:class:`formcheck.drivers.batch.pool.WorkerPool`):

- Workers run :func:`formcheck.drivers.batch.jobs.grade_clip` and need only the installed package.
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
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from formcheck.drivers.batch.engine import Finished, Outcome
from formcheck.drivers.batch.jobs import local_workers, remove_partial_outputs
from formcheck.drivers.processes import limit_threads, single_thread_env
from formcheck.errors import UsageError

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


def run_on_worker(job: Any) -> Any:
    """The task run on a Dask worker: one thread for OpenCV, then the job."""
    limit_threads()
    return job.run()


def load_the_pipeline() -> None:
    """What a worker does before it takes a clip, as the local pool's workers do before
    they say they are ready: load the pipeline (a few seconds on a busy machine), so that
    start-up is not charged to a clip's time limit."""
    limit_threads()
    import formcheck.drivers.file  # noqa: F401


class _LoadThePipeline:
    """A Dask worker plugin (duck-typed): :func:`load_the_pipeline` on every worker as it
    starts, a worker restarted after a crash included."""

    name = "formcheck-load-the-pipeline"

    def setup(self, worker: Any) -> None:
        load_the_pipeline()

    def teardown(self, worker: Any) -> None:
        """Nothing to undo."""


def _plugin() -> Any:
    """:class:`_LoadThePipeline` as a ``distributed.WorkerPlugin``."""
    from distributed import WorkerPlugin

    class LoadThePipeline(_LoadThePipeline, WorkerPlugin):
        pass

    return LoadThePipeline()


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
    # (Signals can be set on the main thread only: the web service starts it elsewhere.)
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        with single_thread_env():
            cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None)
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
    with cluster, Client(cluster) as client:
        yield client


class DaskEngine:
    """The jobs on a Dask cluster (an :class:`~formcheck.drivers.batch.engine.Engine`).

    No more jobs run than the cluster has worker threads, so a job starts when it is
    submitted and its time limit runs from then. Dask tells no progress.
    """

    def __init__(self, client: Any) -> None:
        import dask
        from distributed import KilledWorker

        self._client = client
        self._killed_worker = KilledWorker
        self._retries = int(dask.config.get("distributed.scheduler.allowed-failures"))
        self._in_flight: dict[Any, tuple[Any, float, float]] = {}  # future: job, start, limit
        self.slots = max(1, sum(client.nthreads().values()))

    @classmethod
    @contextmanager
    def open(cls, scheduler: str) -> Iterator[DaskEngine]:
        """An engine on ``scheduler`` (``tcp://...``, or ``local:N`` started here)."""
        with _cluster_client(scheduler) as client:
            client.register_plugin(_plugin())
            engine = cls(client)
            logger.info("grading on %s (%d worker thread(s))", scheduler, engine.slots)
            try:
                yield engine
            finally:
                engine.close()

    def free(self) -> int:
        return self.slots - len(self._in_flight)

    def running(self) -> list[Any]:
        return [job for job, _, _ in self._in_flight.values()]

    def submit(self, job: Any, limit_s: float) -> None:
        future = self._client.submit(run_on_worker, job, pure=False)
        self._in_flight[future] = (job, time.monotonic(), limit_s)

    def poll(self, timeout_s: float) -> list[Outcome]:
        from distributed import wait

        if self._in_flight:
            with suppress(TimeoutError):
                wait(list(self._in_flight), timeout=timeout_s, return_when="FIRST_COMPLETED")
        else:
            time.sleep(timeout_s)
        now = time.monotonic()
        outcomes: list[Outcome] = []
        for future, (job, started, limit_s) in list(self._in_flight.items()):
            if future.done():
                del self._in_flight[future]
                outcomes.append(Finished(job, self._outcome(future, job, now - started)))
            elif now >= started + limit_s:
                del self._in_flight[future]
                logger.warning("%s timed out after %.0f s", job.key, limit_s)
                _stop(self._client, future)
                remove_partial_outputs(job)
                outcomes.append(Finished(job, job.failed(f"timed out after {limit_s:.0f} s",
                                                         now - started)))
        return outcomes

    def close(self) -> list[Any]:
        killed = []
        for future, (job, _, _) in self._in_flight.items():
            _stop(self._client, future)
            remove_partial_outputs(job)
            killed.append(job)
        self._in_flight.clear()
        return killed

    def _outcome(self, future: Any, job: Any, seconds: float) -> Any:
        """The result of a finished future, or ``failed`` with why."""
        if future.status == "finished":
            return future.result()
        error = future.exception() if future.status == "error" else None
        if isinstance(error, self._killed_worker):
            logger.warning("worker crashed on %s, %d time(s)", job.key, self._retries + 1)
            remove_partial_outputs(job)
            return job.failed(f"worker crashed ({self._retries + 1} times: Dask gave up)",
                              seconds)
        reason = f"{type(error).__name__}: {error}" if error is not None else future.status
        return job.failed(reason, seconds)


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
