"""Grade a folder of clips in parallel, into a results store that survives anything.

``formcheck batch INBOX -o RESULTS`` is one more driver of the same pipeline: each
clip goes through :func:`formcheck.outputs.analyse_to` in a worker process.

Design:

- Discovery walks INBOX and decides by content, not by name, whether a file is a
  video (:func:`sniff_video`). Clips are keyed by the sha256 of their bytes.
- Workers are long-lived ``spawn`` processes, one per core by default, each with a
  duplex pipe: the coordinator sends a :class:`ClipJob`, the worker answers a
  :class:`~formcheck.store.ClipResult`. A pool of our own instead of a
  ``ProcessPoolExecutor`` because the executor cannot stop a running task: here a
  clip over its time limit has its worker killed and replaced, and a worker that
  dies (its sentinel fires with no answer) is replaced too; the clip it held is
  recorded ``failed`` and the others carry on.
- That pool is the default :data:`Executor`; ``--scheduler`` swaps in Dask distributed
  (:mod:`formcheck.batch_dask`, imported only then) for the same jobs.
- Only the coordinator writes the store, one transaction per clip as each result
  arrives. Workers write the per-clip HTML and annotated video (atomically) into
  ``RESULTS/clips/<hash[:16]>/``; no submitted file name ever names an output.
- Ctrl-C (SIGINT) is caught as a flag: nothing new starts, the clips in flight
  finish, ``index.html`` is written, and the run reports itself interrupted. A
  second Ctrl-C kills the clips in flight. Workers ignore SIGINT.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from importlib import resources
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import Any

from formcheck import __version__
from formcheck.errors import FormcheckError, InputError, TooShortError, UsageError
from formcheck.fileio import write_text_atomic
from formcheck.pose.model import DEFAULT_MODEL, MODELS, sha256_of
from formcheck.store import ClipResult, ClipStatus, ResultStore, StoredClip
from formcheck.video import DECODER_THREADS_ENV

logger = logging.getLogger(__name__)

#: Test hook, read only by worker processes: ``crash=NAME;hang=NAME;slow=NAME`` makes the
#: worker die (exit code 70), sleep forever, or sleep 3 s first, on a clip whose file name
#: contains NAME, to test crashes, time limits and Ctrl-C without the model. For tests only.
TEST_HOOK_ENV = "FORMCHECK_BATCH_TEST_HOOK"
#: Default per-clip time limit: this many times the clip's duration, plus the base.
DEFAULT_TIMEOUT_FACTOR = 10.0
DEFAULT_TIMEOUT_BASE_S = 60.0
#: Bytes read to recognise a container.
SNIFF_BYTES = 64
#: Names that say "this was meant to be a video": such a file that is not one is
#: recorded as ungradable rather than ignored.
VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".mts",
                            ".m2ts", ".mpg", ".mpeg", ".3gp", ".part"})
#: Thread-count variables set in each worker so N workers do not oversubscribe N cores.
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
              "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "TF_NUM_INTRAOP_THREADS",
              "TF_NUM_INTEROP_THREADS", DECODER_THREADS_ENV)
#: How often the coordinator looks at the clock and the Ctrl-C flag, s.
POLL_S = 0.2
#: What a worker sends once it has loaded the pipeline and can take clips.
READY = "ready"
#: Workers that die before they are ready, in a row, before the batch gives up.
MAX_START_FAILURES = 3
EXIT_INTERRUPTED = 130
_CRASH_EXIT_CODE = 70


# --- discovery -------------------------------------------------------------------------

def sniff_video(path: Path) -> bool:
    """Whether ``path`` holds a video, judged by its first bytes, else by PyAV.

    Recognised signatures: MP4/MOV (``ftyp`` at offset 4), Matroska/WebM (EBML
    ``1A 45 DF A3``), AVI (``RIFF....AVI ``), MPEG-TS (sync byte ``0x47`` every 188
    bytes) and MPEG-PS (pack header ``00 00 01 BA``). Anything else is opened with
    PyAV with a short probe and counts as a video when it has a video stream (a PNG
    is an image to FFmpeg, so images are refused by name of format).
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
            if len(head) >= 1 and head[0] == 0x47:
                fh.seek(188)
                ts_next = fh.read(1)
            else:
                ts_next = b""
    except OSError:
        return False
    if not head:
        return False
    if head[4:8] == b"ftyp" or head[:4] == b"\x1a\x45\xdf\xa3":
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return True
    if head[:4] == b"\x00\x00\x01\xba" or ts_next == b"\x47":
        return True
    return _pyav_sees_video(path)


