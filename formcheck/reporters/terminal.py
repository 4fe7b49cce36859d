"""Rich terminal output for reports and evaluations."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from formcheck.evaluation import Evaluation
from formcheck.report import Report


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_report(report: Report, console: Console) -> None:
    """The verdict, the per-rep table, skipped checks and advice."""
    console.print(f"[bold]{escape(report.video.path)}[/]", highlight=False)
    if not report.graded:
        console.print(f"[yellow]Not graded:[/] {escape(report.reason or '')}", highlight=False)
        print_warnings(report, console)
        return
    variant = f" ({report.variant.replace('_', '-')})" if report.variant else ""
    console.print(f"{report.exercise_title}{variant}, filmed from the {report.view}",
                  highlight=False)
    colour = "green" if report.first_bad_rep is None else "yellow"
    console.print(f"[bold {colour}]{report.verdict}[/]", highlight=False)
    if report.reps:
        table = Table(show_edge=False, header_style="bold")
        for column in ("rep", "set", "time (s)", "verdict", "notes"):
            table.add_column(column)
        for i, graded in enumerate(report.reps, start=1):
            verdict = "[green]good[/]" if graded.good else "[red]bad[/]"
            if graded.after_stop:
                verdict += " [dim](after the stop)[/]"
            notes = "; ".join(f.message for f in graded.faults)
            if graded.uncertain:
                uncertain = ", ".join(u.code.split(".", 1)[1] for u in graded.uncertain)
                notes = "; ".join(filter(None, [notes, f"[dim]uncertain: {uncertain}[/]"]))
            table.add_row(str(i), str(graded.set_index),
                          f"{graded.rep.start_s:.1f}-{graded.rep.end_s:.1f}", verdict, notes)
        console.print(table)
    if len(report.sets) > 1:
        for s in report.sets:
            rest = f", after {s.rest_before_s:.0f} s rest" if s.rest_before_s else ""
            console.print(f"Set {s.index}: {s.reps} reps, {s.good_reps} good before the first"
                          f" bad one{rest}", highlight=False)
    for _, reason in report.skipped_checks:
        console.print(f"[dim]Skipped {reason}[/]", highlight=False)
    for line in report.filming_advice:
        console.print(f"[dim]Next time: {line}[/]", highlight=False)
    if report.prescription:
        console.print(report.prescription, highlight=False)
    print_warnings(report, console)


def print_warnings(report: Report, console: Console) -> None:
    """One line per warning, with the reps it touches."""
    for warning in report.warnings:
        reps = ""
        if warning.reps:
            label = "rep" if len(warning.reps) == 1 else "reps"
            reps = f" ({label} {', '.join(str(r) for r in warning.reps)})"
        console.print(f"[bold yellow]Warning:[/] {escape(warning.message)}{reps}",
                      highlight=False)


def print_evaluation(evaluation: Evaluation, console: Console) -> None:
    """Per-clip rows, the summary, and per-fault precision/recall/F1."""
    clips = Table(title="clips", show_edge=False, header_style="bold")
    for column in ("clip", "label", "predicted", "reps", "label reps", "good", "label good"):
        clips.add_column(column)
    for c in evaluation.clips:
        mark = " [red]x[/]" if c.exercise_ok is False else ""
        if c.error is not None:
            mark += " [red](error)[/]"
        reps_mark = "" if c.reps_exact in (None, True) else " [red]x[/]"
        good_mark = "" if c.good_exact in (None, True) else " [red]x[/]"
        clips.add_row(c.file, c.label_exercise, c.predicted_exercise + mark,
                      f"{c.total_reps}{reps_mark}", _none(c.label_total_reps),
                      f"{c.good_reps}{good_mark}", _none(c.label_good_reps))
    console.print(clips)
    summary = evaluation.summary()
    table = Table(title="summary", show_edge=False, header_style="bold")
    table.add_column("measure")
    table.add_column("result")
    for key, value in summary.items():
        table.add_row(key.replace("_", " "), _rate(value))
    console.print(table)
    summaries = evaluation.by_view()
    if summaries:
        view_table = Table(title="by view", show_edge=False, header_style="bold")
        keys = ("clips", "exercise_recognised", "rep_count_exact", "good_reps_exact",
                "clean_clips_with_a_fault")
        view_table.add_column("exercise and view")
        for key in keys:
            view_table.add_column(key.replace("_", " "))
        for name, view_summary in summaries.items():
            view_table.add_row(name, *(_rate(view_summary[key]) for key in keys))
        console.print(view_table)
    faults = Table(title="faults (rep level)", show_edge=False, header_style="bold")
    for column in ("code", "tp", "fp", "fn", "precision", "recall", "F1"):
        faults.add_column(column)
    for code, counts in sorted(evaluation.faults.items()):
        faults.add_row(code, str(counts.tp), str(counts.fp), str(counts.fn),
                       _fmt(counts.precision), _fmt(counts.recall), _fmt(counts.f1))
    console.print(faults)
    views = sorted(evaluation.faults_by_view)
    if views:
        code_table = Table(title="fault F1 by view (tp/fp/fn)", show_edge=False,
                           header_style="bold")
        code_table.add_column("code")
        for view in views:
            code_table.add_column(view)
        for code in sorted(evaluation.faults):
            cells = []
            for view in views:
                in_view = evaluation.faults_by_view[view].get(code)
                cells.append("-" if in_view is None else
                             f"{_fmt(in_view.f1)} ({in_view.tp}/{in_view.fp}/{in_view.fn})")
            code_table.add_row(code, *cells)
        console.print(code_table)

    for c in evaluation.clips:
        if c.error is not None:
            console.print(f"[red]Not analysed:[/] {escape(c.error)}", highlight=False)


def _rate(value: object) -> str:
    """``ok/of (rate%)`` for a rate, the value otherwise."""
    if isinstance(value, dict):
        return f"{value['ok']}/{value['of']}" + (
            f" ({100 * value['rate']:.0f}%)" if value["rate"] is not None else "")
    return _none(value)


def _none(value: object) -> str:
    return "-" if value is None else str(value)
