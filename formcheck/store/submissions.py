"""Readers' submissions and the gradings they wait for: the web service's tables.

Tables (:mod:`formcheck.store.migrations`, version 3):

``gradings``
    One per uploaded clip and exercise asked for (``hash``, ``exercise``): the job queue.
    ``status`` goes ``queued`` -> ``grading`` -> ``graded`` / ``ungradable`` / ``failed``;
    ``progress`` (0-1) while grading; ``reason`` (why ungradable, or the failure);
    ``report_json`` (``formcheck.report/1``); ``duration_s`` (declared, for the time
    limit); ``attempts`` (times handed to a worker); ``seconds``, ``formcheck_version``,
    ``model_sha256``; ``queued_at``, ``started_at``, ``finished_at`` (UTC, ISO 8601).
``submissions``
    One per upload: ``id``, ``token_sha256`` (the sha256 of the private link's token:
    the token itself is never stored), ``hash`` and ``exercise`` (its grading), ``name``
    (the reader's name or handle, as typed), ``filename`` (the name the browser sent,
    for display only), ``consent_review``, ``consent_publish``, ``consent_name`` (the
    name may be shown with a published clip), ``created_at``; and (version 5) ``person_id``
    (the reader's person, see below), ``filmed_at`` and ``date_source`` (when the clip was
    filmed: its container's creation time, ``metadata``, else when it was uploaded,
    ``upload``).
``readers`` (version 5)
    A reader's private progress links: ``token_sha256`` (the sha256 of the link's token,
    never the token), ``person_id`` (a person of :mod:`formcheck.store.people`; a person
    merged into another takes their links along), ``created_at``.

A reader is a person: their first upload makes one (with the name they gave, or a neutral
generated one, made unique) and a progress token; uploads that bring the token back (the
browser's cookie, the API's ``progress_token`` field) are that person's. When a grading is
stored, each of its submissions that has a person becomes that person's session
(:func:`formcheck.store.people.record_session`) in the same transaction; deleting a
submission removes its session (or derives it again from the person's other submission of
the same clip).

The same bytes sent twice, even by two readers, are two submissions of one grading. A
grading that a restart finds ``grading`` goes back to ``queued`` (its worker died with the
server), so each is graded to the end exactly once. Every statement takes parameters.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from formcheck.analysis.progression import PersonProgress, TrainedSession, progress_of
from formcheck.sources.dates import ClipDate, DateSource
from formcheck.store import people
from formcheck.store.database import Transaction, connect
from formcheck.store.people import Person
from formcheck.store.results import ClipResult

#: Bytes of randomness in a submission's token (192 bits; at least 128 are asked for).
TOKEN_BYTES = 24
#: Letters of a generated reader name ("reader K7QF"): no 0/O or 1/I/L to misread.
NAME_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: Names tried with a number after them ("Ann (2)") before a random suffix is used.
NUMBERED_NAMES = 50


class GradingStatus(StrEnum):
    """Where a grading is: waiting, on a worker, or done (graded, ungradable, failed)."""

    QUEUED = "queued"
    GRADING = "grading"
    GRADED = "graded"
    UNGRADABLE = "ungradable"
    FAILED = "failed"

    @property
    def done(self) -> bool:
        return self not in (GradingStatus.QUEUED, GradingStatus.GRADING)


@dataclass(frozen=True)
class Grading:
    """One clip's grading as the queue holds it."""

    hash: str
    exercise: str
    status: GradingStatus
    progress: float
    reason: str | None
    report_json: str | None
    duration_s: float | None
    attempts: int
    queued_at: str
    finished_at: str | None

    @property
    def report(self) -> dict[str, Any] | None:
        return None if self.report_json is None else json.loads(self.report_json)

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return list((self.report or {}).get("warnings") or [])


@dataclass(frozen=True)
class Submission:
    """One reader's upload and the grading it waits for."""

    id: int
    hash: str
    exercise: str
    name: str
    filename: str
    consent_review: bool
    consent_publish: bool
    consent_name: bool
    created_at: str
    grading: Grading
    person_id: int | None = None


