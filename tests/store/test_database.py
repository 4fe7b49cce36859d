"""The store's database: WAL, migrations applied once and in order, a newer store refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from formcheck.errors import InputError
from formcheck.store.database import STORE_NAME, connect
from formcheck.store.migrations import MIGRATIONS, SCHEMA_VERSION


def test_a_new_store_gets_every_migration_in_wal_mode(tmp_path: Path) -> None:
    db = connect(tmp_path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"clips", "paths"} <= tables
    db.close()
    assert [m.version for m in MIGRATIONS] == list(range(1, SCHEMA_VERSION + 1))


def test_an_older_store_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    old = sqlite3.connect(tmp_path / STORE_NAME)
    old.executescript(MIGRATIONS[0].sql)
    old.execute("INSERT INTO paths (path, hash) VALUES (?, ?)", ("/in/a.mp4", "ab"))
    old.execute("PRAGMA user_version=1")
    old.commit()
    old.close()
    db = connect(tmp_path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("SELECT path FROM paths").fetchall() == [("/in/a.mp4",)]
    db.close()
    connect(tmp_path).close()  # again: nothing left to apply, nothing fails


def test_a_store_newer_than_this_formcheck_is_refused(tmp_path: Path) -> None:
    newer = sqlite3.connect(tmp_path / STORE_NAME)
    newer.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    newer.close()
    with pytest.raises(InputError, match="newer than this formcheck"):
        connect(tmp_path)


def test_read_only_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no results in"):
        connect(tmp_path / "none", readonly=True)
    assert not (tmp_path / "none").exists()


def test_the_web_services_tables_are_migrations_of_their_own(tmp_path: Path) -> None:
    db = connect(tmp_path)
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"gradings", "submissions", "coaches", "reviews", "features"} <= tables
    db.close()
    # A batch folder of version 1 gains them, its rows kept.
    old = tmp_path / "old"
    old.mkdir()
    v1 = sqlite3.connect(old / STORE_NAME)
    v1.executescript(MIGRATIONS[0].sql)
    v1.execute("PRAGMA user_version=1")
    v1.commit()
    v1.close()
    connect(old).close()
    with sqlite3.connect(old / STORE_NAME) as again:
        assert again.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