def _pyav_sees_video(path: Path) -> bool:
    # isort: off
    import cv2  # noqa: F401  (before av: see formcheck.video)
    import av
    # isort: on

    try:
        with av.open(str(path), options={"probesize": "65536",
                                         "analyzeduration": "500000"}) as container:
            is_image = any(name in container.format.name
                           for name in ("image2", "_pipe", "png", "gif", "jpeg", "webp"))
            return bool(container.streams.video) and not is_image
    except (av.FFmpegError, UnicodeDecodeError, OSError, ValueError):
        return False


def probe_duration_s(path: Path) -> float | None:
    """The duration a container declares, s, or None when it cannot say."""
    # isort: off
    import cv2  # noqa: F401  (before av: see formcheck.video)
    import av
    # isort: on

    try:
        with av.open(str(path), options={"probesize": "1000000"}) as container:
            if container.streams.video:
                stream = container.streams.video[0]
                if stream.duration is not None and stream.time_base is not None:
                    return float(stream.duration * stream.time_base)
            if container.duration is not None:
                return container.duration / 1_000_000
    except (av.FFmpegError, UnicodeDecodeError, OSError, ValueError):
        pass
    return None


@dataclass(frozen=True)
class Found:
    """One distinct clip found in the inbox.

    Attributes:
        hash: sha256 of its bytes, hex.
        paths: Every absolute path with these bytes, sorted.
        video: Whether the content is a video; a non-video is here only because its
            name says it was meant to be one (``.mp4``, ...), and is recorded as such.
    """

    hash: str
    paths: tuple[str, ...]
    video: bool


@dataclass(frozen=True)
class Discovery:
    """What is in the inbox: the clips, and how many other files were ignored."""

    clips: tuple[Found, ...]
    ignored: int


def discover(inbox: Path) -> Discovery:
    """Walk ``inbox`` recursively (hidden files and folders, and symbolic links, are
    left out) and group the videos, and the files named like videos, by content hash."""
    if not inbox.is_dir():
        raise InputError(f"inbox {inbox} is not a folder")
    by_hash: dict[str, list[str]] = {}
    is_video: dict[str, bool] = {}
    ignored = 0
    for path in _walk(inbox.resolve()):
        video = sniff_video(path)
        if not video and not _named_like_video(path):
            ignored += 1
            continue
        try:
            digest = sha256_of(path)
        except OSError as exc:
            logger.warning("cannot read %s: %s", path, exc)
            ignored += 1
            continue
        by_hash.setdefault(digest, []).append(str(path))
        is_video[digest] = is_video.get(digest, False) or video
    clips = tuple(sorted((Found(digest, tuple(sorted(paths)), is_video[digest])
                          for digest, paths in by_hash.items()), key=lambda f: f.paths))
    return Discovery(clips, ignored)


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if not name.startswith(".") and path.is_file() and not path.is_symlink():
                yield path


def _named_like_video(path: Path) -> bool:
    return any(suffix.lower() in VIDEO_SUFFIXES for suffix in path.suffixes)


# --- workers ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ClipJob:
    """What a worker is asked to do: grade ``path`` and write the requested outputs."""

    hash: str
    path: str
    exercise: str
    model: str
    html: str | None
    annotated: str | None


def _limit_threads() -> None:
    """One thread per worker for OpenCV (the thread variables come with the process:
    see :func:`_single_thread_env`)."""
    import cv2

    cv2.setNumThreads(1)


@contextmanager
def _single_thread_env() -> Iterator[None]:
    """Set :data:`THREAD_ENV` to 1 while workers are started, so that each worker has
    them before its first import (a spawned child re-imports the parent's main module,
    which loads numpy and OpenCV before any worker code runs); then put them back."""
    saved = {name: os.environ.get(name) for name in THREAD_ENV}
    os.environ.update({name: "1" for name in THREAD_ENV})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _test_hook(path: str) -> None:
    """See :data:`TEST_HOOK_ENV` (tests only)."""
    hook = os.environ.get(TEST_HOOK_ENV, "")
    for item in filter(None, hook.split(";")):
        action, _, name = item.partition("=")
        if name and name in Path(path).name:
            if action == "crash":
                os._exit(_CRASH_EXIT_CODE)
            if action == "hang":
                while True:
                    time.sleep(60)
            if action == "slow":
                time.sleep(3)


