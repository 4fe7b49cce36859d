"""The job dispatcher: queued gradings from the store to the batch engine's workers, and
their progress and results back.

One thread of the web process runs it; grading itself runs on the engine's workers (the
process pool by default, Dask with ``--scheduler``), one clip per worker, under the
batch's time limits. Only this thread writes a grading's progress and result. On start,
gradings a stopped or killed server left ``grading`` are queued again; on stop, the
workers are stopped and the gradings they held are queued again, so a restart grades
every queued clip exactly once to the end and keeps no partial file (the engine removes a
killed worker's temporaries; the results are written atomically).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formcheck.drivers.batch.engine import POLL_S, Engine, Finished, Progressed
from formcheck.drivers.batch.engines import open_engine
from formcheck.drivers.batch.jobs import ClipJob
from formcheck.drivers.serve.files import DataFolder
from formcheck.drivers.serve.jobs import BlurJob, BlurResult
from formcheck.drivers.serve.settings import ServeSettings
from formcheck.store.coaching import CoachStore
from formcheck.store.results import ClipResult
from formcheck.store.submissions import SubmissionStore

logger = logging.getLogger(__name__)

#: Times a grading is handed to a worker before it is given up (each interrupted by a
#: stop, a kill or a bug of the server's).
MAX_ATTEMPTS = 3
#: How long the dispatcher waits before starting again after a bug, s.
RESTART_DELAY_S = 1.0
#: Time limit of a blur job, s (a 10-minute clip's frames decoded, blurred and encoded).
BLUR_LIMIT_S = 1800.0

#: Makes the engine: the pool or Dask from the settings (a test may pass its own).
EngineFactory = Callable[[ServeSettings], AbstractContextManager[Engine]]


def default_engine(settings: ServeSettings) -> AbstractContextManager[Engine]:
    return open_engine(scheduler=settings.scheduler, workers=settings.workers)


@dataclass(frozen=True)
class _Key:
    hash: str
    exercise: str


class Dispatcher:
    """Feeds the engine from the store's queue on a thread of its own.

    Args:
        settings: The service's settings (data folder, limits, model).
        engine_factory: Makes the engine (default: the pool, or Dask with ``scheduler``).
    """

    def __init__(self, settings: ServeSettings,
                 engine_factory: EngineFactory | None = None) -> None:
        self.settings = settings
        self.folder = DataFolder(settings.data)
        self._engine_factory = engine_factory or default_engine
        self._stop = threading.Event()
        self._wake = threading.Event()
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self._coaching: Any = None
        self._thread = threading.Thread(target=self._run, name="formcheck-dispatcher",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Look at the queue now (a submission was added)."""
        self._wake.set()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop the workers (running gradings go back to the queue) and the thread."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=timeout_s)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        """The thread: requeue what a stop interrupted, open the engine, feed it; after an
        unexpected error (a bug), log it and start again (:data:`RESTART_DELAY_S` later),
        so one bad result does not stop the grading of every clip."""
        while not self._stop.is_set():
            try:
                self._serve()
                return
            except Exception as exc:  # a bug: kept for /healthz and the log
                self.error = exc
                logger.exception("the dispatcher failed; starting it again")
            finally:
                self.ready.clear()
            self._stop.wait(RESTART_DELAY_S)

    def _serve(self) -> None:
        with SubmissionStore(self.settings.data) as store, \
                CoachStore(self.settings.data) as coaching:
            self._coaching = coaching
            again = store.requeue_interrupted()
            if again:
                logger.info("%d grading(s) interrupted by the last stop: queued again", again)
            with self._engine_factory(self.settings) as engine:
                try:
                    self._loop(store, engine)
                finally:
                    for job in engine.close():
                        logger.info("stopping: %s goes back to the queue", job.key)
                    store.requeue_interrupted()

    def _loop(self, store: SubmissionStore, engine: Engine) -> None:
        running: dict[str, Any] = {}
        while not self._stop.is_set():
            free = engine.free()
            if free > 0 and not self.ready.is_set():
                self.ready.set()  # a worker has loaded the pipeline: /healthz says ready
            if free > 0:
                for blur in self._blur_jobs(store, running, free):
                    engine.submit(blur, BLUR_LIMIT_S)
                    running[blur.key] = blur
                    free -= 1
            if free > 0:
                for grading in store.queued(free):
                    job = self._job(grading.hash, grading.exercise)
                    if grading.attempts >= MAX_ATTEMPTS:
                        store.fail(grading.hash, grading.exercise, f"started {MAX_ATTEMPTS}"
                                   " times without a result: the server stopped each time")
                        continue
                    if not self.folder.clip(grading.hash).is_file():
                        store.fail(grading.hash, grading.exercise, "the clip went missing on"
                                   " the server: send it again")
                        continue
                    if not store.start(grading.hash, grading.exercise):
                        continue
                    self.folder.outputs(grading.hash, grading.exercise).mkdir(
                        parents=True, exist_ok=True)
                    engine.submit(job, self.settings.time_limit_s(grading.duration_s))
                    running[job.key] = _Key(grading.hash, grading.exercise)
                    logger.info("grading %s (%s)", grading.hash[:16], grading.exercise)
            if not running:
                # Nothing on the workers: sleep until woken or the next look.
                self._wake.wait(POLL_S)
                self._wake.clear()
                engine.poll(0.0)  # workers starting up say they are ready
                continue
            for outcome in engine.poll(POLL_S):
                key = running.get(outcome.job.key)
                if key is None:
                    continue
                if isinstance(outcome, Progressed):
                    if isinstance(key, _Key):
                        store.progress(key.hash, key.exercise, outcome.fraction)
                elif isinstance(outcome, Finished):
                    del running[outcome.job.key]
                    if isinstance(outcome.result, BlurResult):
                        self._blurred(outcome.job, outcome.result)
                    else:
                        self._finished(store, key, outcome.result)

    def _blur_jobs(self, store: SubmissionStore, running: dict[str, Any], free: int
                   ) -> list[BlurJob]:
        """Featured submissions whose blurred video is to be made and not on a worker."""
        jobs: list[BlurJob] = []
        for feature in self._coaching.features("blurring"):
            if len(jobs) >= free:
                break
            key = f"blur:{feature.public_id}"
            if key in running:
                continue
            submission = store.by_id(feature.submission_id)
            if submission is None:
                continue
            source = self.folder.annotated(submission.hash, submission.exercise)
            boxes = self.folder.heads(submission.hash, submission.exercise)
            if not (source.is_file() and boxes.is_file()):
                self._coaching.feature_done(feature.public_id, False,
                                            "the graded video is missing")
                continue
            jobs.append(BlurJob(public_id=feature.public_id, source=str(source),
                                boxes=str(boxes),
                                target=str(self.folder.gallery_video(feature.public_id))))
            logger.info("blurring faces for the gallery: %s", feature.public_id)
        return jobs

    def _blurred(self, job: BlurJob, result: BlurResult) -> None:
        if not self._coaching.feature_done(result.public_id, result.ok, result.reason):
            # Unfeatured or deleted meanwhile: nothing of it is kept.
            Path(job.target).unlink(missing_ok=True)
        elif not result.ok:
            logger.warning("could not blur %s: %s", result.public_id, result.reason)

    def _finished(self, store: SubmissionStore, key: _Key, result: ClipResult) -> None:
        if store.finish(key.exercise, result):
            logger.info("%s %s (%s)%s", result.status.value, key.hash[:16], key.exercise,
                        f": {result.reason}" if result.reason else "")
            return
        # Deleted while it was graded: nothing of it is kept.
        self.folder.remove_outputs(key.hash, key.exercise)
        if not store.has_clip(key.hash):
            self.folder.remove_clip(key.hash)

    def _job(self, hash_hex: str, exercise: str) -> ClipJob:
        return ClipJob(hash=hash_hex, path=str(self.folder.clip(hash_hex)), exercise=exercise,
                       model=self.settings.model, html=None,
                       annotated=str(self.folder.annotated(hash_hex, exercise)),
                       page_parts=str(self.folder.parts(hash_hex, exercise)),
                       head_boxes=str(self.folder.heads(hash_hex, exercise)))
