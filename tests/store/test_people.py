"""People and their sessions in the store: written with the clip's result in one
transaction, derived again when the clip is, renamed, merged and deleted. No model."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from formcheck.errors import InputError, UsageError
from formcheck.sources.dates import ClipDate, DateSource
from formcheck.store.database import Transaction
from formcheck.store.migrations import MIGRATIONS
from formcheck.store.people import SessionOf, clean_name, record_session
from formcheck.store.results import STORE_NAME, ClipResult, ClipStatus, ResultStore
from tests.factories import HingeRep, Script, grade, hinge_series, legs_exchanged

WHEN = ClipDate(datetime(2026, 11, 2, 7, 30, tzinfo=UTC), DateSource.METADATA)
LATER = ClipDate(datetime(2026, 11, 4, 7, 30, tzinfo=UTC), DateSource.FILE)


@pytest.fixture(scope="module")
def stopping_at_rep_3() -> str:
    """A graded left-leg deadlift report: 2 good reps, the knee bends on rep 3."""
    series = hinge_series(Script([HingeRep(), HingeRep(), HingeRep(knee_flexion_deg=70)],
                                 fps=15))
    return json.dumps(grade(legs_exchanged(series), "sldl").to_dict())


@pytest.fixture(scope="module")
def twelve_good() -> str:
    return json.dumps(grade(hinge_series(Script([HingeRep()] * 12, fps=15)), "sldl").to_dict())


def graded(report_json: str, hash_hex: str = "ab" * 32) -> ClipResult:
    return ClipResult(hash=hash_hex, status=ClipStatus.GRADED, reason=None,
                      report_json=report_json, exercise="auto", seconds=1.0,
                      formcheck_version="1.0", model_sha256=None)


def ungradable(hash_hex: str = "ab" * 32) -> ClipResult:
    return ClipResult(hash=hash_hex, status=ClipStatus.UNGRADABLE, reason="no person",
                      report_json=None, exercise="auto", seconds=1.0,
                      formcheck_version="1.0", model_sha256=None)


def test_a_graded_clip_is_recorded_with_its_session(tmp_path: Path,
                                                    stopping_at_rep_3: str) -> None:
    with ResultStore(tmp_path) as store:
        store.record(graded(stopping_at_rep_3), ["/in/ana/a.mp4"], [SessionOf("ana", WHEN)])
        [session] = store.sessions("Ana")  # any case
        [person] = store.people()
        assert store.get("ab" * 32) is not None
    assert (session.exercise, session.side, session.date, session.clip) == (
        "sldl", "left", WHEN, "ab" * 32)
    assert [(s.reps, s.good_reps, s.rest_before_s) for s in session.sets] == [(3, 2, None)]
    fault = session.sets[0].fault
    assert fault is not None and fault.code == "sldl.stance_knee_bend" and fault.cue
    assert (person.name, person.sessions, person.last_session) == ("ana", 1, WHEN.at)


def test_the_session_and_the_result_are_one_transaction(tmp_path: Path,
                                                        twelve_good: str) -> None:
    with ResultStore(tmp_path) as store:
        with pytest.raises(InputError, match="no person id 99"):
            store.record(graded(twelve_good), ["/in/a.mp4"], [SessionOf(99, WHEN)])
        with pytest.raises(UsageError, match="person name"):
            store.record(graded(twelve_good), ["/in/a.mp4"], [SessionOf("\x1b[2J", WHEN)])
        # Nothing of either: no clip, no path, no person.
        assert store.get("ab" * 32) is None and store.clips() == [] and store.people() == []


def test_a_failure_inside_the_transaction_leaves_nothing(tmp_path: Path,
                                                         twelve_good: str) -> None:
    # What the web service does with its own grading rows: the session inside its transaction.
    from formcheck.store.database import connect

    db = connect(tmp_path)
    with pytest.raises(RuntimeError), Transaction(db):
        record_session(db, "ana", "cd" * 32, None, WHEN)
        raise RuntimeError("the grading's own write failed")
    assert db.execute("SELECT COUNT(*) FROM people").fetchone()[0] == 0
    db.close()


def test_grading_a_clip_again_derives_its_sessions_again(tmp_path: Path, twelve_good: str,
                                                         stopping_at_rep_3: str) -> None:
    with ResultStore(tmp_path) as store:
        store.record(graded(stopping_at_rep_3), ["/in/a.mp4"],
                     [SessionOf("ana", WHEN), SessionOf("bo", WHEN)])
        store.record(graded(twelve_good), ["/in/a.mp4"])  # graded again, e.g. --force
        assert [s.sets[0].good_reps for s in store.sessions("ana")] == [12]
        assert [s.side for s in store.sessions("bo")] == ["right"]
        store.record(ungradable(), ["/in/a.mp4"])  # no session any more; the people stay
        assert store.sessions("ana") == [] and [p.name for p in store.people()] == ["ana", "bo"]


def test_an_ungradable_clip_adds_the_person_but_no_session(tmp_path: Path) -> None:
    with ResultStore(tmp_path) as store:
        store.record(ungradable(), ["/in/a.mp4"], [SessionOf("ana", WHEN)])
        assert store.person("ana").sessions == 0 and store.sessions("ana") == []


def test_recording_the_same_clip_for_a_person_again_replaces_the_session(
        tmp_path: Path, twelve_good: str) -> None:
    with ResultStore(tmp_path) as store:
        store.record(graded(twelve_good), ["/in/a.mp4"], [SessionOf("ana", WHEN)])
        store.record(graded(twelve_good), ["/in/b.mp4"], [SessionOf("ANA", LATER)])
        [session] = store.sessions("ana")
        assert session.date == LATER and len(session.sets) == 1
        assert store.people()[0].name == "ana"  # the name as first given


def test_an_unknown_person_lists_the_people_there_are(tmp_path: Path, twelve_good: str
                                                      ) -> None:
    with ResultStore(tmp_path) as store:
        with pytest.raises(InputError, match="no one has been recorded there yet"):
            store.sessions("ana")
        store.record(graded(twelve_good), [], [SessionOf("ana", WHEN), SessionOf("bo", WHEN)])
        with pytest.raises(InputError, match=r"no person 'cy' in .*: known: ana, bo$"):
            store.sessions("cy")


def test_names_are_tidied_and_checked() -> None:
    assert clean_name("  Ana   María ") == "Ana María"
    assert clean_name("tab\there") == "tab here"
    assert clean_name("x'); DROP TABLE people; --") == "x'); DROP TABLE people; --"
    for bad in ("", "   ", "a" * 81, "bell\x07", "nul\x00", "rtl\u202eoverride"):
        with pytest.raises(UsageError, match="person name"):
            clean_name(bad)


def test_rename_and_its_refusals(tmp_path: Path, twelve_good: str) -> None:
    with ResultStore(tmp_path) as store:
        store.record(graded(twelve_good), [], [SessionOf("ana", WHEN)])
        store.add_person("bo")
        assert store.rename_person("ana", "Ana").name == "Ana"  # case only
        renamed = store.rename_person("Ana", "Ana Lopez")
        assert renamed.name == "Ana Lopez" and renamed.sessions == 1
        assert len(store.sessions("ana lopez")) == 1
        with pytest.raises(UsageError, match=r"another person: .*formcheck people merge"):
            store.rename_person("Ana Lopez", "BO")
        with pytest.raises(InputError, match="known: Ana Lopez, bo"):
            store.rename_person("ana", "cy")


def test_merge_moves_the_sessions_and_keeps_the_target_s_for_a_shared_clip(
        tmp_path: Path, twelve_good: str, stopping_at_rep_3: str) -> None:
    with ResultStore(tmp_path) as store:
        store.record(graded(twelve_good, "11" * 32), [], [SessionOf("ana", WHEN)])
        store.record(graded(stopping_at_rep_3, "22" * 32), [],
                     [SessionOf("ana phone", LATER), SessionOf("ana", WHEN)])
        store.record(graded(twelve_good, "33" * 32), [], [SessionOf("ana phone", LATER)])
        assert store.merge_people("ana phone", "ana") == 1
        sessions = store.sessions("ana")
        assert [(s.clip[:2], s.date) for s in sessions] == [("11", WHEN), ("22", WHEN),
                                                            ("33", LATER)]
        assert [p.name for p in store.people()] == ["ana"]
        with pytest.raises(UsageError, match="the same person"):
            store.merge_people("ana", "ANA")
        with pytest.raises(InputError, match="no person 'ana phone'"):
            store.merge_people("ana phone", "ana")


def test_deleting_a_session_or_a_clip(tmp_path: Path, twelve_good: str) -> None:
    with ResultStore(tmp_path) as store:
        store.record(graded(twelve_good, "11" * 32), ["/in/a.mp4"],
                     [SessionOf("ana", WHEN), SessionOf("bo", WHEN)])
        store.record(graded(twelve_good, "22" * 32), ["/in/b.mp4"], [SessionOf("ana", LATER)])
        assert store.find_clips("1111") == ["11" * 32] and store.find_clips("%") == []
        assert store.delete_session("bo", "11" * 32) is True
        assert store.delete_session("bo", "11" * 32) is False
        assert store.get("11" * 32) is not None  # the result stays
        assert store.delete_clip("11" * 32) == (True, 1)
        assert store.get("11" * 32) is None
        assert [s.clip for s in store.sessions("ana")] == ["22" * 32]
        assert [c.paths for c in store.clips()] == [("/in/b.mp4",)]
        assert store.delete_clip("11" * 32) == (False, 0)
    with sqlite3.connect(tmp_path / STORE_NAME) as db:  # the sets went with their sessions
        assert db.execute("SELECT COUNT(*) FROM sets").fetchone()[0] == 1


def test_a_store_of_the_first_version_gains_the_tables_and_keeps_its_clips(
        tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / STORE_NAME) as db:
        db.executescript(MIGRATIONS[0].sql + "PRAGMA user_version=1;")
        db.execute("INSERT INTO clips VALUES (?, 'failed', 'crash', NULL, 'auto', 1.0, '0.1',"
                   " NULL, '2026-01-01T00:00:00+00:00')", ("ab" * 32,))
    with ResultStore(tmp_path, readonly=True) as store:  # read-only: nothing changes
        assert store.people() == []
        with pytest.raises(InputError, match="no one has been recorded"):
            store.person("ana")
    with ResultStore(tmp_path) as store:
        assert store.get("ab" * 32) is not None
        store.add_person("ana")
    with sqlite3.connect(tmp_path / STORE_NAME) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == MIGRATIONS[-1].version
