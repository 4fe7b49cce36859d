"""``formcheck results``: the stored clips as a terminal table or CSV, and the batch's
progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from formcheck.drivers.batch.run import BatchProgress
from formcheck.store.results import ClipResult, ClipStatus, StoredClip
from formcheck.store.submissions import Submission


def results_csv(clips: list[StoredClip], path: Path, *, per_rep: bool = False) -> None:
    """Write the stored clips as CSV with :mod:`formcheck.reporters.csv`'s columns.

    Clips with a stored report use it; the others (failed, or ungradable before a
    report could be made) get one row with their status and the reason. The path
    column lists every path of the clip, separated by ``;``.
    """
    import csv
    import io

    from formcheck.analysis.report import Report, Status
    from formcheck.fileio import atomic_path
    from formcheck.reporters.csv import reports_csv_text
    from formcheck.sources.frames import VideoInfo

    reports: list[Report] = []
    statuses: list[tuple[str, int]] = []  # (status to show, rows of this clip)
    for clip in clips:
        all_paths = "; ".join(clip.paths)
        data = clip.result.report
        if data is not None:
            report = Report.from_dict(data)
            report = _with_path(report, all_paths)
        else:
            report = Report(status=Status.UNGRADABLE,
                            video=VideoInfo(path=all_paths, width=0, height=0, fps=0.0,
                                            duration_s=0.0, frame_count=None, codec=""),
                            exercise="", reason=clip.result.reason)
        reports.append(report)
        rows = max(1, len(report.reps)) if per_rep else 1
        statuses.append((clip.result.status.value, rows))
    text = reports_csv_text(reports, per_rep=per_rep)
    table = list(csv.reader(io.StringIO(text, newline="")))
    header, body = table[0], table[1:]
    status_column = header.index("status")
    row = 0
    for status, rows in statuses:
        for offset in range(rows):
            body[row + offset][status_column] = status
        row += rows
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(body)


def _with_path(report: Any, path: str) -> Any:
    from dataclasses import replace

    return replace(report, video=replace(report.video, path=path))


#: The banner's colour in the terminal.
_COLOUR = {"green": "green", "amber": "yellow", "red": "red", "grey": "dim"}


def results_table(clips: list[StoredClip]) -> Any:
    """A rich table of the stored clips, for the terminal: each clip's outcome in the
    words and colour of every report, what casts doubt on it, and its verdict or reason."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{len(clips)} clip(s)")
    for column in ("hash", "paths", "outcome", "exercise", "reps", "good", "first bad",
                   "verdict / reason"):
        table.add_column(column, overflow="fold")
    for clip in clips:
        summary = clip.summary()
        report = clip.result.report or {}
        seen = clip.glance

        def cell(value: object) -> str:
            return "" if value is None else str(value)

        outcome = f"[{_COLOUR[seen.banner.value]}]{seen.outcome.words}[/]"
        verdict = escape(report.get("verdict") or cell(summary["reason"]))
        if seen.doubts:
            verdict += f"\n[yellow]{escape('; '.join(seen.doubts))}[/]"
        table.add_row(clip.result.hash[:12], escape("\n".join(clip.paths)), outcome,
                      cell(summary["exercise"]), cell(summary["total_reps"]),
                      cell(summary["good_reps"]), cell(summary["first_bad_rep"]), verdict)
    return table


class RichBatchProgress(BatchProgress):
    """A rich progress bar on stderr: done, failed, time left. Silent when stderr is not
    a terminal."""

    def __init__(self, console: Any) -> None:
        self._console = console
        self._progress: Any = None
        self._task: Any = None
        self._failed = 0

    def start(self, total: int) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        if not self._console.is_terminal or total == 0:
            return
        self._progress = Progress(TextColumn("batch"), BarColumn(), MofNCompleteColumn(),
                                  TextColumn("{task.fields[failed]} failed"),
                                  TimeRemainingColumn(), console=self._console)
        self._task = self._progress.add_task("batch", total=total, failed=0)
        self._progress.start()

    def clip_done(self, result: ClipResult) -> None:
        if result.status is ClipStatus.FAILED:
            self._failed += 1
        if self._progress is not None:
            self._progress.update(self._task, advance=1, failed=self._failed)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def submission_summary(submission: Submission) -> dict[str, Any]:
    """One web submission as ``formcheck results --json`` lists it: a clip's fields (its
    outcome in the vocabulary of every report, once graded), and who sent it."""
    grading = submission.grading
    report = grading.report or {}
    seen = _submission_glance(submission)
    return {
        "source": "submission",
        "submission": submission.id,
        "name": submission.name,
        "created_at": submission.created_at,
        "hash": submission.hash,
        "paths": [],
        "status": grading.status.value,
        "outcome": seen.outcome.value if seen else None,
        "banner": seen.banner.value if seen else None,
        "reason": grading.reason,
        "exercise": report.get("exercise"),
        "total_reps": report.get("total_reps"),
        "good_reps": report.get("good_reps"),
        "first_bad_rep": report.get("first_bad_rep"),
        "doubts": list(seen.doubts) if seen else [],
        "warning_codes": [w["code"] for w in grading.warnings],
    }


def _submission_glance(submission: Submission) -> Any:
    """The outcome of a finished grading (as a stored batch clip's), or None before."""
    from formcheck.store.results import ClipResult

    grading = submission.grading
    if not grading.status.done:
        return None
    result = ClipResult(hash=grading.hash, status=ClipStatus(grading.status.value),
                        reason=grading.reason, report_json=grading.report_json,
                        exercise=grading.exercise, seconds=0.0, formcheck_version="",
                        model_sha256=None)
    return StoredClip(result=result, paths=(), finished_at=grading.finished_at or "").glance


def submissions_table(submissions: list[Submission]) -> Any:
    """A rich table of the web service's submissions, newest first."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{len(submissions)} submission(s) to formcheck serve")
    for column in ("id", "sent (UTC)", "name", "hash", "outcome", "reps", "good",
                   "first bad", "verdict / reason"):
        table.add_column(column, overflow="fold")
    for submission in submissions:
        summary = submission_summary(submission)
        report = submission.grading.report or {}
        seen = _submission_glance(submission)

        def cell(value: object) -> str:
            return "" if value is None else escape(str(value))

        outcome = (f"[{_COLOUR[seen.banner.value]}]{seen.outcome.words}[/]" if seen
                   else summary["status"])
        verdict = cell(report.get("verdict") or summary["reason"])
        if seen is not None and seen.doubts:
            verdict += f"\n[yellow]{escape('; '.join(seen.doubts))}[/]"
        table.add_row(str(submission.id), submission.created_at[:19], cell(submission.name),
                      submission.hash[:12], outcome, cell(summary["total_reps"]),
                      cell(summary["good_reps"]), cell(summary["first_bad_rep"]), verdict)
    return table
