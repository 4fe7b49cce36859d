"""The coach's tables: accounts, reviews, the gallery (migration 4).

``coaches``
    ``name`` (key), ``password_hash`` (scrypt, see :mod:`formcheck.drivers.serve.passwords`;
    never the password), ``created_at``.
``reviews``
    One per reviewed submission (``submission_id``, deleted with it): ``coach``, ``note``
    (for the whole clip), ``reps_json`` (per rep: ``index``, ``verdict`` = ``agree`` /
    ``good`` / ``bad`` / ``borderline``, ``fault``, ``note``), ``reviewed_at``.
``features``
    One per featured submission (deleted with it): ``public_id`` (the gallery's name for
    it: random, neither the token nor the id), ``coach``, ``status`` = ``blurring`` (the
    face-blurred video is being made) / ``ready`` / ``failed``, ``reason``,
    ``featured_at``.

Every statement takes parameters.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from formcheck.analysis.review import RepReview, reps_from_json, reps_to_json
from formcheck.store.database import Transaction, connect


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Review:
    """A coach's review of one submission."""

    submission_id: int
    coach: str
    note: str
    reps: tuple[RepReview, ...]
    reviewed_at: str


@dataclass(frozen=True)
class Feature:
    """A submission in the gallery (or on its way there)."""

    submission_id: int
    public_id: str
    coach: str
    status: str
    reason: str | None
    featured_at: str


class CoachStore:
    """The coach's tables of one data folder; one per thread."""

    def __init__(self, folder: str | Path, *, readonly: bool = False) -> None:
        self._db = connect(folder, readonly=readonly)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # --- accounts ----------------------------------------------------------------------

    def set_coach(self, name: str, password_hash: str) -> bool:
        """Create the account, or set its password; True when it is new."""
        with Transaction(self._db):
            exists = self._db.execute("SELECT 1 FROM coaches WHERE name = ?",
                                      (name,)).fetchone() is not None
            self._db.execute(
                "INSERT INTO coaches (name, password_hash, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash",
                (name, password_hash, _now()))
        return not exists

    def remove_coach(self, name: str) -> bool:
        with Transaction(self._db):
            cursor = self._db.execute("DELETE FROM coaches WHERE name = ?", (name,))
        return cursor.rowcount == 1

    def password_hash(self, name: str) -> str | None:
        row = self._db.execute("SELECT password_hash FROM coaches WHERE name = ?",
                               (name,)).fetchone()
        return None if row is None else str(row[0])

    def coaches(self) -> list[str]:
        return [name for (name,) in self._db.execute("SELECT name FROM coaches ORDER BY name")]

    # --- reviews -----------------------------------------------------------------------

    def save_review(self, submission_id: int, coach: str, note: str,
                    reps: tuple[RepReview, ...]) -> None:
        with Transaction(self._db):
            self._db.execute(
                "INSERT INTO reviews (submission_id, coach, note, reps_json, reviewed_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (submission_id) DO UPDATE SET"
                " coach = excluded.coach, note = excluded.note,"
                " reps_json = excluded.reps_json, reviewed_at = excluded.reviewed_at",
                (submission_id, coach, note, reps_to_json(reps), _now()))

    def review(self, submission_id: int) -> Review | None:
        row = self._db.execute(
            "SELECT submission_id, coach, note, reps_json, reviewed_at FROM reviews"
            " WHERE submission_id = ?", (submission_id,)).fetchone()
        if row is None:
            return None
        return Review(int(row[0]), row[1], row[2], reps_from_json(row[3]), row[4])

    def reviewed_ids(self) -> set[int]:
        return {int(i) for (i,) in self._db.execute("SELECT submission_id FROM reviews")}

    def reviews(self) -> list[Review]:
        rows = self._db.execute(
            "SELECT submission_id, coach, note, reps_json, reviewed_at FROM reviews"
            " ORDER BY submission_id").fetchall()
        return [Review(int(r[0]), r[1], r[2], reps_from_json(r[3]), r[4]) for r in rows]

    # --- the gallery -------------------------------------------------------------------

    def feature(self, submission_id: int, coach: str) -> Feature:
        """Feature a submission (its blurred video is then to be made); the existing
        feature when it is featured already (a failed one is tried again)."""
        with Transaction(self._db):
            self._db.execute(
                "INSERT INTO features (submission_id, public_id, coach, status, featured_at)"
                " VALUES (?, ?, ?, 'blurring', ?) ON CONFLICT (submission_id) DO UPDATE SET"
                " status = 'blurring', reason = NULL WHERE features.status = 'failed'",
                (submission_id, secrets.token_urlsafe(12), coach, _now()))
        found = self.feature_of(submission_id)
        assert found is not None
        return found

    def unfeature(self, submission_id: int) -> Feature | None:
        """Take a submission out of the gallery; what it was, or None."""
        found = self.feature_of(submission_id)
        with Transaction(self._db):
            self._db.execute("DELETE FROM features WHERE submission_id = ?", (submission_id,))
        return found

    def feature_of(self, submission_id: int) -> Feature | None:
        row = self._db.execute(
            "SELECT submission_id, public_id, coach, status, reason, featured_at FROM features"
            " WHERE submission_id = ?", (submission_id,)).fetchone()
        return None if row is None else Feature(int(row[0]), *row[1:])

    def by_public_id(self, public_id: str) -> Feature | None:
        row = self._db.execute(
            "SELECT submission_id, public_id, coach, status, reason, featured_at FROM features"
            " WHERE public_id = ?", (public_id,)).fetchone()
        return None if row is None else Feature(int(row[0]), *row[1:])

    def features(self, status: str | None = None) -> list[Feature]:
        """Featured submissions, newest first (only those of ``status`` when given)."""
        rows = self._db.execute(
            "SELECT submission_id, public_id, coach, status, reason, featured_at FROM features"
            " WHERE ? IS NULL OR status = ? ORDER BY featured_at DESC", (status, status)
        ).fetchall()
        return [Feature(int(r[0]), *r[1:]) for r in rows]

    def feature_done(self, public_id: str, ok: bool, reason: str | None) -> bool:
        """Record the blurred video made (or why not); False when unfeatured meanwhile."""
        with Transaction(self._db):
            cursor = self._db.execute(
                "UPDATE features SET status = ?, reason = ? WHERE public_id = ?"
                " AND status = 'blurring'", ("ready" if ok else "failed", reason, public_id))
        return cursor.rowcount == 1