def grade_clip(job: ClipJob) -> ClipResult:
    """Grade one clip (in a worker): a report, an ungradable reason, or a failure."""
    started = time.monotonic()
    _test_hook(job.path)
    from formcheck.outputs import Outputs, analyse_to
    from formcheck.speed import SpeedSettings

    model_sha256 = MODELS[job.model].sha256 if job.model in MODELS else None

    def result(status: ClipStatus, reason: str | None, report_json: str | None,
               sha: str | None = model_sha256) -> ClipResult:
        return ClipResult(hash=job.hash, status=status, reason=reason, report_json=report_json,
                          exercise=job.exercise, seconds=time.monotonic() - started,
                          formcheck_version=__version__, model_sha256=sha)

    outputs = Outputs(html=None if job.html is None else Path(job.html),
                      annotated=None if job.annotated is None else Path(job.annotated))
    try:
        # One process per clip: a batch already runs one clip per core.
        report = analyse_to(Path(job.path), outputs, job.exercise, model=job.model,
                            speed=SpeedSettings(workers=1))
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


def _worker_main(conn: Connection) -> None:
    """A worker's loop: receive a job, send its result, until told to stop (None) or
    the coordinator goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator decides about Ctrl-C
    _limit_threads()
    # Load the pipeline before saying ready, so start-up is not charged to a clip's limit.
    import formcheck.outputs  # noqa: F401

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
        answer = grade_clip(job)
        try:
            conn.send(answer)
        except (BrokenPipeError, OSError):
            return


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    job: ClipJob | None = None
    ready: bool = False
    started: float = 0.0
    deadline: float = float("inf")

    @classmethod
    def start(cls, context: Any) -> _Worker:
        parent, child = context.Pipe(duplex=True)
        process = context.Process(target=_worker_main, args=(child,), daemon=True,
                                  name="formcheck-batch-worker")
        with _single_thread_env():
            process.start()
        child.close()
        return cls(process, parent)

    def give(self, job: ClipJob, limit_s: float) -> None:
        self.job = job
        self.started = time.monotonic()
        self.deadline = self.started + limit_s
        with suppress(OSError):  # a dead worker: its sentinel fires, the clip is recorded
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
            run the clips on Dask distributed (:mod:`formcheck.batch_dask`).
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

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise UsageError(f"--workers {self.workers}: use 1 or more")
        if self.scheduler is not None:
            if self.workers is not None:
                raise UsageError("--workers is for the local pool: with --scheduler, the"
                                 " cluster's workers grade (local:N starts N)")
            local_workers(self.scheduler)  # a bad local:N fails here
            if "://" not in self.scheduler and not self.scheduler.startswith("local:"):
                raise UsageError(f"--scheduler {self.scheduler} is not valid, use"
                                 " tcp://HOST:PORT or local:N")
        if self.timeout_factor < 0 or self.timeout_base_s <= 0:
            raise UsageError("--timeout-factor must be 0 or more")
        inbox, results = self.inbox.resolve(), self.results.resolve()
        if results == inbox or inbox in results.parents:
            raise UsageError(f"-o {self.results}: put the results outside the inbox"
                             f" {self.inbox}, or they would be searched as clips")


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
        interrupted: Stopped by Ctrl-C before every clip was done.
        remaining: Clips not done because of the interruption.
        index: The ``index.html`` written.
    """

    found: int = 0
    ignored: int = 0
    skipped: int = 0
    skipped_failed: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in ClipStatus})
    regraded: list[tuple[str, str]] = field(default_factory=list)
    interrupted: bool = False
    remaining: int = 0
    index: Path | None = None

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        """One line for the terminal."""
        parts = [f"{self.found} clip(s) found", f"{self.done} done"]
        parts += [f"{n} {status}" for status, n in self.counts.items() if n]
        if self.skipped:
            parts.append(f"{self.skipped} already stored")
        if self.skipped_failed:
            parts.append(f"{self.skipped_failed} failed before (retry with --retry-failed)")
        if self.ignored:
            parts.append(f"{self.ignored} other file(s) ignored")
        return ", ".join(parts)


class BatchProgress:
    """Told about the run as it goes; the default does nothing."""

    def start(self, total: int) -> None:
        """``total`` clips are about to be graded."""

    def clip_done(self, result: ClipResult) -> None:
        """One clip's result was stored."""

    def stop(self) -> None:
        """The run is over."""


class _Interrupts:
    """Counts Ctrl-C presses while installed (the handler writes only this object)."""

    def __init__(self) -> None:
        self.count = 0
        self._previous: Any = None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1  # nothing else here: logging from a signal handler can deadlock

    def __enter__(self) -> _Interrupts:
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGINT, self._previous)


