"""Rich terminal output for reports: the verdict, the rep table, the warnings."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from formcheck.analysis.outcome import Banner, plural
from formcheck.analysis.report import Report
from formcheck.exercises import check_label

#: The banner's colour in the terminal.
_COLOUR = {Banner.GREEN: "green", Banner.AMBER: "yellow", Banner.RED: "red", Banner.GREY: "dim"}


def print_report(report: Report, console: Console) -> None:
    """The outcome, the verdict, the per-rep table, what to film differently, the
    warnings, and last the checks no view can judge yet."""
    seen = report.glance
    colour = _COLOUR[seen.banner]
    console.print(f"[bold]{escape(report.video.path)}[/]", highlight=False, soft_wrap=True)
    if not report.graded:
        console.print(f"[bold {colour}]Not graded:[/] {escape(report.reason or '')}",
                      highlight=False, soft_wrap=True)
        print_warnings(report, console)
        return
    variant = f" ({report.variant.replace('_', '-')})" if report.variant else ""
    console.print(f"{report.exercise_title}{variant}, filmed from the {report.view}",
                  highlight=False, soft_wrap=True)
    console.print(f"[bold {colour}]{escape(report.verdict)}[/]", highlight=False, soft_wrap=True)
    if seen.doubts:
        console.print(f"[yellow]{seen.outcome.words.capitalize()}:[/]"
                      f" {escape('; '.join(seen.doubts))}", highlight=False, soft_wrap=True)
    if report.reps:
        table = Table(show_edge=False, header_style="bold")
        for column in ("rep", "set", "time (s)", "verdict", "notes"):
            table.add_column(column)
        for i, graded in enumerate(report.reps, start=1):
            verdict = "[green]good[/]" if graded.good else "[red]bad[/]"
            if graded.good and graded.borderline:
                verdict = "[green]good[/] [yellow](borderline)[/]"
            if graded.after_stop:
                verdict += " [dim](after the stop)[/]"
            notes = [escape(f.message) for f in graded.faults]
            notes += [f"[yellow]{escape(b.message)}[/]" for b in graded.borderline]
            notes += [f"[dim]uncertain: {check_label(u.code)} ({escape(u.reason)})[/]"
                      for u in graded.uncertain]
            table.add_row(str(i), str(graded.set_index),
                          f"{graded.rep.start_s:.1f}-{graded.rep.end_s:.1f}", verdict,
                          "; ".join(notes))
        console.print(table)
    if len(report.sets) > 1:
        for s in report.sets:
            rest = f", after {s.rest_before_s:.0f} s rest" if s.rest_before_s else ""
            console.print(f"Set {s.index}: {plural(s.reps, 'rep')}, {s.good_reps} good before"
                          f" the first bad one{rest}", highlight=False, soft_wrap=True)
    for code, reason in report.skipped_checks:
        if code not in report.not_judged:
            console.print(f"[dim]Skipped {escape(reason)}[/]", highlight=False, soft_wrap=True)
    for line in report.filming_advice:
        console.print(f"[dim]Next time: {escape(line)}[/]", highlight=False, soft_wrap=True)
    if report.prescription:
        console.print(escape(report.prescription), highlight=False, soft_wrap=True)
    print_warnings(report, console)
    if report.not_judged:
        console.print(f"[dim]Not judged yet: {', '.join(map(check_label, report.not_judged))}[/]",
                      highlight=False, soft_wrap=True)


def print_warnings(report: Report, console: Console) -> None:
    """One line per warning, with the reps it touches."""
    for warning in report.warnings:
        reps = ""
        if warning.reps:
            label = "rep" if len(warning.reps) == 1 else "reps"
            reps = f" ({label} {', '.join(str(r) for r in warning.reps)})"
        console.print(f"[bold yellow]Warning:[/] {escape(warning.message)}{reps}",
                      highlight=False, soft_wrap=True)