@dataclass(frozen=True)
class Added:
    """A stored submission, and the reader it belongs to.

    Attributes:
        token: The submission's private link token (shown once).
        submission: The submission.
        progress_token: The reader's progress token: the one brought back, or a new one
            (shown once) when ``new_reader``.
        reader: The reader's person.
        new_reader: Whether the reader was made by this upload.
    """

    token: str
    submission: Submission
    progress_token: str
    reader: Person
    new_reader: bool


@dataclass(frozen=True)
class ReaderRow:
    """A person as the coach's list of readers shows them.

    Attributes:
        person: The person (``sessions``: those the coach may see).
        submissions: Their uploads the coach may see (the reader asked for a review).
        hidden_sessions: Sessions from uploads the reader did not ask a review of.
        tracks: Per exercise and side worked, from those sessions: (exercise, side,
            stage).
    """

    person: Person
    submissions: int
    hidden_sessions: int
    tracks: tuple[tuple[str, str | None, str], ...] = ()


def token_digest(token: str) -> str:
    """What the store keeps of a token: its sha256, hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


_GRADING_COLUMNS = ("g.hash, g.exercise, g.status, g.progress, g.reason, g.report_json,"
                    " g.duration_s, g.attempts, g.queued_at, g.finished_at")
_SUBMISSION_COLUMNS = ("s.id, s.token_sha256, s.hash, s.exercise, s.name, s.filename,"
                       " s.consent_review, s.consent_publish, s.consent_name, s.created_at,"
                       " s.person_id")
#: The same, from a store before version 5 (read-only: not migrated), which has no readers.
_SUBMISSION_COLUMNS_V4 = _SUBMISSION_COLUMNS.replace("s.person_id", "NULL")


def _grading(row: tuple[Any, ...]) -> Grading:
    return Grading(hash=row[0], exercise=row[1], status=GradingStatus(row[2]),
                   progress=float(row[3]), reason=row[4], report_json=row[5],
                   duration_s=row[6], attempts=int(row[7]), queued_at=row[8],
                   finished_at=row[9])


def _submission(row: tuple[Any, ...]) -> Submission:
    return Submission(id=int(row[0]), hash=row[2], exercise=row[3], name=row[4],
                      filename=row[5], consent_review=bool(row[6]),
                      consent_publish=bool(row[7]), consent_name=bool(row[8]),
                      created_at=row[9], person_id=None if row[10] is None else int(row[10]),
                      grading=_grading(row[11:]))


@dataclass(frozen=True)
class Removed:
    """What a deletion left without a reference, for the caller to delete from disk."""

    hash: str
    exercise: str
    grading_removed: bool
    clip_unreferenced: bool


class SubmissionStore:
    """The submissions and gradings of one data folder (``DIR/results.sqlite``).

    Use as a context manager; one per thread (a connection is not shared).
    """

    def __init__(self, folder: str | Path, *, readonly: bool = False) -> None:
        self._db = connect(folder, readonly=readonly)
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        self._columns = _SUBMISSION_COLUMNS if version >= 5 else _SUBMISSION_COLUMNS_V4

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # --- readers --------------------------------------------------------------------

    def add(self, *, hash_hex: str, exercise: str, name: str | None, filename: str,
            consent_review: bool, consent_publish: bool, duration_s: float | None,
            consent_name: bool = False, progress_token: str | None = None,
            filmed: ClipDate | None = None) -> Added:
        """A new submission of the clip ``hash_hex``, its grading queued unless one is
        queued, running or done already (a failed one is queued again), for the reader
        whose ``progress_token`` it is, or for a new reader (a wrong or stale token makes a
        new one too). All in one transaction; when the grading is done already, the
        submission is the reader's session at once.

        Args:
            name: The name the reader typed, or None: then the reader's name. A new reader
                is named after it (made unique: "Ann (2)"), or gets a neutral name.
            filmed: When the clip was filmed; None: when it was uploaded (``upload``).

        Raises:
            UsageError: a name that cannot be a person's (nothing is stored).
        """
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = _now()
        when = filmed or ClipDate(datetime.fromisoformat(now), DateSource.UPLOAD)
        with Transaction(self._db):
            person_id = None if progress_token is None else _reader_id(self._db,
                                                                       progress_token)
            new_reader = person_id is None
            if person_id is None:
                progress_token, person_id = _new_reader(self._db, name)
            assert progress_token is not None
            reader = people.find_person(self._db, person_id)
            assert reader is not None
            self._db.execute(
                "INSERT INTO gradings (hash, exercise, status, duration_s, queued_at)"
                " VALUES (?, ?, 'queued', ?, ?)"
                " ON CONFLICT (hash, exercise) DO UPDATE SET status = 'queued',"
                " progress = 0, reason = NULL, queued_at = excluded.queued_at"
                " WHERE gradings.status = 'failed'",
                (hash_hex, exercise, duration_s, now))
            cursor = self._db.execute(
                "INSERT INTO submissions (token_sha256, hash, exercise, name, filename,"
                " consent_review, consent_publish, consent_name, created_at, person_id,"
                " filmed_at, date_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (token_digest(token), hash_hex, exercise, name or reader.name, filename,
                 int(consent_review), int(consent_publish),
                 int(consent_publish and consent_name), now, person_id,
                 when.at.isoformat(), when.source.value))
            submission_id = int(cursor.lastrowid or 0)
            status, report_json = self._db.execute(
                "SELECT status, report_json FROM gradings WHERE hash = ? AND exercise = ?",
                (hash_hex, exercise)).fetchone()
            if GradingStatus(status).done:  # the same bytes were graded already
                people.record_session(self._db, person_id, hash_hex,
                                      people.report_of(report_json), when)
        found = self.by_id(submission_id)
        assert found is not None
        return Added(token, found, progress_token, reader, new_reader)

    def reader(self, progress_token: str) -> Person | None:
        """The reader whose progress token this is, or None (wrong, or never made)."""
        person_id = _reader_id(self._db, progress_token)
        return None if person_id is None else people.find_person(self._db, person_id)

    def reader_progress(self, person_id: int) -> PersonProgress:
        """Every session of the person followed through the progression (the reader's
        own page).

        Raises:
            InputError: no such person.
        """
        return people.progress_for(self._db, person_id)

    # --- the coach's view of readers ---------------------------------------------------

    def _hidden_clips(self, person_id: int) -> set[str]:
        """Clips of the person's sessions that came only from uploads without the
        reader's leave for a review: the coach does not see them."""
        return {row[0] for row in self._db.execute(
            "SELECT hash FROM submissions WHERE person_id = ? GROUP BY hash"
            " HAVING MAX(consent_review) = 0", (person_id,))}

    def coach_sessions(self, person_id: int) -> list[TrainedSession]:
        """The person's sessions the coach may see: all but those from uploads whose
        reader did not ask for a review (a session the coach's own batch recorded is
        seen)."""
        hidden = self._hidden_clips(person_id)
        return [s for s in people.sessions_of(self._db, person_id) if s.clip not in hidden]

    def coach_progress(self, person_id: int) -> PersonProgress:
        """The person's progress from :meth:`coach_sessions`.

        Raises:
            InputError: no such person.
        """
        found = people.require_person(self._db, person_id)
        return progress_of(found.name, self.coach_sessions(person_id))

    def coach_listed(self) -> tuple[list[Person], int]:
        """The people the coach may see, by name (those with no upload, as a batch's, or
        with one sent with leave for a review), and how many readers are not listed."""
        seen = {int(row[0]) for row in self._db.execute(
            "SELECT p.id FROM people p WHERE NOT EXISTS (SELECT 1 FROM submissions s"
            " WHERE s.person_id = p.id) OR EXISTS (SELECT 1 FROM submissions s"
            " WHERE s.person_id = p.id AND s.consent_review = 1)")}
        everyone = people.people(self._db)
        return [p for p in everyone if p.id in seen], len(everyone) - len(seen)

    def coach_reader(self, person_id: int) -> ReaderRow | None:
        """The person as the coach's list shows them, or None when the coach may not see
        them (or there is no such person)."""
        listed, _ = self.coach_listed()
        person = next((p for p in listed if p.id == person_id), None)
        return None if person is None else self._reader_row(person)

    def _reader_row(self, person: Person) -> ReaderRow:
        sessions = self.coach_sessions(person.id)
        last = max((s.date.at for s in sessions), default=None)
        tracks = tuple((t.exercise, t.side, t.stage.value)
                       for t in progress_of(person.name, sessions).tracks)
        uploads = self._db.execute("SELECT COUNT(*) FROM submissions WHERE person_id = ? AND"
                                   " consent_review = 1", (person.id,)).fetchone()[0]
        return ReaderRow(person=Person(person.id, person.name, person.created_at,
                                       len(sessions), last),
                         submissions=int(uploads),
                         hidden_sessions=person.sessions - len(sessions), tracks=tracks)

    def coach_readers(self) -> tuple[list[ReaderRow], int]:
        """The coach's list of readers (:meth:`coach_listed`), each with what the coach
        may see of them, and how many readers are not listed."""
        listed, hidden = self.coach_listed()
        return [self._reader_row(person) for person in listed], hidden

    def coach_clip_links(self, person_id: int) -> dict[str, int]:
        """For each clip of the person's uploads the coach may see, the newest such
        submission's id (what the coach's page links a session to)."""
        return {row[0]: int(row[1]) for row in self._db.execute(
            "SELECT hash, MAX(id) FROM submissions WHERE person_id = ? AND consent_review = 1"
            " GROUP BY hash", (person_id,))}

    def person(self, person: str | int) -> Person | None:
        """The person with this name (any case) or id, or None."""
        return people.find_person(self._db, person)

    def rename_person(self, person_id: int, new_name: str) -> Person:
        """Rename a person (one transaction; :func:`formcheck.store.people.rename`)."""
        with Transaction(self._db):
            return people.rename(self._db, person_id, new_name)

    def merge_people(self, source_id: int, into_id: int) -> int:
        """Put a person's sessions, uploads and progress links with another's (one
        transaction; :func:`formcheck.store.people.merge`); the sessions moved."""
        with Transaction(self._db):
            return people.merge(self._db, source_id, into_id)

    def get(self, token: str) -> Submission | None:
        """The submission of ``token``, or None (a wrong or deleted token)."""
        digest = token_digest(token)
        row = self._db.execute(
            f"SELECT {self._columns}, {_GRADING_COLUMNS} FROM submissions s"
            " JOIN gradings g USING (hash, exercise) WHERE s.token_sha256 = ?",
            (digest,)).fetchone()
        if row is None or not hmac.compare_digest(row[1], digest):
            return None
        return _submission(row)

    def by_id(self, submission_id: int) -> Submission | None:
        row = self._db.execute(
            f"SELECT {self._columns}, {_GRADING_COLUMNS} FROM submissions s"
            " JOIN gradings g USING (hash, exercise) WHERE s.id = ?",
            (submission_id,)).fetchone()
        return None if row is None else _submission(row)

    def all(self) -> list[Submission]:
        """Every submission, newest first."""
        rows = self._db.execute(
            f"SELECT {self._columns}, {_GRADING_COLUMNS} FROM submissions s"
            " JOIN gradings g USING (hash, exercise) ORDER BY s.created_at DESC, s.id DESC"
        ).fetchall()
        return [_submission(row) for row in rows]

    def delete(self, submission_id: int) -> Removed | None:
        """Delete a submission; its grading too when no other submission shares it.

        Returns:
            What is left unreferenced (for the caller to remove the files), or None when
            there was no such submission.
        """
        with Transaction(self._db):
            row = self._db.execute("SELECT hash, exercise, person_id FROM submissions"
                                   " WHERE id = ?", (submission_id,)).fetchone()
            if row is None:
                return None
            hash_hex, exercise, person_id = row
            # Rows of later tables that hang on a submission go with it (ON DELETE CASCADE).
            self._db.execute("DELETE FROM submissions WHERE id = ?", (submission_id,))
            if person_id is not None:
                self._session_after_delete(int(person_id), hash_hex)
            shared = self._db.execute(
                "SELECT COUNT(*) FROM submissions WHERE hash = ? AND exercise = ?",
                (hash_hex, exercise)).fetchone()[0]
            if not shared:
                self._db.execute("DELETE FROM gradings WHERE hash = ? AND exercise = ?",
                                 (hash_hex, exercise))
            others = self._db.execute("SELECT COUNT(*) FROM gradings WHERE hash = ?",
                                      (hash_hex,)).fetchone()[0]
        return Removed(hash=hash_hex, exercise=exercise, grading_removed=not shared,
                       clip_unreferenced=not others)

    def _session_after_delete(self, person_id: int, hash_hex: str) -> None:
        """The person's session from a clip once one of their uploads of it is deleted:
        derived again from another upload of theirs of the same clip, or removed."""
        other = self._db.execute(
            "SELECT s.created_at, s.filmed_at, s.date_source, g.status, g.report_json"
            " FROM submissions s JOIN gradings g USING (hash, exercise)"
            " WHERE s.person_id = ? AND s.hash = ? ORDER BY s.id DESC LIMIT 1",
            (person_id, hash_hex)).fetchone()
        if other is None or not GradingStatus(other[3]).done:
            self._db.execute("DELETE FROM sessions WHERE person_id = ? AND clip_hash = ?",
                             (person_id, hash_hex))
            return
        people.record_session(self._db, person_id, hash_hex, people.report_of(other[4]),
                              _filmed(other[0], other[1], other[2]))

    def has_clip(self, hash_hex: str) -> bool:
        """Whether any grading still needs the clip ``hash_hex``."""
        return bool(self._db.execute("SELECT COUNT(*) FROM gradings WHERE hash = ?",
                                     (hash_hex,)).fetchone()[0])

    # --- the queue -------------------------------------------------------------------

    def requeue_interrupted(self) -> int:
        """Gradings left ``grading`` by a server that stopped (or was killed) go back to
        ``queued``; how many."""
        with Transaction(self._db):
            cursor = self._db.execute(
                "UPDATE gradings SET status = 'queued', progress = 0, started_at = NULL"
                " WHERE status = 'grading'")
        return cursor.rowcount

    def queued(self, limit: int) -> list[Grading]:
        """The oldest queued gradings, at most ``limit``."""
        rows = self._db.execute(
            f"SELECT {_GRADING_COLUMNS} FROM gradings g WHERE g.status = 'queued'"
            " ORDER BY g.queued_at, g.hash LIMIT ?", (limit,)).fetchall()
        return [_grading(row) for row in rows]

    def start(self, hash_hex: str, exercise: str) -> bool:
        """Mark a queued grading as handed to a worker; False when it is not queued."""
        with Transaction(self._db):
            cursor = self._db.execute(
                "UPDATE gradings SET status = 'grading', progress = 0, started_at = ?,"
                " attempts = attempts + 1 WHERE hash = ? AND exercise = ? AND status = 'queued'",
                (_now(), hash_hex, exercise))
        return cursor.rowcount == 1

    def progress(self, hash_hex: str, exercise: str, fraction: float) -> None:
        with Transaction(self._db):
            self._db.execute(
                "UPDATE gradings SET progress = ? WHERE hash = ? AND exercise = ?"
                " AND status = 'grading'", (max(0.0, min(1.0, fraction)), hash_hex, exercise))

    def finish(self, exercise: str, result: ClipResult) -> bool:
        """Store a worker's result and, in the same transaction, the session it is of each
        reader who sent the clip (a result that is no session removes theirs); False when
        the grading was deleted meanwhile (its files are then the caller's to remove).

        Raises:
            Exception: whatever recording a session raised; then nothing is stored.
        """
        with Transaction(self._db):
            cursor = self._db.execute(
                "UPDATE gradings SET status = ?, progress = 1, reason = ?, report_json = ?,"
                " seconds = ?, formcheck_version = ?, model_sha256 = ?, finished_at = ?"
                " WHERE hash = ? AND exercise = ? AND status = 'grading'",
                (result.status.value, result.reason, result.report_json, result.seconds,
                 result.formcheck_version, result.model_sha256, _now(), result.hash,
                 exercise))
            if cursor.rowcount != 1:
                return False
            report = people.report_of(result.report_json)
            recorded: set[int] = set()
            for person_id, created_at, filmed_at, source in self._db.execute(
                    "SELECT person_id, created_at, filmed_at, date_source FROM submissions"
                    " WHERE hash = ? AND exercise = ? AND person_id IS NOT NULL ORDER BY id",
                    (result.hash, exercise)).fetchall():
                if person_id in recorded:  # a reader who sent it twice: one session
                    continue
                recorded.add(person_id)
                people.record_session(self._db, int(person_id), result.hash, report,
                                      _filmed(created_at, filmed_at, source))
        return True

    def fail(self, hash_hex: str, exercise: str, reason: str) -> None:
        """Mark a grading failed before any worker saw it (its clip went missing)."""
        with Transaction(self._db):
            self._db.execute(
                "UPDATE gradings SET status = 'failed', reason = ?, finished_at = ?"
                " WHERE hash = ? AND exercise = ?", (reason, _now(), hash_hex, exercise))

    def counts(self) -> dict[str, int]:
        """Gradings by status."""
        counts = {status.value: 0 for status in GradingStatus}
        for status, count in self._db.execute(
                "SELECT status, COUNT(*) FROM gradings GROUP BY status"):
            counts[status] = int(count)
        return counts

    def gradings(self) -> list[Grading]:
        """Every grading, oldest first."""
        rows = self._db.execute(
            f"SELECT {_GRADING_COLUMNS} FROM gradings g ORDER BY g.queued_at, g.hash"
        ).fetchall()
        return [_grading(row) for row in rows]


