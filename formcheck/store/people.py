"""People and their sessions: the progress tables of the store.

Tables (:mod:`formcheck.store.migrations`, version 2):

``people``
    ``id``, ``name`` (unique, compared without case: ``Ana`` is ``ana``), ``created_at``
    (UTC, ISO 8601).
``sessions``
    One per person and clip: ``person_id``, ``clip_hash`` (the clip's sha256: the
    ``clips`` row of a batch or ``analyse``, or the web service's grading), ``exercise``,
    ``side`` (``left``, ``right``, ``both``, or NULL when the report did not say),
    ``date`` (when the clip was filmed, UTC, ISO 8601) and ``date_source`` (``metadata``,
    ``file`` or ``upload``: :class:`~formcheck.sources.dates.DateSource`), ``recorded_at``.
    Only a graded clip with reps is a session.
``sets``
    A session's sets as the report split them: ``number`` (1-based), ``reps``,
    ``good_reps`` (before the set's first bad rep), ``rest_before_s`` (NULL for the
    first), and the fault that stopped the count (``fault_code``, ``fault_message``,
    ``fault_cue``; NULL when every rep was good).

The functions here work inside the caller's transaction (:class:`~formcheck.store.
database.Transaction`), so that a session is written in the same transaction as the
grading it comes from (:meth:`formcheck.store.results.ResultStore.record`, or the web
service's own). Every statement takes parameters.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from formcheck.analysis.progression import (
    PersonProgress,
    SetFault,
    TrainedSession,
    TrainedSet,
    progress_of,
    session_from_report,
)
from formcheck.analysis.report import Report
from formcheck.errors import InputError, UsageError
from formcheck.sources.dates import ClipDate, DateSource

#: The longest person name, characters (heuristic: a full name or a handle fits).
MAX_NAME_CHARS = 80
#: Names listed in a message about an unknown person.
LISTED_NAMES = 20


@dataclass(frozen=True)
class Person:
    """A person in the store.

    Attributes:
        id: The store's id (what the web service keeps with a reader's link).
        name: The name, as first given (or as renamed).
        created_at: When the person was added, UTC, ISO 8601.
        sessions: Graded sessions recorded.
        last_session: The date of the latest, or None.
    """

    id: int
    name: str
    created_at: str
    sessions: int = 0
    last_session: datetime | None = None


@dataclass(frozen=True)
class SessionOf:
    """Whose session a graded clip is, and when it was filmed: what
    :meth:`~formcheck.store.results.ResultStore.record` is told with a clip's result.

    Attributes:
        person: A name (the person is added when new) or a person's id.
        date: When the clip was filmed, and how that is known.
    """

    person: str | int
    date: ClipDate


def clean_name(name: str) -> str:
    """``name`` with its spaces tidied, or a :class:`UsageError` saying what a name may be.

    A name is 1-80 characters after stripping, without control characters; runs of spaces
    become one. Case is kept (but ``Ana`` and ``ana`` are one person).
    """
    tidy = " ".join(name.split())
    if not tidy or len(tidy) > MAX_NAME_CHARS or any(
            unicodedata.category(ch).startswith("C") for ch in tidy):
        raise UsageError(f"person name {name!r}: use 1-{MAX_NAME_CHARS} characters, letters,"
                         " digits, spaces or punctuation (no control characters)")
    return tidy


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _has_table(db: sqlite3.Connection, table: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                      (table,)).fetchone() is not None


def has_people(db: sqlite3.Connection) -> bool:
    """Whether the store has the people tables (a store written by an older formcheck and
    opened read-only has not)."""
    return _has_table(db, "people")


def find_person(db: sqlite3.Connection, person: str | int) -> Person | None:
    """The person with this name (any case) or id, or None."""
    if not has_people(db):
        return None
    if isinstance(person, int):
        row = db.execute(_PERSON_SQL + " WHERE p.id = ? GROUP BY p.id", (person,)).fetchone()
    else:
        row = db.execute(_PERSON_SQL + " WHERE p.name = ? GROUP BY p.id",
                         (" ".join(person.split()),)).fetchone()
    return None if row is None else _person(row)


_PERSON_SQL = ("SELECT p.id, p.name, p.created_at, COUNT(s.id), MAX(s.date) FROM people p"
               " LEFT JOIN sessions s ON s.person_id = p.id")


def _person(row: tuple[Any, ...]) -> Person:
    last = row[4]
    return Person(int(row[0]), str(row[1]), str(row[2]), int(row[3]),
                  None if last is None else datetime.fromisoformat(str(last)))


def people(db: sqlite3.Connection) -> list[Person]:
    """Every person, by name."""
    if not has_people(db):
        return []
    rows = db.execute(_PERSON_SQL + " GROUP BY p.id ORDER BY p.name COLLATE NOCASE").fetchall()
    return [_person(row) for row in rows]


def require_person(db: sqlite3.Connection, person: str | int, where: str | Path = "the store"
                   ) -> Person:
    """The person, or an :class:`InputError` listing the people there are."""
    found = find_person(db, person)
    if found is not None:
        return found
    names = [p.name for p in people(db)]
    if not names:
        known = "no one has been recorded there yet (formcheck analyse CLIP --person NAME"
        known += f" --store {where})"
    else:
        listed = ", ".join(names[:LISTED_NAMES])
        more = f" and {len(names) - LISTED_NAMES} more" if len(names) > LISTED_NAMES else ""
        known = f"known: {listed}{more}"
    what = f"id {person}" if isinstance(person, int) else repr(person)
    raise InputError(f"no person {what} in {where}: {known}")


def ensure_person(db: sqlite3.Connection, person: str | int) -> int:
    """The id of the person with this name, added when new; or the given id, which must
    exist.

    Raises:
        UsageError: a name that cannot be one.
        InputError: an id no person has.
    """
    if isinstance(person, int):
        return require_person(db, person).id
    name = clean_name(person)
    db.execute("INSERT INTO people (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO"
               " NOTHING", (name, _now()))
    return int(db.execute("SELECT id FROM people WHERE name = ?", (name,)).fetchone()[0])


def record_session(db: sqlite3.Connection, person: str | int, clip_hash: str,
                   report: Report | None, date: ClipDate) -> int | None:
    """Record ``person``'s session from a clip's report (replacing the one they had from
    that clip); the session's id, or None when the report holds no session (not graded,
    no rep), in which case the person still gets added and any earlier session from that
    clip is removed.

    Call inside the transaction that stores the clip's result.
    """
    person_id = ensure_person(db, person)
    session = None if report is None else session_from_report(report, date, clip_hash)
    if session is None:
        db.execute("DELETE FROM sessions WHERE person_id = ? AND clip_hash = ?",
                   (person_id, clip_hash))
        return None
    row = db.execute(
        "INSERT INTO sessions (person_id, clip_hash, exercise, side, date, date_source,"
        " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (person_id, clip_hash) DO UPDATE SET exercise = excluded.exercise,"
        " side = excluded.side, date = excluded.date, date_source = excluded.date_source,"
        " recorded_at = excluded.recorded_at RETURNING id",
        (person_id, clip_hash, session.exercise, session.side, date.at.isoformat(),
         date.source.value, _now())).fetchone()
    session_id = int(row[0])
    _write_sets(db, session_id, session.sets)
    return session_id


def _write_sets(db: sqlite3.Connection, session_id: int, sets: Sequence[TrainedSet]) -> None:
    db.execute("DELETE FROM sets WHERE session_id = ?", (session_id,))
    db.executemany(
        "INSERT INTO sets (session_id, number, reps, good_reps, rest_before_s, fault_code,"
        " fault_message, fault_cue) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(session_id, number, s.reps, s.good_reps, s.rest_before_s,
          None if s.fault is None else s.fault.code,
          None if s.fault is None else s.fault.message,
          None if s.fault is None else s.fault.cue)
         for number, s in enumerate(sets, start=1)])


def clip_has_sessions(db: sqlite3.Connection, clip_hash: str) -> bool:
    """Whether any session was recorded from the clip."""
    return has_people(db) and db.execute(
        "SELECT 1 FROM sessions WHERE clip_hash = ? LIMIT 1", (clip_hash,)).fetchone() is not None


def refresh_clip_sessions(db: sqlite3.Connection, clip_hash: str, report: Report | None
                          ) -> int:
    """Re-derive every session recorded from a clip from its new report (a clip graded
    again); the sessions left. A report that holds no session removes them."""
    rows = db.execute("SELECT person_id, date, date_source FROM sessions WHERE clip_hash = ?",
                      (clip_hash,)).fetchall()
    kept = 0
    for person_id, date, source in rows:
        when = ClipDate(datetime.fromisoformat(date), DateSource(source))
        kept += record_session(db, int(person_id), clip_hash, report, when) is not None
    return kept


def report_of(report_json: str | None) -> Report | None:
    """A stored report's text as a :class:`Report`, or None."""
    return None if report_json is None else Report.from_dict(json.loads(report_json))


