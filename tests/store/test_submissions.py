"""The web service's tables: a store written before readers existed (version 4) still reads
(`formcheck results` opens it read-only, so it is not migrated), and migrated it keeps its
submissions, which then have no reader."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from formcheck.store.database import STORE_NAME
from formcheck.store.migrations import MIGRATIONS
from formcheck.store.submissions import SubmissionStore, read_submissions


def _store_at_version_4(folder: Path) -> None:
    db = sqlite3.connect(folder / STORE_NAME)
    for migration in MIGRATIONS[:4]:
        db.executescript(migration.sql)
    db.execute("INSERT INTO gradings (hash, exercise, status, queued_at) VALUES"
               " ('ab', 'auto', 'queued', '2026-12-01T10:00:00.000+00:00')")
    db.execute("INSERT INTO submissions (token_sha256, hash, exercise, name, filename,"
               " consent_review, consent_publish, created_at) VALUES"
               " ('00', 'ab', 'auto', 'Ann', 'a.mp4', 1, 0, '2026-12-01T10:00:00.000+00:00')")
    db.execute("PRAGMA user_version=4")
    db.commit()
    db.close()


def test_a_version_4_store_reads_read_only_and_migrates(tmp_path: Path) -> None:
    _store_at_version_4(tmp_path)
    listed = read_submissions(tmp_path)
    assert [(s.name, s.person_id) for s in listed] == [("Ann", None)]
    with sqlite3.connect(tmp_path / STORE_NAME) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 4  # untouched
    with SubmissionStore(tmp_path) as store:  # opened to write: migrated
        assert [(s.name, s.person_id) for s in store.all()] == [("Ann", None)]
        assert store.delete(listed[0].id) is not None  # no reader: no session to remove
    with sqlite3.connect(tmp_path / STORE_NAME) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == MIGRATIONS[-1].version
