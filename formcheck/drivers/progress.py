"""Progress per person: a clip graded into a person's sessions, and a person's progress read
back from the store.

``formcheck analyse CLIP --person NAME --store DIR`` grades the clip as ``analyse`` does
(:func:`~formcheck.drivers.file.analyse_file`) and stores its result with the person's
session in one transaction (:func:`analyse_for_person`); ``formcheck progress NAME
--store DIR`` follows the person's sessions through the progression
(:func:`load_progress`). The web service records its readers' sessions with the same store
functions (:mod:`formcheck.store.people`) and shows the same page
(:func:`formcheck.reporters.progress.render_progress_page`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from formcheck import __version__
from formcheck.analysis.progression import PersonProgress
from formcheck.analysis.report import Report
from formcheck.drivers.batch.jobs import clip_folder
from formcheck.drivers.file import analyse_file
from formcheck.drivers.outputs import RECORDING_SUFFIX, Outputs
from formcheck.drivers.run import ProgressCallback
from formcheck.drivers.speed import SpeedSettings
from formcheck.errors import InputError, UsageError
from formcheck.fileio import sha256_of
from formcheck.pose.model import DEFAULT_MODEL, MODELS
from formcheck.reporters.json import dumps
from formcheck.reporters.progress import write_progress_page
from formcheck.sources.dates import clip_date
from formcheck.store.people import SessionOf, clean_name
from formcheck.store.results import ClipResult, ClipStatus, ResultStore


def check_store_folder(store: Path) -> None:
    """Refuse a store folder that cannot be one, before any slow work: it may be new,
    but its parent folder must exist (a typo should not grow a folder tree)."""
    if store.exists() and not store.is_dir():
        raise UsageError(f"--store {store}: not a folder")
    if not store.exists() and not store.parent.is_dir():
        raise UsageError(f"--store {store}: the folder {store.parent} does not exist")


def analyse_for_person(path: str | Path, exercise: str = "auto", *, person: str,
                       store: str | Path, outputs: Outputs | None = None,
                       model: str = DEFAULT_MODEL,
                       on_progress: ProgressCallback | None = None,
                       speed: SpeedSettings | None = None) -> Report:
    """Grade a clip (as :func:`~formcheck.drivers.file.analyse_file`) and store its result
    in ``store`` with ``person``'s session, in one transaction.

    The session's date is the clip's creation time from its container when present, else
    the file's time (:func:`~formcheck.sources.dates.clip_date`). A clip that could not be
    graded is stored as such and is no session (the person is added all the same).

    Raises:
        UsageError: ``person`` cannot be a name, or ``store`` cannot be a folder (checked
            before grading).
        InputError, TooShortError, TimeLimitError: as
            :func:`~formcheck.drivers.file.analyse_file` (nothing is stored).
    """
    path, store = Path(path), Path(store)
    name = clean_name(person)
    check_store_folder(store)
    started = time.monotonic()
    report = analyse_file(path, exercise, outputs=outputs, model=model,
                          on_progress=on_progress, speed=speed)
    seconds = time.monotonic() - started
    # A recording carries its video's hash: key it by its own bytes, as batch would.
    recording = path.suffix.lower() == RECORDING_SUFFIX
    digest = sha256_of(path) if recording or report.provenance.source_sha256 is None \
        else report.provenance.source_sha256
    model_sha256 = report.provenance.model_sha256 or (
        MODELS[model].sha256 if model in MODELS else None)
    result = ClipResult(hash=digest,
                        status=ClipStatus.GRADED if report.graded else ClipStatus.UNGRADABLE,
                        reason=report.reason, report_json=dumps(report.to_dict()),
                        exercise=exercise, seconds=seconds, formcheck_version=__version__,
                        model_sha256=model_sha256)
    with ResultStore(store) as results:
        results.record(result, [str(path.resolve())], [SessionOf(name, clip_date(path))])
    return report


def load_progress(store: str | Path, person: str) -> PersonProgress:
    """``person``'s progress from the store in ``store`` (opened read-only).

    Raises:
        InputError: there is no store there, or no such person (the message lists who
            there is).
    """
    with ResultStore(store, readonly=True) as results:
        return results.progress(person)


def write_progress_html(progress: PersonProgress, html: Path, store: Path) -> None:
    """Write the reader's progress page to ``html``, each session linked to its clip's
    HTML report when the batch wrote one (``STORE/clips/<hash>/report.html``)."""
    links = {}
    for track in progress.tracks:
        for session in track.sessions:
            report = clip_folder(store, session.clip) / "report.html"
            if session.clip and report.is_file():
                links[session.clip] = Path(os.path.relpath(report.resolve(),
                                                           html.parent.resolve())).as_posix()
    write_progress_page(html, progress, clip_links=links)


def forget_clip(store: str | Path, clip: str, person: str | None = None) -> tuple[str, int]:
    """Remove a stored clip's sessions: ``person``'s only (the clip's result stays), or,
    without a person, every session of the clip with its result, its paths and its
    HTML report and annotated video; the clip's full hash and the sessions removed.

    Args:
        clip: The clip's sha256, or the first characters of it (at least 8).

    Raises:
        UsageError: ``clip`` is shorter than 8 characters or matches several clips.
        InputError: no stored clip or session matches, or no such person.
    """
    store = Path(store)
    if len(clip) < 8:
        raise UsageError(f"{clip!r}: give at least the first 8 characters of the clip's"
                         " sha256 (formcheck results --json lists them)")
    with ResultStore(store) as results:
        matches = results.find_clips(clip)
        if not matches:
            raise InputError(f"no stored clip {clip} in {store}")
        if len(matches) > 1:
            raise UsageError(f"{clip} matches {len(matches)} clips: give more characters")
        digest = matches[0]
        if person is not None:
            return digest, int(results.delete_session(person, digest))
        _, sessions = results.delete_clip(digest)
    folder = clip_folder(store, digest)
    for name in ("report.html", "annotated.mp4"):
        (folder / name).unlink(missing_ok=True)
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
    return digest, sessions