def sessions_of(db: sqlite3.Connection, person_id: int) -> list[TrainedSession]:
    """Every session of the person, by date."""
    sets: dict[int, list[TrainedSet]] = {}
    for row in db.execute(
            "SELECT t.session_id, t.reps, t.good_reps, t.rest_before_s, t.fault_code,"
            " t.fault_message, t.fault_cue FROM sets t JOIN sessions s ON s.id = t.session_id"
            " WHERE s.person_id = ? ORDER BY t.session_id, t.number", (person_id,)):
        fault = None if row[4] is None else SetFault(row[4], row[5] or "", row[6] or "")
        sets.setdefault(int(row[0]), []).append(
            TrainedSet(int(row[1]), int(row[2]), None if row[3] is None else float(row[3]),
                       fault))
    out = []
    for session_id, clip_hash, exercise, side, date, source in db.execute(
            "SELECT id, clip_hash, exercise, side, date, date_source FROM sessions"
            " WHERE person_id = ? ORDER BY date, clip_hash", (person_id,)):
        out.append(TrainedSession(exercise, side, ClipDate(datetime.fromisoformat(date),
                                                           DateSource(source)),
                                  tuple(sets.get(int(session_id), [])), clip=clip_hash,
                                  id=int(session_id)))
    return out


def progress_for(db: sqlite3.Connection, person: str | int, where: str | Path = "the store"
                 ) -> PersonProgress:
    """The person's progress: every session followed through the progression (what the
    reader's and the coach's pages show).

    Raises:
        InputError: no such person (the message lists the people there are).
    """
    found = require_person(db, person, where)
    return progress_of(found.name, sessions_of(db, found.id))