def _filmed(created_at: str, filmed_at: str | None, source: str | None) -> ClipDate:
    """A submission's clip date as stored; one stored before version 5: its upload."""
    if filmed_at is None or source is None:
        return ClipDate(datetime.fromisoformat(created_at), DateSource.UPLOAD)
    return ClipDate(datetime.fromisoformat(filmed_at), DateSource(source))


def _reader_id(db: sqlite3.Connection, progress_token: str) -> int | None:
    """The person of a progress token, or None."""
    digest = token_digest(progress_token)
    row = db.execute("SELECT token_sha256, person_id FROM readers WHERE token_sha256 = ?",
                     (digest,)).fetchone()
    if row is None or not hmac.compare_digest(row[0], digest):
        return None
    return int(row[1])


def _new_reader(db: sqlite3.Connection, name: str | None) -> tuple[str, int]:
    """A new person for a reader, and their progress token (inside the caller's
    transaction). Named ``name`` (another person's name gets a number: "Ann (2)"; a
    reader never joins someone else's progress by typing their name), or ``reader`` and
    four random letters.

    Raises:
        UsageError: a name that cannot be a person's.
    """
    base = people.clean_name(name) if name else None
    candidates = [] if base is None else [base] + [
        f"{base[:people.MAX_NAME_CHARS - 5]} ({n})" for n in range(2, NUMBERED_NAMES + 2)]
    while True:
        chosen = next((c for c in candidates if people.find_person(db, c) is None), None)
        if chosen is not None:
            break
        random_part = "".join(secrets.choice(NAME_LETTERS) for _ in range(4))
        candidates = [f"{(base or 'reader')[:people.MAX_NAME_CHARS - 5]} {random_part}"]
    person_id = people.ensure_person(db, chosen)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.execute("INSERT INTO readers (token_sha256, person_id, created_at) VALUES (?, ?, ?)",
               (token_digest(token), person_id, _now()))
    return token, person_id


def has_submissions_table(db: sqlite3.Connection) -> bool:
    """Whether a (possibly read-only, older) store has the submissions tables."""
    return db.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
                      " AND name = 'submissions'").fetchone()[0] == 1


def read_submissions(folder: str | Path) -> list[Submission]:
    """Every submission of a results folder, newest first, read-only; none when the store
    predates the web service."""
    db = connect(folder, readonly=True)
    try:
        if not has_submissions_table(db):
            return []
    finally:
        db.close()
    with SubmissionStore(folder, readonly=True) as store:
        return store.all()
