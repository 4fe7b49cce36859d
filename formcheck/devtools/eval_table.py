"""``formcheck eval``'s tables for the terminal: per clip, the summary, by view, per fault
code."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from formcheck.devtools.evaluation import Evaluation


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


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
    for column in ("code", "tp", "fp", "fn", "precision", "recall", "F1", "clear found",
                   "within margin", "borderline on fault", "borderline on good"):
        faults.add_column(column)
    for code, counts in sorted(evaluation.faults.items()):
        faults.add_row(code, str(counts.tp), str(counts.fp), str(counts.fn),
                       _fmt(counts.precision), _fmt(counts.recall), _fmt(counts.f1),
                       f"{counts.clear_found}/{counts.clear}", str(counts.within_margin),
                       str(counts.borderline_on_fault), str(counts.borderline_on_good))
    console.print(faults)
    totals = Table(title="faults, clear of the margin or within it", show_edge=False,
                   header_style="bold")
    totals.add_column("measure")
    totals.add_column("result")
    for key, value in evaluation.fault_summary().items():
        totals.add_row(key.replace("_", " "), _rate(value))
    console.print(totals)
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
