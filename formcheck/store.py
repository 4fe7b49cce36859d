"""The batch results store: one SQLite file, ``RESULTS/results.sqlite``.

Clips are keyed by the sha256 of their bytes, so a renamed or copied file is graded
once and every path it was found under is listed. Only the process coordinating a
batch writes; each clip's result is one transaction, committed as soon as it
arrives, so a crash (even SIGKILL) loses at most the clips being graded at that
moment. The database runs in WAL mode, so ``formcheck results`` can read while a
batch writes. Every statement takes SQL parameters; nothing is formatted into SQL.

Schema (``PRAGMA user_version`` = :data:`SCHEMA_VERSION`):

``clips``
    ``hash`` (sha256 hex, key), ``status`` (``graded``, ``ungradable``, ``failed``),
    ``reason`` (why ungradable, or the error of a failure), ``report_json`` (the
    ``formcheck.report/1`` text, or NULL when no report was made), ``exercise``
    (the ``--exercise`` asked for), ``seconds`` (wall time of the grading, s),
    ``formcheck_version``, ``model_sha256``, ``finished_at`` (UTC, ISO 8601).
``paths``
    ``path`` (key, absolute), ``hash``: where each clip was found. A path whose
    content changed points at its new hash.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from formcheck.errors import InputError

#: Name of the database file inside the results folder.
STORE_NAME = "results.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS clips (
    hash TEXT PRIMARY KEY NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('graded', 'ungradable', 'failed')),
    reason TEXT,
    report_json TEXT,
    exercise TEXT NOT NULL,
    seconds REAL NOT NULL,
    formcheck_version TEXT NOT NULL,
    model_sha256 TEXT,
    finished_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS paths (
    path TEXT PRIMARY KEY NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS paths_by_hash ON paths (hash);
"""


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

    def summary(self) -> dict[str, Any]:
        """The fields ``formcheck results --json`` prints for the clip."""
        report = self.result.report or {}
        return {
            "hash": self.result.hash,
            "paths": list(self.paths),
            "status": self.result.status.value,
            "reason": self.result.reason,
            "exercise": report.get("exercise"),
            "total_reps": report.get("total_reps"),
            "good_reps": report.get("good_reps"),
            "first_bad_rep": report.get("first_bad_rep"),
        }


class ResultStore:
    """The SQLite results store of one results folder.

    Use as a context manager. Opened ``readonly``, nothing is created or written.
    """

    def __init__(self, folder: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(folder) / STORE_NAME
        if readonly:
            if not self.path.is_file():
                raise InputError(f"no results in {folder}: run `formcheck batch INBOX -o"
                                 f" {folder}` first")
            self._db = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit mode: transactions are opened explicitly, one per clip.
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL survives a killed process (not a power cut) and is fast.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            # PRAGMA takes no parameters: the literal must match SCHEMA_VERSION.
            self._db.execute("PRAGMA user_version=1")
        self._db.execute("PRAGMA busy_timeout=5000")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            self._db.close()
            raise InputError(f"{self.path}: store version {version} is not {SCHEMA_VERSION}:"
                             " use a new results folder")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def record(self, result: ClipResult, paths: tuple[str, ...] | list[str]) -> None:
        """Store one clip's result and its paths, in one transaction."""
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

    def add_paths(self, hash_hex: str, paths: tuple[str, ...] | list[str]) -> None:
        """Record further paths of a stored clip (one transaction)."""
        with self._transaction():
            self._add_paths(hash_hex, paths)

    def _add_paths(self, hash_hex: str, paths: tuple[str, ...] | list[str]) -> None:
        self._db.executemany(
            "INSERT INTO paths (path, hash) VALUES (?, ?)"
            " ON CONFLICT (path) DO UPDATE SET hash = excluded.hash",
            [(path, hash_hex) for path in paths])

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

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


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on an exception."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")