def clip_folder(results: Path, hash_hex: str) -> Path:
    """Where a clip's HTML report and annotated video go: named by its hash only."""
    return results / "clips" / hash_hex[:16]


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


def _not_a_video(found: Found, exercise: str, model: str) -> ClipResult:
    try:
        empty = os.path.getsize(found.paths[0]) == 0
    except OSError:
        empty = False
    reason = ("empty file (0 bytes)" if empty
              else "not a video: no known container signature, and FFmpeg cannot open it")
    return ClipResult(hash=found.hash, status=ClipStatus.UNGRADABLE, reason=reason,
                      report_json=None, exercise=exercise, seconds=0.0,
                      formcheck_version=__version__, model_sha256=MODELS[model].sha256)


def _failed(job: ClipJob, reason: str, seconds: float, model: str) -> ClipResult:
    return ClipResult(hash=job.hash, status=ClipStatus.FAILED, reason=reason, report_json=None,
                      exercise=job.exercise, seconds=seconds, formcheck_version=__version__,
                      model_sha256=MODELS[model].sha256)


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
    executor = _executor(settings)  # a missing dask extra fails before any work
    resolve_model(settings.model)  # fail once, not once per clip
    found = discover(settings.inbox)
    if not found.clips:
        raise InputError(f"no video found in {settings.inbox} ({found.ignored} other"
                         " file(s)): is it the right folder?")
    results = settings.results
    results.mkdir(parents=True, exist_ok=True)
    _sweep_temporaries(results)
    summary = BatchSummary(found=len(found.clips), ignored=found.ignored)
    with ResultStore(results) as store:
        queue: list[Found] = []
        for clip in found.clips:
            stored = store.get(clip.hash)
            if stored is None:
                queue.append(clip)
                continue
            if stored.result.status is ClipStatus.FAILED:
                if settings.retry_failed:
                    queue.append(clip)
                else:
                    summary.skipped_failed += 1
                    store.add_paths(clip.hash, clip.paths)
                continue
            why = regrade_reason(stored, settings)
            if why is None:
                summary.skipped += 1
                store.add_paths(clip.hash, clip.paths)
            else:
                logger.info("re-grading %s: %s", clip.hash[:16], why)
                summary.regraded.append((clip.hash, why))
                queue.append(clip)
        progress.start(len(queue))
        try:
            _grade_all(queue, settings, store, summary, progress, executor)
        finally:
            progress.stop()
            summary.index = write_index(results, store.clips())
    return summary


#: A way to run the jobs: given ``(job, time limit in s)`` pairs in order, the settings,
#: the callback that stores one result (call it in this process only) and the Ctrl-C
#: counter, grade every job and return how many were left undone by an interruption.
Executor = Callable[[list[tuple[ClipJob, float]], BatchSettings,
                     Callable[[ClipResult], None], _Interrupts], int]


def _executor(settings: BatchSettings) -> Executor:
    """The local process pool, or Dask when ``--scheduler`` is given (only then is
    ``distributed`` imported)."""
    if settings.scheduler is None:
        return _run_local_pool
    from formcheck.batch_dask import require_distributed, run_on_dask

    require_distributed()
    return run_on_dask


def _grade_all(queue: list[Found], settings: BatchSettings, store: ResultStore,
               summary: BatchSummary, progress: BatchProgress,
               executor: Executor | None = None) -> None:
    paths_of = {clip.hash: clip.paths for clip in queue}

    def store_result(result: ClipResult) -> None:
        store.record(result, paths_of[result.hash])
        with suppress(OSError):  # a clip folder left empty (nothing written) goes
            clip_folder(settings.results, result.hash).rmdir()
        summary.counts[result.status.value] += 1
        progress.clip_done(result)

    jobs: list[tuple[ClipJob, float]] = []
    for clip in queue:
        if not clip.video:
            store_result(_not_a_video(clip, settings.exercise, settings.model))
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
    executor = executor or _executor(settings)
    with _Interrupts() as interrupts:
        summary.remaining = executor(jobs, settings, store_result, interrupts)
    summary.interrupted = interrupts.count > 0 and summary.remaining > 0


