"""CSV for many reports, on reports made without the model."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import replace
from pathlib import Path

import pytest

from formcheck.analysis.grading import Uncertain
from formcheck.analysis.report import Report
from formcheck.reporters.csv import (
    CLIP_COLUMNS,
    REP_COLUMNS,
    reports_csv_text,
    write_reports_csv,
)
from tests.factories import BridgeRep, HingeRep, Script, bridge_series, grade, hinge_series

MALICIOUS = "=cmd|' /C calc'!A0.mp4"


def _named(report: Report, path: str) -> Report:
    return replace(report, video=replace(report.video, path=path))


@pytest.fixture(scope="module")
def hinge() -> Report:
    report = grade(hinge_series(Script([HingeRep(), HingeRep(knee_flexion_deg=70)])))
    assert report.graded and report.first_bad_rep == 2
    return _named(report, "clips/sldl.mp4")


@pytest.fixture(scope="module")
def bridge() -> Report:
    report = grade(bridge_series(Script([BridgeRep()] * 2)))
    assert report.graded and report.total_reps == 2
    return _named(report, "clips/bridge.mp4")


@pytest.fixture(scope="module")
def ungradable() -> Report:
    report = grade(hinge_series(Script([], lead_s=3.0)))
    assert not report.graded and report.reason
    return _named(report, "clips/empty.mp4")


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_one_row_per_clip_under_a_header(hinge: Report, bridge: Report,
                                         ungradable: Report) -> None:
    text = reports_csv_text([hinge, bridge, ungradable])
    assert text.splitlines()[0] == ",".join(CLIP_COLUMNS)
    rows = _rows(text)
    assert [r["path"] for r in rows] == ["clips/sldl.mp4", "clips/bridge.mp4", "clips/empty.mp4"]
    sldl = rows[0]
    assert sldl["status"] == "graded" and sldl["reason"] == ""
    assert (sldl["exercise"], sldl["variant"], sldl["view"]) == ("sldl", "", "side")
    assert (sldl["total_reps"], sldl["good_reps"], sldl["first_bad_rep"]) == ("2", "1", "2")
    assert sldl["sets"] == str(len(hinge.sets))
    assert sldl["verdict"] == hinge.verdict
    assert sldl["source_sha256"] == ""  # a synthetic series has no file
    assert float(sldl["detection_rate"]) == round(hinge.detection_rate, 3)
    assert rows[1]["exercise"] == "bridge" and rows[1]["variant"] == bridge.variant
    assert rows[1]["first_bad_rep"] == ""


def test_times_are_rounded_to_3_decimals(hinge: Report) -> None:
    report = replace(hinge, video=replace(hinge.video, duration_s=12.3456789))
    assert _rows(reports_csv_text([report]))[0]["duration_s"] == "12.346"
    rep = report.reps[0].rep
    shifted = replace(report.reps[0], rep=replace(rep, start_s=1.23456, peak_s=-0.0004,
                                                  end_s=2.0))
    row = _rows(reports_csv_text([replace(report, reps=(shifted,))], per_rep=True))[0]
    assert (row["start_s"], row["peak_s"], row["end_s"]) == ("1.235", "0.0", "2.0")


def test_an_ungradable_clip_has_its_status_and_reason(ungradable: Report) -> None:
    row = _rows(reports_csv_text([ungradable]))[0]
    assert row["status"] == "ungradable" and row["reason"] == ungradable.reason
    assert row["total_reps"] == "0" and row["first_bad_rep"] == ""
    assert row["verdict"].startswith("Not graded:")


def test_one_row_per_rep(hinge: Report, bridge: Report) -> None:
    text = reports_csv_text([hinge, bridge], per_rep=True)
    assert text.splitlines()[0] == ",".join(REP_COLUMNS)
    rows = _rows(text)
    assert [(r["path"], r["rep"]) for r in rows] == [
        ("clips/sldl.mp4", "1"), ("clips/sldl.mp4", "2"),
        ("clips/bridge.mp4", "1"), ("clips/bridge.mp4", "2")]
    first, second = rows[:2]
    assert (first["good"], first["after_stop"], first["fault_codes"]) == ("true", "false", "")
    assert first["first_fault_message"] == ""
    assert second["good"] == "false"
    assert second["fault_codes"] == ";".join(f.code for f in hinge.reps[1].faults)
    assert second["fault_codes"].startswith("sldl.stance_knee_bend")
    assert second["first_fault_message"] == hinge.reps[1].faults[0].message
    assert second["set"] == str(hinge.reps[1].set_index)
    assert second["ended_by_clip"] == "false"
    assert float(second["start_s"]) == round(hinge.reps[1].rep.start_s, 3)
    assert all(r["status"] == "graded" and r["reason"] == "" for r in rows)


def test_several_codes_are_joined_with_semicolons(hinge: Report) -> None:
    bad = hinge.reps[1]
    faults = (bad.faults[0], replace(bad.faults[0], code="sldl.rushed", message="too fast"))
    two = replace(bad, faults=faults, uncertain=(Uncertain("sldl.touch_down", "feet hidden"),
                                                 Uncertain("sldl.hip_opening", "hips hidden")))
    row = _rows(reports_csv_text([replace(hinge, reps=(two,))], per_rep=True))[0]
    assert row["fault_codes"] == "sldl.stance_knee_bend;sldl.rushed"
    assert row["first_fault_message"] == bad.faults[0].message
    assert row["uncertain_codes"] == "sldl.touch_down;sldl.hip_opening"


def test_an_ungradable_clip_gives_one_row_without_rep_fields(hinge: Report,
                                                             ungradable: Report) -> None:
    rows = _rows(reports_csv_text([ungradable, hinge], per_rep=True))
    assert len(rows) == 1 + hinge.total_reps
    row = rows[0]
    assert (row["path"], row["status"], row["reason"]) == (
        "clips/empty.mp4", "ungradable", ungradable.reason)
    rep_fields = REP_COLUMNS[REP_COLUMNS.index("rep"):]
    assert all(row[column] == "" for column in rep_fields)


def test_no_reports_give_the_header_alone() -> None:
    assert reports_csv_text([]) == ",".join(CLIP_COLUMNS) + "\r\n"
    assert reports_csv_text(iter([]), per_rep=True) == ",".join(REP_COLUMNS) + "\r\n"


@pytest.mark.parametrize("per_rep", [False, True])
def test_a_malicious_file_name_is_neutralised(hinge: Report, per_rep: bool) -> None:
    report = _named(hinge, MALICIOUS)
    rows = _rows(reports_csv_text([report], per_rep=per_rep))
    assert all(r["path"] == "'" + MALICIOUS for r in rows)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised(ungradable: Report, start: str) -> None:
    reason = f"{start}HYPERLINK(\"http://example.invalid\")"
    report = replace(_named(ungradable, start + "1+1.mp4"), reason=reason)
    row = _rows(reports_csv_text([report]))[0]
    assert row["path"] == "'" + start + "1+1.mp4"
    assert row["reason"] == "'" + reason


def test_messages_are_neutralised_too(hinge: Report) -> None:
    bad = hinge.reps[1]
    fault = replace(bad.faults[0], message="@SUM(1+1)*cmd|' /C calc'!A0")
    report = replace(hinge, reps=(replace(bad, faults=(fault,)),))
    row = _rows(reports_csv_text([report], per_rep=True))[0]
    assert row["first_fault_message"] == "'@SUM(1+1)*cmd|' /C calc'!A0"


def test_negative_numbers_stay_numbers(hinge: Report) -> None:
    rep = hinge.reps[0]
    early = replace(rep, rep=replace(rep.rep, start_s=-0.25))
    row = _rows(reports_csv_text([replace(hinge, reps=(early,))], per_rep=True))[0]
    assert row["start_s"] == "-0.25"


def test_quotes_commas_and_newlines_survive(ungradable: Report) -> None:
    path = 'my "best", set\nof bridges.mp4'
    row = _rows(reports_csv_text([_named(ungradable, path)]))[0]
    assert row["path"] == path


def test_the_file_is_written_atomically(tmp_path: Path, hinge: Report, bridge: Report,
                                        ungradable: Report,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out" / "reports.csv"
    target.parent.mkdir()  # formcheck never creates an output folder
    write_reports_csv([hinge, bridge, ungradable], target)
    assert target.read_bytes() == reports_csv_text([hinge, bridge, ungradable]).encode()
    assert os.listdir(target.parent) == ["reports.csv"]  # no temporary file left

    # Rewriting replaces the file whole: a new inode moved into place, never a truncation.
    before = target.stat().st_ino
    write_reports_csv([hinge], target, per_rep=True)
    assert target.stat().st_ino != before
    assert target.read_bytes() == reports_csv_text([hinge], per_rep=True).encode()
    assert os.listdir(target.parent) == ["reports.csv"]

    # A failure while writing leaves the old file as it was, and no temporary file.
    def failing_reports():  # type: ignore[no-untyped-def]
        yield bridge
        raise RuntimeError("disk full")

    old = target.read_bytes()
    with pytest.raises(RuntimeError, match="disk full"):
        write_reports_csv(failing_reports(), target)
    assert target.read_bytes() == old
    assert os.listdir(target.parent) == ["reports.csv"]


def test_non_ascii_file_names_are_written_as_utf8(tmp_path: Path, ungradable: Report) -> None:
    target = tmp_path / "reports.csv"
    write_reports_csv([_named(ungradable, "séance_été.mp4")], target)
    with target.open(encoding="utf-8", newline="") as stream:
        assert next(csv.DictReader(stream))["path"] == "séance_été.mp4"
