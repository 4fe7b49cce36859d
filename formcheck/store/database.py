"""Opening the store's SQLite database: WAL mode, migrations, transactions.

One database per results folder (``RESULTS/results.sqlite``). Opened for writing, it is
put in WAL mode (readers, such as ``formcheck results`` or the web service's pages, read
while a writer writes) and brought up to :data:`~formcheck.store.migrations.SCHEMA_VERSION`
by the migrations it lacks; opened read-only, nothing is created or changed. Every
statement elsewhere takes SQL parameters; nothing is formatted into SQL.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import TracebackType

from formcheck.errors import InputError
from formcheck.store.migrations import MIGRATIONS, SCHEMA_VERSION

#: Name of the database file inside the results folder.
STORE_NAME = "results.sqlite"
#: How long a statement waits for another connection's write lock, milliseconds.
BUSY_TIMEOUT_MS = 5000


def connect(folder: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """The database of the results folder ``folder``, migrated to the current schema.

    The connection is in autocommit mode: open transactions with :class:`Transaction`.

    Raises:
        InputError: read-only and there is no store; or the store is newer than this
            formcheck.
    """
    path = Path(folder) / STORE_NAME
    if readonly:
        if not path.is_file():
            raise InputError(f"no results in {folder}: run `formcheck batch INBOX -o"
                             f" {folder}` first")
        db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True,
                             check_same_thread=False)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL survives a killed process (not a power cut) and is fast.
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS:d}")
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        db.close()
        raise InputError(f"{path}: store version {version} is newer than this formcheck's"
                         f" {SCHEMA_VERSION}: upgrade formcheck, or use a new results folder")
    if not readonly:
        migrate(db)
    return db


def migrate(db: sqlite3.Connection) -> None:
    """Apply the migrations ``db`` lacks, each in its own transaction."""
    for migration in MIGRATIONS:
        with Transaction(db):
            current = int(db.execute("PRAGMA user_version").fetchone()[0])
            if current >= migration.version:
                continue
            for statement in _statements(migration.sql):
                db.execute(statement)
            # PRAGMA takes no parameters; the version is an int from the code.
            db.execute(f"PRAGMA user_version={migration.version:d}")


def _statements(sql: str) -> list[str]:
    """The statements of a migration's script (inside a transaction, where
    ``executescript`` cannot be used: it commits first)."""
    return [s.strip() for s in sql.split(";") if s.strip()]


class Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on an exception."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")
