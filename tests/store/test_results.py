"""The SQLite results store: one row per content hash, every path kept, one transaction
per clip. No model needed."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from formcheck.errors import InputError
from formcheck.store.results import STORE_NAME, ClipResult, ClipStatus, ResultStore


def result(hash_hex: str = "ab" * 32, status: ClipStatus = ClipStatus.GRADED,
           reason: str | None = None, report: dict[str, object] | None = None,
           version: str = "1.0", model_sha256: str | None = "cd" * 32) -> ClipResult:
    return ClipResult(hash=hash_hex, status=status, reason=reason,
                      report_json=None if report is None else json.dumps(report),
                      exercise="auto", seconds=1.5, formcheck_version=version,
                      model_sha256=model_sha256)


def _report_dict(good: int, bad_at: int | None, total: int) -> dict[str, object]:
    """A real report's JSON, of ``total`` bridge reps, bad from rep ``bad_at``."""
    from formcheck.analysis.grading import Fault, GradedRep
    from formcheck.analysis.report import Report, Status
    from formcheck.signals.reps import Rep
    from formcheck.sources.frames import VideoInfo

    fault = Fault("bridge.rushed", 0.5, 0.8, "s", 1.0, "too fast", "slow down")
    reps = tuple(GradedRep(Rep(i, 2.0 * i, 2.0 * i + 0.5, 2.0 * i + 1.0, 130.0, 180.0),
                           faults=(fault,) if bad_at is not None and i >= bad_at else (),
                           uncertain=(), metrics={},
                           after_stop=bad_at is not None and i > bad_at)
                 for i in range(1, total + 1))
    return Report(Status.GRADED, VideoInfo("clip.mp4", 640, 480, 30.0, 10.0, 300, "h264"),
                  "bridge", reps=reps).to_dict()


def test_a_result_is_stored_with_all_its_paths(tmp_path: Path) -> None:
    report = _report_dict(1, 2, 4)
    with ResultStore(tmp_path) as store:
        store.record(result(report=report), ["/in/b.mp4", "/in/a.MOV"])
        stored = store.get("ab" * 32)
    assert stored is not None
    assert stored.paths == ("/in/a.MOV", "/in/b.mp4")
    assert stored.result == result(report=report)
    assert stored.summary() == {
        "hash": "ab" * 32, "paths": ["/in/a.MOV", "/in/b.mp4"], "status": "graded",
        "outcome": "graded", "banner": "green", "reason": None, "exercise": "bridge",
        "total_reps": 4, "good_reps": 1, "first_bad_rep": 2, "doubts": [],
        "warning_codes": []}


def test_recording_again_replaces_the_result_and_adds_paths(tmp_path: Path) -> None:
    with ResultStore(tmp_path) as store:
        store.record(result(status=ClipStatus.FAILED, reason="worker crashed"), ["/in/a.mp4"])
        store.record(result(status=ClipStatus.UNGRADABLE, reason="no person"), ["/in/b.mp4"])
        clips = store.clips()
    assert len(clips) == 1
    assert clips[0].result.status is ClipStatus.UNGRADABLE
    assert clips[0].result.reason == "no person"
    assert clips[0].paths == ("/in/a.mp4", "/in/b.mp4")


def test_a_path_whose_content_changed_moves_to_the_new_hash(tmp_path: Path) -> None:
    with ResultStore(tmp_path) as store:
        store.record(result("11" * 32), ["/in/a.mp4"])
        store.record(result("22" * 32), ["/in/a.mp4"])
        old, new = store.get("11" * 32), store.get("22" * 32)
    assert old is not None and old.paths == ()
    assert new is not None and new.paths == ("/in/a.mp4",)


def test_text_that_looks_like_sql_is_stored_verbatim(tmp_path: Path) -> None:
    evil = "/in/x'); DROP TABLE clips; --.mp4"
    with ResultStore(tmp_path) as store:
        store.record(result(reason="'; DELETE FROM paths; --", status=ClipStatus.FAILED), [evil])
        stored = store.get("ab" * 32)
    assert stored is not None and stored.paths == (evil,)
    assert stored.result.reason == "'; DELETE FROM paths; --"


def test_the_store_is_in_wal_mode_and_readable_while_open(tmp_path: Path) -> None:
    with ResultStore(tmp_path) as store:
        store.record(result(), ["/in/a.mp4"])
        with ResultStore(tmp_path, readonly=True) as reader:
            assert len(reader.clips()) == 1
    with sqlite3.connect(tmp_path / STORE_NAME) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_read_only_refuses_writes_and_a_missing_store(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no results in"):
        ResultStore(tmp_path, readonly=True)
    assert not (tmp_path / STORE_NAME).exists()
    with ResultStore(tmp_path) as store:
        store.record(result(), ["/in/a.mp4"])
    with ResultStore(tmp_path, readonly=True) as reader, pytest.raises(sqlite3.OperationalError):
        reader.record(result("ef" * 32), ["/in/b.mp4"])


def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    with ResultStore(tmp_path) as store:
        with pytest.raises(sqlite3.IntegrityError):
            # a NULL path breaks the paths insert, after the clip row went in
            store.record(result(), [None])  # type: ignore[list-item]
        assert store.clips() == []
