"""The default engine: our own pool of spawned worker processes.

A pool of our own instead of a ``ProcessPoolExecutor`` because the executor cannot stop a
running task: here a job over its time limit has its worker killed and replaced, and a
worker that dies (its sentinel fires with no answer) is replaced too; the job it held
finishes ``failed`` and the others carry on. Workers ignore SIGINT (the coordinator
decides) and die with the coordinator, even when it is killed with SIGKILL (Linux's
parent-death signal), so no orphan writes into the results after a restart.
"""

from __future__ import annotations

import logging
import signal
import time
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from formcheck.drivers import processes
from formcheck.drivers.batch.engine import Finished, Outcome, Progressed
from formcheck.drivers.batch.jobs import remove_partial_outputs
from formcheck.drivers.processes import limit_threads

#: What a worker sends once it has loaded the pipeline and can take jobs.
READY = "ready"
#: Workers that die before they are ready, in a row, before the pool gives up.
MAX_START_FAILURES = 3
#: A worker tells its job's progress at most this often, s.
PROGRESS_EVERY_S = 0.5


logger = logging.getLogger(__name__)


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (elsewhere: nothing)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _worker_main(conn: Connection, parent_pid: int) -> None:
    """A worker's loop: receive a job, send its progress and result, until told to stop
    (None) or the coordinator goes away."""
    import os

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator decides about Ctrl-C
    _die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before the signal was asked for
        return
    limit_threads()
    # Load the pipeline before saying ready, so start-up is not charged to a clip's limit.
    import formcheck.drivers.outputs  # noqa: F401

    try:
        conn.send(READY)
    except OSError:
        return
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        answer = job.run(on_progress=_ProgressSender(conn))
        try:
            conn.send(("done", answer))
        except (BrokenPipeError, OSError):
            return


class _ProgressSender:
    """Sends a job's progress to the coordinator, at most every :data:`PROGRESS_EVERY_S`."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._last = 0.0

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self._last >= PROGRESS_EVERY_S:
            self._last = now
            with suppress(OSError):
                self._conn.send(("progress", float(fraction)))


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    job: Any = None
    ready: bool = False
    started: float = 0.0
    deadline: float = float("inf")

    @classmethod
    def start(cls) -> _Worker:
        import os

        parent, child = processes.context().Pipe(duplex=True)
        process = processes.start(_worker_main, child, os.getpid(),
                                  name="formcheck-worker")
        child.close()
        return cls(process, parent)

    def give(self, job: Any, limit_s: float) -> None:
        self.job = job
        self.started = time.monotonic()
        self.deadline = self.started + limit_s
        with suppress(OSError):  # a dead worker: its sentinel fires, the job is recorded
            self.conn.send(job)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=10)
        self.conn.close()

    def stop(self) -> None:
        with suppress(OSError):
            self.conn.send(None)
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.conn.close()


class WorkerPool:
    """``count`` spawned worker processes, one job each at a time (an
    :class:`~formcheck.drivers.batch.engine.Engine`).

    Workers start at once and say when they are ready (the pipeline loaded); a job is
    handed only to a ready worker, so start-up is not charged to its time limit.
    """

    def __init__(self, count: int) -> None:
        if count < 1:
            raise ValueError(f"a pool needs 1 or more workers, got {count}")
        self._workers = [_Worker.start() for _ in range(count)]
        self._start_failures = 0

    def free(self) -> int:
        return sum(1 for w in self._workers if w.ready and w.job is None)

    def running(self) -> list[Any]:
        return [w.job for w in self._workers if w.job is not None]

    def submit(self, job: Any, limit_s: float) -> None:
        for worker in self._workers:
            if worker.ready and worker.job is None:
                worker.give(job, limit_s)
                return
        raise RuntimeError("no free worker: submit only when free() > 0")

    def poll(self, timeout_s: float) -> list[Outcome]:
        """Collect what the workers said within ``timeout_s``; a worker that died is
        replaced, and one over its job's limit is killed and replaced (the job finishes
        ``failed``)."""
        workers = self._workers
        now = time.monotonic()
        deadline = min((w.deadline for w in workers if w.job is not None),
                       default=now + timeout_s)
        ready = set(wait([w.conn for w in workers] + [w.process.sentinel for w in workers],
                         timeout=max(0.0, min(timeout_s, deadline - now))))
        now = time.monotonic()
        outcomes: list[Outcome] = []
        for index, worker in enumerate(workers):
            messages: list[object] = []
            if worker.conn in ready or worker.process.sentinel in ready:
                try:
                    while worker.conn.poll():
                        messages.append(worker.conn.recv())
                except (EOFError, OSError):
                    pass
            finished = False
            for message in messages:
                if message == READY:
                    worker.ready = True
                    self._start_failures = 0
                elif isinstance(message, tuple) and message[0] == "progress":
                    if worker.job is not None:
                        outcomes.append(Progressed(worker.job, message[1]))
                elif isinstance(message, tuple) and message[0] == "done":
                    if worker.job is not None:
                        outcomes.append(Finished(worker.job, message[1]))
                    worker.job = None
                    finished = True
            if finished:
                continue
            dead = worker.process.sentinel in ready and not worker.process.is_alive()
            if worker.job is None:
                if dead:
                    self._start_failures += 1
                    if self._start_failures >= MAX_START_FAILURES:
                        raise RuntimeError(f"workers die on start-up (exit code"
                                           f" {worker.process.exitcode}): see the log")
                    worker.kill()
                    workers[index] = _Worker.start()
                continue
            job = worker.job
            if dead:
                worker.kill()
                code = worker.process.exitcode
                logger.warning("worker crashed on %s (exit code %s)", job.key, code)
                remove_partial_outputs(job)
                outcomes.append(Finished(job, job.failed(f"worker crashed (exit code {code})",
                                                         now - worker.started)))
                workers[index] = _Worker.start()
            elif now >= worker.deadline:
                limit = worker.deadline - worker.started
                worker.kill()
                logger.warning("%s timed out after %.0f s", job.key, limit)
                remove_partial_outputs(job)
                outcomes.append(Finished(job, job.failed(f"timed out after {limit:.0f} s",
                                                         now - worker.started)))
                workers[index] = _Worker.start()
        return outcomes

    def close(self) -> list[Any]:
        """Stop idle workers, kill busy ones (removing their temporaries)."""
        killed = []
        for worker in self._workers:
            if worker.job is not None:
                worker.kill()
                remove_partial_outputs(worker.job)
                killed.append(worker.job)
                worker.job = None
            else:
                worker.stop()
        self._workers = []
        return killed
