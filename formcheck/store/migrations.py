"""The store's schema, as versioned migrations.

Each migration takes the database from the version before it to its own version
(``PRAGMA user_version``), in one transaction; a new folder gets them all, an older one
the ones it lacks. A migration is never edited once released: a change to the schema is a
new migration at the end of :data:`MIGRATIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One step of the schema.

    Attributes:
        version: The ``user_version`` after it (1, 2, ...).
        about: What it adds, in words.
        sql: The statements (no parameters: only schema).
    """

    version: int
    about: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "batch results: clips by content hash, and the paths they were found at", """
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
"""),
    Migration(2, "progress: people, and each person's graded sessions with their sets", """
CREATE TABLE IF NOT EXISTS people (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    clip_hash TEXT NOT NULL,
    exercise TEXT NOT NULL,
    side TEXT CHECK (side IN ('left', 'right', 'both')),
    date TEXT NOT NULL,
    date_source TEXT NOT NULL CHECK (date_source IN ('metadata', 'file', 'upload')),
    recorded_at TEXT NOT NULL,
    UNIQUE (person_id, clip_hash)
);
CREATE INDEX IF NOT EXISTS sessions_by_clip ON sessions (clip_hash);
CREATE TABLE IF NOT EXISTS sets (
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    number INTEGER NOT NULL CHECK (number >= 1),
    reps INTEGER NOT NULL CHECK (reps >= 1),
    good_reps INTEGER NOT NULL CHECK (good_reps BETWEEN 0 AND reps),
    rest_before_s REAL,
    fault_code TEXT,
    fault_message TEXT,
    fault_cue TEXT,
    PRIMARY KEY (session_id, number)
);
"""),
    Migration(3, "web service: uploaded clips' gradings (a job queue) and readers' submissions", """
CREATE TABLE IF NOT EXISTS gradings (
    hash TEXT NOT NULL,
    exercise TEXT NOT NULL,
    status TEXT NOT NULL
        CHECK (status IN ('queued', 'grading', 'graded', 'ungradable', 'failed')),
    progress REAL NOT NULL DEFAULT 0,
    reason TEXT,
    report_json TEXT,
    duration_s REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    seconds REAL,
    formcheck_version TEXT,
    model_sha256 TEXT,
    queued_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    PRIMARY KEY (hash, exercise)
);
CREATE INDEX IF NOT EXISTS gradings_by_status ON gradings (status, queued_at);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_sha256 TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL,
    exercise TEXT NOT NULL,
    name TEXT NOT NULL,
    filename TEXT NOT NULL,
    consent_review INTEGER NOT NULL CHECK (consent_review IN (0, 1)),
    consent_publish INTEGER NOT NULL CHECK (consent_publish IN (0, 1)),
    consent_name INTEGER NOT NULL DEFAULT 0 CHECK (consent_name IN (0, 1)),
    created_at TEXT NOT NULL,
    FOREIGN KEY (hash, exercise) REFERENCES gradings (hash, exercise)
);
CREATE INDEX IF NOT EXISTS submissions_by_grading ON submissions (hash, exercise);
"""),
    Migration(4, "web service: coach accounts, reviews of submissions, the public gallery", """
CREATE TABLE IF NOT EXISTS coaches (
    name TEXT PRIMARY KEY NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reviews (
    submission_id INTEGER PRIMARY KEY NOT NULL
        REFERENCES submissions (id) ON DELETE CASCADE,
    coach TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    reps_json TEXT NOT NULL,
    reviewed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS features (
    submission_id INTEGER PRIMARY KEY NOT NULL
        REFERENCES submissions (id) ON DELETE CASCADE,
    public_id TEXT NOT NULL UNIQUE,
    coach TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('blurring', 'ready', 'failed')),
    reason TEXT,
    featured_at TEXT NOT NULL
);
"""),
    Migration(5, "web service: readers (a person's private progress links) and whose each"
                 " submission is, with when its clip was filmed", """
CREATE TABLE IF NOT EXISTS readers (
    token_sha256 TEXT PRIMARY KEY NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS readers_by_person ON readers (person_id);
ALTER TABLE submissions ADD COLUMN person_id INTEGER REFERENCES people (id) ON DELETE SET NULL;
ALTER TABLE submissions ADD COLUMN filmed_at TEXT;
ALTER TABLE submissions ADD COLUMN date_source TEXT
    CHECK (date_source IN ('metadata', 'file', 'upload'));
CREATE INDEX IF NOT EXISTS submissions_by_person ON submissions (person_id, hash)
"""),
)

#: The schema version this formcheck writes.
SCHEMA_VERSION = MIGRATIONS[-1].version
