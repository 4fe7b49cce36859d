"""One clip's job: what a worker is asked, how it grades it, the batch's settings and the
per-clip time limit, and the results that say a clip failed."""

from __future__ import annotations

import logging
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from formcheck import __version__
from formcheck.drivers.batch.discovery import Found
from formcheck.errors import FormcheckError, InputError, TooShortError, UsageError
from formcheck.pose.model import DEFAULT_MODEL, MODELS
from formcheck.sources.file import VideoFile
from formcheck.store.results import ClipResult, ClipStatus

if TYPE_CHECKING:
    from formcheck.drivers.run import ProgressCallback

#: Test hook, read only by worker processes: ``crash=NAME;hang=NAME;slow=NAME`` makes the
#: worker die (exit code 70), sleep forever, or sleep 3 s first, on a clip whose file name
#: contains NAME, to test crashes, time limits and Ctrl-C without the model. For tests only.
TEST_HOOK_ENV = "FORMCHECK_BATCH_TEST_HOOK"
#: Default per-clip time limit: this many times the clip's duration, plus the base.
DEFAULT_TIMEOUT_FACTOR = 10.0
DEFAULT_TIMEOUT_BASE_S = 60.0
CRASH_EXIT_CODE = 70


# --- workers ---------------------------------------------------------------------------

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClipJob:
    """What a worker is asked to do: grade ``path`` and write the requested outputs.

    Attributes:
        hash: sha256 of the clip, hex (the job's key).
        path: The clip.
        exercise: ``auto`` or an exercise name.
        model: Pose model name.
        html: Where the HTML report goes, or None.
        annotated: Where the annotated video goes, or None.
        page_parts: Where the HTML report's pictures and plot go as JSON (for a page
            rendered later, such as the web service's), or None.
        head_boxes: Where each frame's head box goes as JSON (to blur faces later), or
            None.
    """

    hash: str
    path: str
    exercise: str
    model: str
    html: str | None
    annotated: str | None
    page_parts: str | None = None
    head_boxes: str | None = None

    @property
    def key(self) -> str:
        """What the engine tells this job's outcomes by."""
        return f"{self.hash}:{self.exercise}"

    @property
    def outputs(self) -> tuple[str, ...]:
        """The files the job may write (a killed worker's temporaries are removed)."""
        return tuple(o for o in (self.html, self.annotated, self.page_parts, self.head_boxes)
                     if o is not None)

    def run(self, on_progress: ProgressCallback | None = None) -> ClipResult:
        """Grade the clip (in a worker)."""
        return grade_clip(self, on_progress=on_progress)

    def failed(self, reason: str, seconds: float) -> ClipResult:
        """The result recorded when the job crashed its worker or ran out of time."""
        return failed_result(self, reason, seconds, self.model)


def _test_hook(path: str) -> None:
    """See :data:`TEST_HOOK_ENV` (tests only)."""
    hook = os.environ.get(TEST_HOOK_ENV, "")
    for item in filter(None, hook.split(";")):
        action, _, name = item.partition("=")
        if name and name in Path(path).name:
            if action == "crash":
                os._exit(CRASH_EXIT_CODE)
            if action == "hang":
                while True:
                    time.sleep(60)
            if action == "slow":
                time.sleep(3)


def grade_clip(job: ClipJob, on_progress: ProgressCallback | None = None) -> ClipResult:
    """Grade one clip (in a worker): a report, an ungradable reason, or a failure.

    Args:
        job: The clip and its outputs.
        on_progress: Told the fraction of the clip done, 0.0-1.0.
    """
    started = time.monotonic()
    _test_hook(job.path)
    from formcheck.drivers.file import analyse_file
    from formcheck.drivers.outputs import Outputs
    from formcheck.drivers.speed import SpeedSettings

    model_sha256 = MODELS[job.model].sha256 if job.model in MODELS else None

    def result(status: ClipStatus, reason: str | None, report_json: str | None,
               sha: str | None = model_sha256) -> ClipResult:
        return ClipResult(hash=job.hash, status=status, reason=reason, report_json=report_json,
                          exercise=job.exercise, seconds=time.monotonic() - started,
                          formcheck_version=__version__, model_sha256=sha)

    outputs = Outputs(html=None if job.html is None else Path(job.html),
                      annotated=None if job.annotated is None else Path(job.annotated),
                      page_parts=None if job.page_parts is None else Path(job.page_parts),
                      head_boxes=None if job.head_boxes is None else Path(job.head_boxes))
    try:
        # One process per clip: a batch already runs one clip per core.
        report = analyse_file(Path(job.path), job.exercise, outputs=outputs, model=job.model,
                              speed=SpeedSettings(workers=1), on_progress=on_progress)
    except (InputError, TooShortError) as exc:  # corrupt, truncated, too short: a result
        return result(ClipStatus.UNGRADABLE, str(exc), None)
    except FormcheckError as exc:
        return result(ClipStatus.FAILED, str(exc), None)
    except Exception as exc:  # a bug, on this clip: keep the batch going
        logger.exception("grading %s failed", job.path)
        return result(ClipStatus.FAILED, f"{type(exc).__name__}: {exc}", None)
    from formcheck.reporters.json import dumps

    status = ClipStatus.GRADED if report.graded else ClipStatus.UNGRADABLE
    return result(status, report.reason, dumps(report.to_dict()),
                  report.provenance.model_sha256 or model_sha256)


