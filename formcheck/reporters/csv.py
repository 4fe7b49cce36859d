"""CSV output for many reports: one row per clip, or one row per rep.

The files are meant to be opened in a spreadsheet, so text that came from outside
(file names, messages that quote them) is neutralised against formula injection: a
text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading apostrophe. Numbers formcheck writes itself are left as numbers (a negative
number is a number). Times (seconds) and the detection rate are rounded to 3
decimals for readability; the JSON report keeps full precision.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from formcheck.analysis.report import Report
from formcheck.fileio import atomic_path

CLIP_COLUMNS = (
    "path", "status", "reason", "exercise", "variant", "view", "total_reps", "good_reps",
    "first_bad_rep", "sets", "detection_rate", "verdict", "duration_s", "source_sha256",
    "warning_codes", "outcome",
)
REP_COLUMNS = (
    "path", "status", "reason", "exercise", "view", "rep", "set", "start_s", "peak_s", "end_s",
    "good", "after_stop", "ended_by_clip", "fault_codes", "first_fault_message",
    "uncertain_codes", "warning_codes", "borderline_codes",
)

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_DECIMALS = 3

Row = list[str | int | float]


def _text(value: str | None) -> str:
    """Untrusted text, made inert in a spreadsheet (CSV injection)."""
    if value is None:
        return ""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _number(value: float | None) -> float | str:
    # + 0.0 turns the -0.0 that rounding a tiny negative gives into 0.0
    return "" if value is None else round(value, _DECIMALS) + 0.0


def _count(value: int | None) -> int | str:
    return "" if value is None else value


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _clip_row(report: Report) -> Row:
    return [
        _text(report.video.path),
        _text(report.status.value),
        _text(report.reason),
        _text(report.exercise),
        _text(report.variant),
        _text(None if report.view is None else report.view.value),
        report.total_reps,
        report.good_reps,
        _count(report.first_bad_rep),
        len(report.sets),
        _number(report.detection_rate),
        _text(report.verdict),
        _number(report.video.duration_s),
        _text(report.provenance.source_sha256),
        _text(_codes(w.code for w in report.warnings)),
        _text(report.glance.outcome.value),
    ]


def _codes(codes: Iterable[str]) -> str:
    """Codes joined by ``;``, each once, in order."""
    return ";".join(dict.fromkeys(codes))


def _rep_rows(report: Report) -> Iterator[Row]:
    clip: Row = [
        _text(report.video.path),
        _text(report.status.value),
        _text(report.reason),
        _text(report.exercise),
        _text(None if report.view is None else report.view.value),
    ]
    if not report.reps:
        # An ungradable clip, or a graded one without a rep, still shows up once.
        empty_rep: Row = [""] * (len(REP_COLUMNS) - len(clip))
        yield clip + empty_rep
        return
    for index, graded in enumerate(report.reps, start=1):
        rep = graded.rep
        yield [
            *clip,
            index,
            graded.set_index,
            _number(rep.start_s),
            _number(rep.peak_s),
            _number(rep.end_s),
            _flag(graded.good),
            _flag(graded.after_stop),
            _flag(rep.ended_by_clip),
            _text(";".join(f.code for f in graded.faults)),
            _text(graded.faults[0].message if graded.faults else None),
            _text(";".join(u.code for u in graded.uncertain)),
            _text(_codes(w.code for w in report.warnings if index in w.reps)),
            _text(";".join(b.code for b in graded.borderline)),
        ]


def _write_rows(reports: Iterable[Report], stream: IO[str], *, per_rep: bool) -> None:
    """Write the header and the rows to a text stream opened with ``newline=""``."""
    writer = csv.writer(stream)
    writer.writerow(REP_COLUMNS if per_rep else CLIP_COLUMNS)
    for report in reports:
        if per_rep:
            writer.writerows(_rep_rows(report))
        else:
            writer.writerow(_clip_row(report))


def reports_csv_text(reports: Iterable[Report], *, per_rep: bool = False) -> str:
    """The CSV as a string: a header, then the rows (ending in ``\\r\\n``, as RFC 4180 says).

    Args:
        reports: Reports in the order their rows should appear (iterated once).
        per_rep: One row per rep (columns :data:`REP_COLUMNS`) instead of one per clip
            (:data:`CLIP_COLUMNS`). A clip without reps (ungradable, or graded with
            none found) still gets one row, with its status and reason and the rep
            fields empty.
    """
    buffer = io.StringIO(newline="")
    _write_rows(reports, buffer, per_rep=per_rep)
    return buffer.getvalue()


def write_reports_csv(reports: Iterable[Report], path: str | Path, *,
                      per_rep: bool = False) -> None:
    """Write :func:`reports_csv_text`'s CSV to ``path`` (UTF-8), atomically.

    The rows go to a temporary file beside ``path`` that replaces it whole once
    complete, so a failure part-way leaves any earlier file as it was.
    """
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as stream:
        _write_rows(reports, stream, per_rep=per_rep)
