"""Grade a folder of clips in parallel, into a results store that survives anything.

``formcheck batch INBOX -o RESULTS`` is one more driver of the same pipeline: each
clip goes through :func:`formcheck.drivers.file.analyse_file` in a worker process.

Design:

- Discovery walks INBOX and decides by content, not by name, whether a file is a
  video (:func:`sniff_video`). Clips are keyed by the sha256 of their bytes.
- Workers are long-lived ``spawn`` processes, one per core by default, each with a
  duplex pipe: the coordinator sends a :class:`ClipJob`, the worker answers a
  :class:`~formcheck.store.results.ClipResult`. A pool of our own instead of a
  ``ProcessPoolExecutor`` because the executor cannot stop a running task: here a
  clip over its time limit has its worker killed and replaced, and a worker that
  dies (its sentinel fires with no answer) is replaced too; the clip it held is
  recorded ``failed`` and the others carry on.
- That pool is the default engine (:mod:`formcheck.drivers.batch.engine`, shared with
  ``formcheck serve``); ``--scheduler`` swaps in Dask distributed
  (:mod:`formcheck.drivers.batch.dask_executor`, imported only then) for the same jobs.
- Only the coordinator writes the store, one transaction per clip as each result
  arrives. Workers write the per-clip HTML and annotated video (atomically) into
  ``RESULTS/clips/<hash[:16]>/``; no submitted file name ever names an output.
- With ``--person-from-folder`` each sub-folder of INBOX is a person: a clip's result is
  stored with the sessions of the people whose folders hold it, in the same transaction
  (:mod:`formcheck.drivers.batch.persons`); a clip already stored gains the sessions it
  lacks without being graded again.
- Ctrl-C (SIGINT) is caught as a flag: nothing new starts, the clips in flight
  finish, ``index.html`` is written, and the run reports itself interrupted. A
  second Ctrl-C kills the clips in flight. Workers ignore SIGINT.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from formcheck import __version__
from formcheck.drivers.batch.discovery import Found, discover
from formcheck.drivers.batch.engine import run_jobs
from formcheck.drivers.batch.engines import open_engine
from formcheck.drivers.batch.index import write_index
from formcheck.drivers.batch.jobs import (
    BatchSettings,
    ClipJob,
    Interrupts,
    clip_folder,
    not_a_video_result,
)
from formcheck.drivers.batch.persons import Owners, owners
from formcheck.errors import InputError
from formcheck.pose.model import MODELS
from formcheck.sources.sniff import probe_duration_s
from formcheck.store.results import ClipResult, ClipStatus, ResultStore, StoredClip

logger = logging.getLogger(__name__)
EXIT_INTERRUPTED = 130


@dataclass
class BatchSummary:
    """What one run did.

    Attributes:
        found: Distinct clips found (by content).
        ignored: Files that are neither videos nor named like one.
        skipped: Clips already in the store, not graded again.
        skipped_failed: Clips that failed before, not retried (no ``--retry-failed``).
        counts: Clips done this run, by status.
        regraded: ``(hash, why)`` of stored clips graded again.
        outputs_made: Stored clips whose missing report page or annotated video was made
            this run (``--html``/``--annotate`` after a run without), their stored result
            kept.
        interrupted: Stopped by Ctrl-C before every clip was done.
        remaining: Clips not done because of the interruption.
        index: The ``index.html`` written.
        unassigned: With ``--person-from-folder``, clips found in no person's folder
            (graded, but no one's session).
    """

    found: int = 0
    ignored: int = 0
    skipped: int = 0
    skipped_failed: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in ClipStatus})
    regraded: list[tuple[str, str]] = field(default_factory=list)
    outputs_made: int = 0
    interrupted: bool = False
    remaining: int = 0
    index: Path | None = None
    unassigned: int = 0

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        """One line for the terminal."""
        parts = [f"{self.found} clip(s) found", f"{self.done} done"]
        parts += [f"{n} {status}" for status, n in self.counts.items() if n]
        if self.skipped:
            parts.append(f"{self.skipped} already stored")
        if self.outputs_made:
            parts.append(f"{self.outputs_made} stored clip(s) given their missing report"
                         " page or video")
        if self.skipped_failed:
            parts.append(f"{self.skipped_failed} failed before (retry with --retry-failed)")
        if self.ignored:
            parts.append(f"{self.ignored} other file(s) ignored")
        if self.unassigned:
            parts.append(f"{self.unassigned} in no person's folder (no one's session)")
        return ", ".join(parts)


class BatchProgress:
    """Told about the run as it goes; the default does nothing."""

    def start(self, total: int) -> None:
        """``total`` clips are about to be graded."""

    def clip_done(self, result: ClipResult) -> None:
        """One clip's result was stored."""

    def stop(self) -> None:
        """The run is over."""


def regrade_reason(stored: StoredClip, settings: BatchSettings) -> str | None:
    """Why a stored graded/ungradable clip must be graded again, or None to skip it."""
    result = stored.result
    if settings.force:
        return "--force"
    changes = []
    if result.formcheck_version != __version__:
        changes.append(f"formcheck version {result.formcheck_version} -> {__version__}")
    current_sha = MODELS[settings.model].sha256
    if result.model_sha256 is not None and result.model_sha256 != current_sha:
        changes.append(f"model sha256 {result.model_sha256[:12]} -> {current_sha[:12]}")
    if result.exercise != settings.exercise:
        changes.append(f"exercise {result.exercise} -> {settings.exercise}")
    return "; ".join(changes) or None


def _sweep_temporaries(results: Path) -> None:
    """Remove atomic-write temporaries (``.<stem>.*``) a killed run left behind."""
    patterns = [results.glob(".index.*"), (results / "clips").glob("*/.*")]
    for pattern in patterns:
        for path in pattern:
            if path.is_file():
                path.unlink(missing_ok=True)


def run_batch(settings: BatchSettings, progress: BatchProgress | None = None) -> BatchSummary:
    """Grade every new clip of the inbox into the results store.

    Returns a summary; ``interrupted`` is set when Ctrl-C stopped the run (the clips
    in flight were finished and stored first).

    Raises:
        InputError: the inbox is not a folder.
        ModelError: the pose model is missing or corrupt (checked before any work).
    """
    from formcheck.pose.model import resolve_model

    progress = progress or BatchProgress()
    _check_engine(settings)
    resolve_model(settings.model)  # fail once, not once per clip
    found = discover(settings.inbox)
    if not found.clips:
        raise InputError(f"no video found in {settings.inbox} ({found.ignored} other"
                         " file(s)): is it the right folder?")
    results = settings.results
    results.mkdir(parents=True, exist_ok=True)
    _sweep_temporaries(results)
    summary = BatchSummary(found=len(found.clips), ignored=found.ignored)
    owners_of: dict[str, Owners] = {}
    if settings.person_from_folder:
        owners_of = {clip.hash: owners(settings.inbox, clip.paths) for clip in found.clips}
        summary.unassigned = sum(1 for o in owners_of.values() if not o.sessions)
    with ResultStore(results) as store:
        queue: list[Found] = []
        outputs_only: list[Found] = []
        for clip in found.clips:
            stored = store.get(clip.hash)
            if stored is None:
                queue.append(clip)
                continue
            sessions = owners_of[clip.hash].sessions if clip.hash in owners_of else ()
            if stored.result.status is ClipStatus.FAILED:
                if settings.retry_failed:
                    queue.append(clip)
                else:
                    summary.skipped_failed += 1
                    store.add_paths(clip.hash, clip.paths, sessions)
                continue
            why = regrade_reason(stored, settings)
            if why is None:
                summary.skipped += 1
                store.add_paths(clip.hash, clip.paths, sessions)
                if clip.video and stored.result.report_json is not None and _missing_outputs(
                        results, clip.hash, settings):
                    outputs_only.append(clip)
            else:
                logger.info("re-grading %s: %s", clip.hash[:16], why)
                summary.regraded.append((clip.hash, why))
                queue.append(clip)
        progress.start(len(queue) + len(outputs_only))
        try:
            _grade_all(queue, settings, store, summary, progress, outputs_only, owners_of)
        finally:
            progress.stop()
            summary.index = write_index(results, store.clips())
    return summary


def _check_engine(settings: BatchSettings) -> None:
    """A missing dask extra fails before any work (``distributed`` is imported only with
    ``--scheduler``)."""
    if settings.scheduler is not None:
        from formcheck.drivers.batch.dask_executor import require_distributed

        require_distributed()


def _missing_outputs(results: Path, hash_hex: str, settings: BatchSettings) -> bool:
    """Whether ``--html`` or ``--annotate`` asks for a file this stored clip lacks."""
    folder = clip_folder(results, hash_hex)
    return ((settings.html and not (folder / "report.html").is_file())
            or (settings.annotate and not (folder / "annotated.mp4").is_file()))


def _grade_all(queue: list[Found], settings: BatchSettings, store: ResultStore,
               summary: BatchSummary, progress: BatchProgress,
               outputs_only: list[Found] | None = None,
               owners_of: dict[str, Owners] | None = None) -> None:
    """Grade ``queue`` into the store; for ``outputs_only`` (stored clips lacking a file
    that was asked for), only write the files: their stored result is kept."""
    outputs_only = outputs_only or []
    paths_of = {clip.hash: clip.paths for clip in queue}
    keep = {clip.hash for clip in outputs_only}
    owners_of = owners_of or {}

    def store_result(result: ClipResult) -> None:
        if result.hash in keep:
            # One more pass made the files; the stored grade stands.
            if result.status is ClipStatus.FAILED:
                logger.warning("could not make the files of %s: %s", result.hash[:16],
                               result.reason)
            else:
                summary.outputs_made += 1
            progress.clip_done(result)
            return
        owned = owners_of.get(result.hash)
        store.record(result, paths_of[result.hash], owned.sessions if owned else ())
        with suppress(OSError):  # a clip folder left empty (nothing written) goes
            clip_folder(settings.results, result.hash).rmdir()
        summary.counts[result.status.value] += 1
        progress.clip_done(result)

    jobs: list[tuple[ClipJob, float]] = []
    for clip in [*queue, *outputs_only]:
        if not clip.video:
            store_result(not_a_video_result(clip, settings.exercise, settings.model))
            continue
        folder = clip_folder(settings.results, clip.hash)
        if settings.html or settings.annotate:
            folder.mkdir(parents=True, exist_ok=True)
        job = ClipJob(hash=clip.hash, path=clip.paths[0], exercise=settings.exercise,
                      model=settings.model,
                      html=str(folder / "report.html") if settings.html else None,
                      annotated=str(folder / "annotated.mp4") if settings.annotate else None)
        duration = probe_duration_s(Path(clip.paths[0])) or 0.0
        jobs.append((job, settings.timeout_factor * duration + settings.timeout_base_s))
    if not jobs:
        return
    with Interrupts() as interrupts, open_engine(
            scheduler=settings.scheduler, workers=settings.workers,
            max_jobs=len(jobs)) as engine:
        summary.remaining = run_jobs(engine, jobs, store_result, interrupts)
    summary.interrupted = interrupts.count > 0 and summary.remaining > 0
