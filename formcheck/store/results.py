"""The batch results store: one SQLite file, ``RESULTS/results.sqlite``.

Clips are keyed by the sha256 of their bytes, so a renamed or copied file is graded
once and every path it was found under is listed. Only the process coordinating a
batch writes; each clip's result is one transaction, committed as soon as it
arrives, so a crash (even SIGKILL) loses at most the clips being graded at that
moment. The database runs in WAL mode, so ``formcheck results`` can read while a
batch writes. Every statement takes SQL parameters; nothing is formatted into SQL.

Tables (:mod:`formcheck.store.migrations`; opened by :mod:`formcheck.store.database`):

``clips``
    ``hash`` (sha256 hex, key), ``status`` (``graded``, ``ungradable``, ``failed``),
    ``reason`` (why ungradable, or the error of a failure), ``report_json`` (the
    ``formcheck.report/1`` text, or NULL when no report was made), ``exercise``
    (the ``--exercise`` asked for), ``seconds`` (wall time of the grading, s),
    ``formcheck_version``, ``model_sha256``, ``finished_at`` (UTC, ISO 8601).
``paths``
    ``path`` (key, absolute), ``hash``: where each clip was found. A path whose
    content changed points at its new hash.

People and their sessions (``people``, ``sessions``, ``sets``) are described in
:mod:`formcheck.store.people`: a clip's sessions are written in the transaction that
stores its result (:meth:`ResultStore.record`).
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from formcheck.analysis.outcome import Banner, Glance, Outcome, failed
from formcheck.analysis.progression import PersonProgress, TrainedSession
from formcheck.analysis.report import Report
from formcheck.store import people
from formcheck.store.database import STORE_NAME, Transaction, connect
from formcheck.store.people import Person, SessionOf


class ClipStatus(StrEnum):
    """What became of a clip: graded, ungradable (a result), or failed (retryable)."""

    GRADED = "graded"
    UNGRADABLE = "ungradable"
    FAILED = "failed"


@dataclass(frozen=True)
class ClipResult:
    """One clip's outcome, as a worker reports it and the store keeps it.

    Attributes:
        hash: sha256 of the clip's bytes, hex.
        status: Graded, ungradable (with ``reason``) or failed (``reason`` is the error).
        reason: Why it is ungradable or failed; None when graded.
        report_json: The JSON report text, or None when no report could be made.
        exercise: The exercise asked for (``auto``, ``sldl``, ``bridge``).
        seconds: Wall time spent on the clip, s.
        formcheck_version: Version that produced the result.
        model_sha256: sha256 of the pose model used, or None when unknown.
    """

    hash: str
    status: ClipStatus
    reason: str | None
    report_json: str | None
    exercise: str
    seconds: float
    formcheck_version: str
    model_sha256: str | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", ClipStatus(self.status))

    @property
    def report(self) -> dict[str, Any] | None:
        """The JSON report as a dict, or None."""
        return None if self.report_json is None else json.loads(self.report_json)


@dataclass(frozen=True)
class StoredClip:
    """A clip as stored: its result, every path it was found under, and when."""

    result: ClipResult
    paths: tuple[str, ...]
    finished_at: str

    @property
    def glance(self) -> Glance:
        """The clip's outcome at a glance, in the vocabulary of every report
        (:mod:`formcheck.analysis.outcome`)."""
        result = self.result
        if result.status is ClipStatus.FAILED:
            return failed(result.reason or "failed")
        data = result.report
        if data is None:  # not a video, or refused before a report could be made
            return Glance(Outcome.NOT_GRADED, Banner.RED, "not graded", (), result.reason)
        try:
            return Report.from_dict(data).glance
        except (KeyError, TypeError, ValueError):  # a report this formcheck cannot read
            graded = result.status is ClipStatus.GRADED
            return Glance(Outcome.GRADED if graded else Outcome.NOT_GRADED,
                          Banner.GREY if graded else Banner.RED,
                          "graded" if graded else "not graded", (), result.reason)

    def summary(self) -> dict[str, Any]:
        """The fields ``formcheck results --json`` prints for the clip."""
        report = self.result.report or {}
        seen = self.glance
        return {
            "hash": self.result.hash,
            "paths": list(self.paths),
            "status": self.result.status.value,
            "outcome": seen.outcome.value,
            "banner": seen.banner.value,
            "reason": self.result.reason,
            "exercise": report.get("exercise"),
            "total_reps": report.get("total_reps"),
            "good_reps": report.get("good_reps"),
            "first_bad_rep": report.get("first_bad_rep"),
            "doubts": list(seen.doubts),
            "warning_codes": [w["code"] for w in report.get("warnings", [])],
        }


class ResultStore:
    """The SQLite results store of one results folder.

    Use as a context manager. Opened ``readonly``, nothing is created or written.
    """

    def __init__(self, folder: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(folder) / STORE_NAME
        self._db = connect(folder, readonly=readonly)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def record(self, result: ClipResult, paths: tuple[str, ...] | list[str],
               sessions: tuple[SessionOf, ...] | list[SessionOf] = ()) -> None:
        """Store one clip's result, its paths and the sessions it is, in one transaction.

        Args:
            result: The clip's result.
            paths: Where it was found.
            sessions: Whose session it is and when it was filmed (people new to the store
                are added). The sessions recorded from the clip before are derived again
                from the new result; a result that is no session (ungradable, failed)
                removes them.

        Raises:
            UsageError: a name that cannot be a person's (nothing is stored).
            InputError: a person's id that the store does not have (nothing is stored).
        """
        finished_at = datetime.now(UTC).isoformat(timespec="seconds")
        with self._transaction():
            self._db.execute(
                "INSERT INTO clips (hash, status, reason, report_json, exercise, seconds,"
                " formcheck_version, model_sha256, finished_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (hash) DO UPDATE SET status = excluded.status,"
                " reason = excluded.reason, report_json = excluded.report_json,"
                " exercise = excluded.exercise, seconds = excluded.seconds,"
                " formcheck_version = excluded.formcheck_version,"
                " model_sha256 = excluded.model_sha256, finished_at = excluded.finished_at",
                (result.hash, result.status.value, result.reason, result.report_json,
                 result.exercise, result.seconds, result.formcheck_version,
                 result.model_sha256, finished_at))
            self._add_paths(result.hash, paths)
            if not sessions and not people.clip_has_sessions(self._db, result.hash):
                return
            report = people.report_of(result.report_json)
            people.refresh_clip_sessions(self._db, result.hash, report)
            for session in sessions:
                people.record_session(self._db, session.person, result.hash, report,
                                      session.date)

    def add_paths(self, hash_hex: str, paths: tuple[str, ...] | list[str],
                  sessions: tuple[SessionOf, ...] | list[SessionOf] = ()) -> None:
        """Record further paths of a stored clip, and sessions of it (from its stored
        result), in one transaction."""
        with self._transaction():
            self._add_paths(hash_hex, paths)
            if not sessions:
                return
            row = self._db.execute("SELECT report_json FROM clips WHERE hash = ?",
                                   (hash_hex,)).fetchone()
            report = people.report_of(None if row is None else row[0])
            for session in sessions:
                people.record_session(self._db, session.person, hash_hex, report,
                                      session.date)

    def _add_paths(self, hash_hex: str, paths: tuple[str, ...] | list[str]) -> None:
        self._db.executemany(
            "INSERT INTO paths (path, hash) VALUES (?, ?)"
            " ON CONFLICT (path) DO UPDATE SET hash = excluded.hash",
            [(path, hash_hex) for path in paths])

    def _transaction(self) -> Transaction:
        return Transaction(self._db)

    def get(self, hash_hex: str) -> StoredClip | None:
        """The stored clip with this hash, or None."""
        row = self._db.execute(
            "SELECT hash, status, reason, report_json, exercise, seconds, formcheck_version,"
            " model_sha256, finished_at FROM clips WHERE hash = ?", (hash_hex,)).fetchone()
        return None if row is None else self._clip(row)

    def clips(self) -> list[StoredClip]:
        """Every stored clip, ordered by its first path."""
        rows = self._db.execute(
            "SELECT hash, status, reason, report_json, exercise, seconds, formcheck_version,"
            " model_sha256, finished_at FROM clips").fetchall()
        clips = [self._clip(row) for row in rows]
        return sorted(clips, key=lambda clip: (clip.paths[:1], clip.result.hash))

    def _clip(self, row: tuple[Any, ...]) -> StoredClip:
        paths = tuple(path for (path,) in self._db.execute(
            "SELECT path FROM paths WHERE hash = ? ORDER BY path", (row[0],)))
        result = ClipResult(hash=row[0], status=ClipStatus(row[1]), reason=row[2],
                            report_json=row[3], exercise=row[4], seconds=float(row[5]),
                            formcheck_version=row[6], model_sha256=row[7])
        return StoredClip(result=result, paths=paths, finished_at=row[8])

    # --- people and their sessions (formcheck.store.people) ----------------------------

    def people(self) -> list[Person]:
        """Every person, by name."""
        return people.people(self._db)

    def person(self, person: str | int) -> Person:
        """The person with this name (any case) or id.

        Raises:
            InputError: there is none; the message lists the people there are.
        """
        return people.require_person(self._db, person, self.path.parent)

    def sessions(self, person: str | int) -> list[TrainedSession]:
        """The person's sessions, by date.

        Raises:
            InputError: no such person.
        """
        return people.sessions_of(self._db, self.person(person).id)

    def progress(self, person: str | int) -> PersonProgress:
        """The person's progress (:func:`formcheck.store.people.progress_for`).

        Raises:
            InputError: no such person.
        """
        return people.progress_for(self._db, person, self.path.parent)

    def add_person(self, name: str) -> Person:
        """The person with this name, added when new (one transaction)."""
        with self._transaction():
            person_id = people.ensure_person(self._db, name)
        return self.person(person_id)

    def rename_person(self, person: str | int, new_name: str) -> Person:
        """Rename a person (one transaction); see :func:`formcheck.store.people.rename`."""
        with self._transaction():
            return people.rename(self._db, person, new_name)

    def merge_people(self, source: str | int, into: str | int) -> int:
        """Put ``source``'s sessions with ``into``'s and remove ``source`` (one transaction);
        the sessions moved. See :func:`formcheck.store.people.merge`."""
        with self._transaction():
            return people.merge(self._db, source, into)

    def delete_session(self, person: str | int, clip_hash: str) -> bool:
        """Remove the person's session from a clip (one transaction); whether there was
        one. The clip's result stays."""
        with self._transaction():
            return people.delete_session(self._db, person, clip_hash)

    def delete_clip(self, hash_hex: str) -> tuple[bool, int]:
        """Remove a stored clip: its result, its paths and every session recorded from it,
        in one transaction; whether the clip was stored, and the sessions removed."""
        with self._transaction():
            sessions = people.delete_clip_sessions(self._db, hash_hex)
            self._db.execute("DELETE FROM paths WHERE hash = ?", (hash_hex,))
            found = self._db.execute("DELETE FROM clips WHERE hash = ?", (hash_hex,)).rowcount
        return found > 0, sessions

    def find_clips(self, prefix: str) -> list[str]:
        """The hashes of the stored clips, or of the clips of sessions, starting with
        ``prefix`` (hex, any case)."""
        if not prefix or any(ch not in string.hexdigits for ch in prefix):
            return []
        like = prefix.lower() + "%"
        hashes = {row[0] for row in self._db.execute(
            "SELECT hash FROM clips WHERE hash LIKE ?", (like,))}
        if people.has_people(self._db):
            hashes |= {row[0] for row in self._db.execute(
                "SELECT clip_hash FROM sessions WHERE clip_hash LIKE ?", (like,))}
        return sorted(hashes)