# --- coordination ----------------------------------------------------------------------

@dataclass(frozen=True)
class BatchSettings:
    """Options of ``formcheck batch``.

    Attributes:
        inbox: Folder searched (recursively) for clips.
        results: Results folder: the store, ``index.html`` and ``clips/``.
        workers: Worker processes; None is one per core.
        exercise: ``auto`` or an exercise name.
        html: Write ``clips/<hash16>/report.html`` per clip.
        annotate: Write ``clips/<hash16>/annotated.mp4`` per clip.
        timeout_factor: Per-clip limit, in clip durations (plus ``timeout_base_s``).
        timeout_base_s: Fixed part of the limit, s (model start-up, a short clip).
        force: Re-grade clips already graded or ungradable.
        retry_failed: Retry clips that failed before.
        model: Pose model name.
        scheduler: None for the local process pool; a Dask scheduler address
            (``tcp://host:8786``) or ``local:N`` (a local Dask cluster of N workers) to
            run the clips on Dask distributed (:mod:`formcheck.drivers.batch.dask_executor`).
        person_from_folder: Each sub-folder of the inbox is a person: record each clip
            as a session of the person whose folder it is in
            (:mod:`formcheck.drivers.batch.persons`).
    """

    inbox: Path
    results: Path
    workers: int | None = None
    exercise: str = "auto"
    html: bool = False
    annotate: bool = False
    timeout_factor: float = DEFAULT_TIMEOUT_FACTOR
    timeout_base_s: float = DEFAULT_TIMEOUT_BASE_S
    force: bool = False
    retry_failed: bool = False
    model: str = DEFAULT_MODEL
    scheduler: str | None = None
    person_from_folder: bool = False

    def __post_init__(self) -> None:
        check_workers(self.workers, self.scheduler)
        if self.timeout_factor < 0 or self.timeout_base_s <= 0:
            raise UsageError("--timeout-factor must be 0 or more")
        if self.results.exists() and not self.results.is_dir():
            raise UsageError(f"-o {self.results} is a file: give a results folder")
        inbox, results = self.inbox.resolve(), self.results.resolve()
        if results == inbox or inbox in results.parents:
            raise UsageError(f"-o {self.results}: put the results outside the inbox"
                             f" {self.inbox}, or they would be searched as clips")


def check_workers(workers: int | None, scheduler: str | None) -> None:
    """Refuse ``--workers`` below 1, ``--workers`` with ``--scheduler``, and a scheduler
    that is neither ``tcp://HOST:PORT`` (any ``://`` address) nor ``local:N``."""
    if workers is not None and workers < 1:
        raise UsageError(f"--workers {workers}: use 1 or more")
    if scheduler is None:
        return
    if workers is not None:
        raise UsageError("--workers is for the local pool: with --scheduler, the"
                         " cluster's workers grade (local:N starts N)")
    local_workers(scheduler)  # a bad local:N fails here
    if "://" not in scheduler and not scheduler.startswith("local:"):
        raise UsageError(f"--scheduler {scheduler} is not valid, use tcp://HOST:PORT or"
                         " local:N")


def local_workers(scheduler: str) -> int | None:
    """N of a ``local:N`` scheduler, or None for the address of a running scheduler.

    Raises:
        UsageError: ``local:`` followed by anything but a whole number of 1 or more.
    """
    if not scheduler.startswith("local:"):
        return None
    count = scheduler.removeprefix("local:")
    if not count.isdigit() or int(count) < 1:
        raise UsageError(f"--scheduler {scheduler} is not valid, local:N needs N workers,"
                         " 1 or more (e.g. local:4)")
    return int(count)


class Interrupts:
    """Counts Ctrl-C presses while installed (the handler writes only this object)."""

    def __init__(self) -> None:
        self.count = 0
        self._previous: Any = None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1  # nothing else here: logging from a signal handler can deadlock

    def __enter__(self) -> Interrupts:
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGINT, self._previous)


def clip_folder(results: Path, hash_hex: str) -> Path:
    """Where a clip's HTML report and annotated video go: named by its hash only."""
    return results / "clips" / hash_hex[:16]


def not_a_video_result(found: Found, exercise: str, model: str) -> ClipResult:
    """The result of a file named like a video that is not one, worded as ``formcheck
    analyse`` words it (the same error, from opening the file the same way)."""
    try:
        with VideoFile(found.paths[0]):
            reason = f"{found.paths[0]} is not a video: send the clip itself"
    except InputError as exc:
        reason = str(exc)
    return ClipResult(hash=found.hash, status=ClipStatus.UNGRADABLE, reason=reason,
                      report_json=None, exercise=exercise, seconds=0.0,
                      formcheck_version=__version__, model_sha256=MODELS[model].sha256)


def failed_result(job: ClipJob, reason: str, seconds: float, model: str) -> ClipResult:
    return ClipResult(hash=job.hash, status=ClipStatus.FAILED, reason=reason, report_json=None,
                      exercise=job.exercise, seconds=seconds, formcheck_version=__version__,
                      model_sha256=MODELS[model].sha256)


def remove_partial_outputs(job: Any) -> None:
    """A killed worker may leave an atomic write's temporary: remove it."""
    for output in job.outputs:
        target = Path(output)
        for path in target.parent.glob(f".{target.stem}.*"):
            path.unlink(missing_ok=True)