def _run_local_pool(jobs: list[tuple[ClipJob, float]], settings: BatchSettings,
                    store_result: Callable[[ClipResult], None], interrupts: _Interrupts) -> int:
    """The default :data:`Executor`: our own pool of spawned worker processes."""
    count = min(settings.workers or os.cpu_count() or 1, len(jobs))
    context = multiprocessing.get_context("spawn")
    pending = list(reversed(jobs))  # pop() takes the next in order
    workers: list[_Worker] = []
    try:
        workers = [_Worker.start(context) for _ in range(count)]
        _coordinate(workers, pending, context, interrupts, store_result, settings)
    finally:
        for worker in workers:
            if worker.job is not None:
                worker.kill()  # only after a second Ctrl-C or an unexpected error
                _remove_partial_outputs(worker.job)
            else:
                worker.stop()
    return len(pending) + sum(1 for w in workers if w.job is not None)


def _coordinate(workers: list[_Worker], pending: list[tuple[ClipJob, float]], context: Any,
                interrupts: _Interrupts, store_result: Callable[[ClipResult], None],
                settings: BatchSettings) -> None:
    """Hand out clips to ready workers and collect their results until every clip is
    done (or Ctrl-C: the clips in flight are awaited; a second one returns at once).

    A worker that dies is replaced: the clip it held is recorded ``failed``. A clip
    over its limit has its worker killed and replaced, and is recorded ``failed``.
    """
    start_failures = 0
    announced = False
    while True:
        if interrupts.count and not announced:
            announced = True
            logger.warning("interrupted: finishing the clips in flight (Ctrl-C again to stop"
                           " at once)")
        if interrupts.count == 0:
            for worker in workers:
                if worker.ready and worker.job is None and pending:
                    job, limit_s = pending.pop()
                    worker.give(job, limit_s)
        busy = [w for w in workers if w.job is not None]
        if interrupts.count > 1 or not (busy or (pending and interrupts.count == 0)):
            return
        now = time.monotonic()
        deadline = min((w.deadline for w in busy), default=now + POLL_S)
        ready = set(wait([w.conn for w in workers] + [w.process.sentinel for w in workers],
                         timeout=max(0.0, min(POLL_S, deadline - now))))
        now = time.monotonic()
        for index, worker in enumerate(workers):
            message: object = None
            if worker.conn in ready or worker.process.sentinel in ready:
                try:
                    if worker.conn.poll():
                        message = worker.conn.recv()
                except (EOFError, OSError):
                    message = None
            if message == READY:
                worker.ready = True
                start_failures = 0
                continue
            if isinstance(message, ClipResult):
                worker.job = None
                store_result(message)
                continue
            dead = worker.process.sentinel in ready and not worker.process.is_alive()
            if worker.job is None:
                if dead:
                    start_failures += 1
                    if start_failures >= MAX_START_FAILURES:
                        raise RuntimeError(f"batch workers die on start-up (exit code"
                                           f" {worker.process.exitcode}): see the log")
                    worker.kill()
                    workers[index] = _Worker.start(context)
                continue
            job = worker.job
            if dead or message is not None:
                worker.kill()
                code = worker.process.exitcode
                logger.warning("worker crashed on %s (exit code %s)", job.path, code)
                _remove_partial_outputs(job)
                store_result(_failed(job, f"worker crashed (exit code {code})",
                                     now - worker.started, settings.model))
                workers[index] = _Worker.start(context)
            elif now >= worker.deadline:
                limit = worker.deadline - worker.started
                worker.kill()
                logger.warning("%s timed out after %.0f s", job.path, limit)
                _remove_partial_outputs(job)
                store_result(_failed(job, f"timed out after {limit:.0f} s", now - worker.started,
                                     settings.model))
                workers[index] = _Worker.start(context)


def _remove_partial_outputs(job: ClipJob) -> None:
    """A killed worker may leave an atomic write's temporary: remove it."""
    for output in (job.html, job.annotated):
        if output is not None:
            target = Path(output)
            for path in target.parent.glob(f".{target.stem}.*"):
                path.unlink(missing_ok=True)


# --- index page, listing, CSV ----------------------------------------------------------

def index_rows(results: Path, clips: list[StoredClip]) -> list[dict[str, Any]]:
    """One row per clip for ``index.html``: what it says, and links to its files."""
    rows = []
    for clip in clips:
        result = clip.result
        report = result.report or {}
        folder = clip_folder(results, result.hash)
        html = folder / "report.html"
        annotated = folder / "annotated.mp4"
        rows.append({
            "hash": result.hash,
            "short_hash": result.hash[:16],
            "paths": list(clip.paths),
            "status": result.status.value,
            "verdict": report.get("verdict") or result.reason or "",
            "exercise": report.get("exercise") or "",
            "total_reps": report.get("total_reps"),
            "good_reps": report.get("good_reps"),
            "first_bad_rep": report.get("first_bad_rep"),
            "seconds": result.seconds,
            "html": html.relative_to(results).as_posix() if html.is_file() else None,
            "annotated": (annotated.relative_to(results).as_posix()
                          if annotated.is_file() else None),
        })
    return rows