def rename(db: sqlite3.Connection, person: str | int, new_name: str) -> Person:
    """Give a person a new name (a change of case only is allowed).

    Raises:
        InputError: no such person.
        UsageError: another person has the new name (merge them instead).
    """
    found = require_person(db, person)
    name = clean_name(new_name)
    other = find_person(db, name)
    if other is not None and other.id != found.id:
        raise UsageError(f"{other.name!r} is another person: to put {found.name!r}'s sessions"
                         f" with theirs, merge: formcheck people merge {found.name!r}"
                         f" {other.name!r}")
    db.execute("UPDATE people SET name = ? WHERE id = ?", (name, found.id))
    renamed = find_person(db, found.id)
    assert renamed is not None
    return renamed


def merge(db: sqlite3.Connection, source: str | int, into: str | int) -> int:
    """Move every session of ``source`` to ``into`` and remove ``source``; the sessions
    moved. A clip both have a session from keeps ``into``'s. In a web service's store,
    ``source``'s progress links and uploads go to ``into`` too.

    Raises:
        InputError: either is not a person.
        UsageError: they are the same person.
    """
    moving, staying = require_person(db, source), require_person(db, into)
    if moving.id == staying.id:
        raise UsageError(f"{moving.name!r} and {staying.name!r} are the same person")
    db.execute("DELETE FROM sessions WHERE person_id = ? AND clip_hash IN"
               " (SELECT clip_hash FROM sessions WHERE person_id = ?)", (moving.id, staying.id))
    moved = db.execute("UPDATE sessions SET person_id = ? WHERE person_id = ?",
                       (staying.id, moving.id)).rowcount
    if _has_table(db, "readers"):
        # The web service's: the merged reader's progress links and uploads follow, so
        # their browser's next upload, or deleting an upload, is the kept person's.
        db.execute("UPDATE readers SET person_id = ? WHERE person_id = ?",
                   (staying.id, moving.id))
        db.execute("UPDATE submissions SET person_id = ? WHERE person_id = ?",
                   (staying.id, moving.id))
    db.execute("DELETE FROM people WHERE id = ?", (moving.id,))
    return int(moved)


def delete_session(db: sqlite3.Connection, person: str | int, clip_hash: str) -> bool:
    """Remove the person's session from a clip (and its sets); whether there was one."""
    found = require_person(db, person)
    return db.execute("DELETE FROM sessions WHERE person_id = ? AND clip_hash = ?",
                      (found.id, clip_hash)).rowcount > 0


def delete_clip_sessions(db: sqlite3.Connection, clip_hash: str) -> int:
    """Remove every session recorded from a clip; how many."""
    if not has_people(db):
        return 0
    return int(db.execute("DELETE FROM sessions WHERE clip_hash = ?", (clip_hash,)).rowcount)
