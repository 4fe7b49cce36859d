"""Markdown tables of an evaluation, by view and by fault code, for BENCHMARKS.md.

    formcheck eval benchmarks/out/holdout/labels.json --json > holdout.json
    python benchmarks/eval_tables.py holdout.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

MEASURES = ("exercise_recognised", "rep_count_exact", "good_reps_exact",
            "good_reps_right_within_margins", "clean_clips_with_a_fault",
            "declined_naming_the_exercise")


def rate_cell(value: dict[str, Any] | None) -> str:
    """A measure's cell: ok/of, or - when nothing was measured."""
    return f"{value['ok']}/{value['of']}" if value and value["of"] else "-"


def f1_cell(counts: dict[str, Any] | None) -> str:
    """A fault code's cell: F1 (tp/fp/fn), or -."""
    if counts is None:
        return "-"
    f1 = "-" if counts["f1"] is None else f"{counts['f1']:.2f}"
    return f"{f1} ({counts['tp']}/{counts['fp']}/{counts['fn']})"


def tables(evaluation: dict[str, Any]) -> str:
    """The summary by view, fault F1 (tp/fp/fn) by code and view, then by code the clear
    faults found, the borderlines and the false faults."""
    lines = ["| exercise and view | clips | " + " | ".join(m.replace("_", " ") for m in MEASURES)
             + " |", "| --- " * (len(MEASURES) + 2) + "|"]
    rows = {**evaluation["by_view"], "all": evaluation["summary"]}
    for name, summary in rows.items():
        lines.append(f"| {name} | {summary['clips']} | "
                     + " | ".join(rate_cell(summary.get(m)) for m in MEASURES) + " |")
    views = sorted(evaluation["faults_by_view"])
    lines += ["", "| code | all views | " + " | ".join(views) + " |",
              "| --- " * (len(views) + 2) + "|"]
    for code, counts in sorted(evaluation["faults"].items()):
        cells = [f1_cell(evaluation["faults_by_view"][view].get(code)) for view in views]
        lines.append(f"| `{code}` | {f1_cell(counts)} | " + " | ".join(cells) + " |")
    lines += ["", "| code | clear faults found | within the margin | borderline on a fault |"
              " borderline on a good rep | false faults |", "| --- " * 6 + "|"]
    for code, c in sorted(evaluation["faults"].items()):
        lines.append(f"| `{code}` | {c['clear_found']}/{c['clear']} | {c['within_margin']} |"
                     f" {c['borderline_on_fault']} | {c['borderline_on_good']} | {c['fp']} |")
    total = evaluation["fault_summary"]
    lines.append(f"| all | {rate_cell(total['clear_faults_found'])} |"
                 f" {total['faults_within_margin']} | {total['borderline_on_faults']} |"
                 f" {total['borderline_on_good_reps']} | {total['false_faults']} |")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python benchmarks/eval_tables.py EVALUATION.json")
    print(tables(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))


if __name__ == "__main__":
    main()