def write_index(results: Path, clips: list[StoredClip]) -> Path:
    """Write ``RESULTS/index.html`` (atomically): every clip's verdict on one page."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("formcheck") / "templates")),
        autoescape=True, undefined=jinja2.StrictUndefined)
    rows = index_rows(results, clips)
    counts = {status.value: sum(1 for r in rows if r["status"] == status.value)
              for status in ClipStatus}
    text = environment.get_template("index.html.j2").render(
        rows=rows, counts=counts, formcheck_version=__version__)
    target = results / "index.html"
    write_text_atomic(target, text)
    return target


def results_csv(clips: list[StoredClip], path: Path, *, per_rep: bool = False) -> None:
    """Write the stored clips as CSV with :mod:`formcheck.reporters.csv`'s columns.

    Clips with a stored report use it; the others (failed, or ungradable before a
    report could be made) get one row with their status and the reason. The path
    column lists every path of the clip, separated by ``;``.
    """
    import csv
    import io

    from formcheck.fileio import atomic_path
    from formcheck.report import Report, Status
    from formcheck.reporters.csv import reports_csv_text
    from formcheck.video import VideoInfo

    reports: list[Report] = []
    statuses: list[tuple[str, int]] = []  # (status to show, rows of this clip)
    for clip in clips:
        all_paths = "; ".join(clip.paths)
        data = clip.result.report
        if data is not None:
            report = Report.from_dict(data)
            report = _with_path(report, all_paths)
        else:
            report = Report(status=Status.UNGRADABLE,
                            video=VideoInfo(path=all_paths, width=0, height=0, fps=0.0,
                                            duration_s=0.0, frame_count=None, codec=""),
                            exercise="", reason=clip.result.reason)
        reports.append(report)
        rows = max(1, len(report.reps)) if per_rep else 1
        statuses.append((clip.result.status.value, rows))
    text = reports_csv_text(reports, per_rep=per_rep)
    table = list(csv.reader(io.StringIO(text, newline="")))
    header, body = table[0], table[1:]
    status_column = header.index("status")
    row = 0
    for status, rows in statuses:
        for offset in range(rows):
            body[row + offset][status_column] = status
        row += rows
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(body)


def _with_path(report: Any, path: str) -> Any:
    from dataclasses import replace

    return replace(report, video=replace(report.video, path=path))


def results_table(clips: list[StoredClip]) -> Any:
    """A rich table of the stored clips, for the terminal."""
    from rich.table import Table

    table = Table(title=f"{len(clips)} clip(s)")
    for column in ("hash", "paths", "status", "exercise", "reps", "good", "first bad",
                   "verdict / reason"):
        table.add_column(column, overflow="fold")
    for clip in clips:
        summary = clip.summary()
        report = clip.result.report or {}

        def cell(value: object) -> str:
            return "" if value is None else str(value)

        table.add_row(clip.result.hash[:12], "\n".join(clip.paths), summary["status"],
                      cell(summary["exercise"]), cell(summary["total_reps"]),
                      cell(summary["good_reps"]), cell(summary["first_bad_rep"]),
                      report.get("verdict") or cell(summary["reason"]))
    return table


class RichBatchProgress(BatchProgress):
    """A rich progress bar on stderr: done, failed, time left. Silent when stderr is not
    a terminal."""

    def __init__(self, console: Any) -> None:
        self._console = console
        self._progress: Any = None
        self._task: Any = None
        self._failed = 0

    def start(self, total: int) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        if not self._console.is_terminal or total == 0:
            return
        self._progress = Progress(TextColumn("batch"), BarColumn(), MofNCompleteColumn(),
                                  TextColumn("{task.fields[failed]} failed"),
                                  TimeRemainingColumn(), console=self._console)
        self._task = self._progress.add_task("batch", total=total, failed=0)
        self._progress.start()

    def clip_done(self, result: ClipResult) -> None:
        if result.status is ClipStatus.FAILED:
            self._failed += 1
        if self._progress is not None:
            self._progress.update(self._task, advance=1, failed=self._failed)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
