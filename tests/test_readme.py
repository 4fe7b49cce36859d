"""README.md states the checks' limits and views as the code holds them."""

from __future__ import annotations

import math
import re

import pytest

from formcheck.exercises import EXERCISES, View
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _row(code: str) -> str:
    match = re.search(rf"^\| `{re.escape(code)}` \|.*$", README, flags=re.MULTILINE)
    assert match, f"README has no row for {code}"
    return match.group(0)


@pytest.mark.parametrize("check", [c for e in EXERCISES.values() for c in e.checks],
                         ids=lambda c: f"{c.code}:{c.metric}:{c.fault_when}")
def test_readme_row_matches_the_check(check) -> None:  # type: ignore[no-untyped-def]
    row = _row(check.code)
    sign = ">" if check.fault_when == "above" else "<"
    assert f"{sign} {check.limit:g}" in row
    cells = row.split("|")
    views = cells[-2].strip()
    if views != "all":
        assert views == ", ".join(v.value for v in View if v in check.views)
    else:
        assert check.views == frozenset(View)


@pytest.mark.parametrize("check", [c for e in EXERCISES.values() for c in e.checks
                                   if c.error is not None],
                         ids=lambda c: f"{c.code}:{c.metric}:{c.fault_when}")
def test_readme_margins_are_the_checks(check) -> None:  # type: ignore[no-untyped-def]
    """The "measured to within" cell gives every measured bin of the check's error table in
    the views it is judged from (to 0, 1 or 2 decimals)."""
    cell = _row(check.code).split("|")[-3]
    for i, (edge, p90) in enumerate(zip(check.error.off_side_deg, check.error.p90,
                                        strict=True)):
        judged = check.max_off_side_deg is None or edge <= check.max_off_side_deg
        coarse = i > 0 and "too coarse" in cell  # oblique: skipped, the cell says why
        if math.isfinite(p90) and judged and not coarse:
            numbers = re.findall(r"\d+(?:\.\d+)?", cell)
            assert any(f"{p90:.{d}f}" in numbers for d in (0, 1, 2)), (check.code, p90, cell)


def test_readme_gives_the_install_and_test_commands() -> None:
    assert "pip install -e ." in README
    assert "python -m pytest" in README


def _table_after(heading: str) -> list[list[str]]:
    """The cells of the first table after ``heading``."""
    rest = README[README.index(heading):]
    rows = []
    started = False
    for line in rest.splitlines()[1:]:
        if line.startswith("|"):
            started = True
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if not set("".join(cells)) <= set("- "):
                rows.append(cells)
        elif started:
            break
    return rows[1:]  # without the header


def test_the_exit_code_table_is_the_code_s() -> None:
    from formcheck.errors import ExitCode

    documented = {int(row[0]) for row in _table_after("## Exit codes")}
    assert documented == {int(code) for code in ExitCode}


def test_the_error_codes_and_their_exit_codes_are_the_code_s() -> None:
    from formcheck.errors import (
        ErrorCode,
        ExitCode,
        InputError,
        ModelError,
        TimeLimitError,
        TooShortError,
        UsageError,
    )

    rows = {row[0].strip("`"): int(row[1]) for row in _table_after("**Errors under `--json`.**")}
    assert set(rows) == {code.value for code in ErrorCode}
    raised_by = {UsageError.code: UsageError.exit_code, TooShortError.code:
                 TooShortError.exit_code, TimeLimitError.code: TimeLimitError.exit_code,
                 ModelError.code: ModelError.exit_code, ErrorCode.INTERRUPTED:
                 ExitCode.INTERRUPTED, ErrorCode.BUG: ExitCode.BUG}
    for code in ("missing", "unreadable", "not_a_video", "truncated"):
        raised_by[ErrorCode(code)] = InputError.exit_code
    assert rows == {code.value: int(exit_code) for code, exit_code in raised_by.items()}


def test_the_warning_codes_are_the_code_s() -> None:
    from formcheck.analysis.watch import WARNING_CODES
    from formcheck.reporters.schema import report_schema

    rows = [row[0].strip("`") for row in _table_after("**Warnings.**")]
    assert rows == list(WARNING_CODES)
    description = report_schema()["$defs"]["warning"]["description"]
    assert all(code in description for code in WARNING_CODES)


@pytest.mark.model
def test_the_example_output_is_what_the_program_prints() -> None:
    """The README's "What it prints" block, against the terminal output of the same clip
    (through its saved poses at the default analysis rate: the same report as
    `formcheck analyse` on the clip)."""
    import io

    from rich.console import Console

    from formcheck.drivers.file import analyse_recording
    from formcheck.reporters.terminal import print_report
    from tests.conftest import SAMPLE_VIDEOS, cached_default_poses

    start = README.index("What it prints")
    block = README[README.index("```\n", start) + 4:]
    block = block[:block.index("```\n")]
    clip = "sample_videos/sldl_side_knee_breaks_rep3.mp4"
    assert block.splitlines()[0] == clip
    report = analyse_recording(
        cached_default_poses(SAMPLE_VIDEOS / "sldl_side_knee_breaks_rep3.mp4"))
    out = io.StringIO()
    print_report(report, Console(file=out, width=160))  # as when stdout is not a terminal
    printed = [line.rstrip() for line in out.getvalue().splitlines()]
    assert printed[1:] == block.splitlines()[1:]


def test_every_phase_the_overlay_can_show_is_documented() -> None:
    from formcheck.exercises import EXERCISES

    phases = {"no person", "recognising", "rest"} | {
        phase for exercise in EXERCISES.values() for phase in exercise.phases}
    for phase in phases:
        assert f"`{phase}`" in README, f"README does not name the phase {phase!r}"


def test_the_progress_rules_table_is_the_code_s() -> None:
    from formcheck.analysis.progression import COACH, RULES, RUNNING_ADVICE

    rows = _table_after("## Progress")
    documented = [(row[0].strip("`"), row[1], row[2], row[3]) for row in rows]
    assert documented[:-1] == [(r.code, r.when, r.then, r.source.replace(COACH, "coach"))
                               for r in RULES]
    assert documented[-1][:3] == ("running", "always", RUNNING_ADVICE)
    for command in ("formcheck progress NAME --store DIR", "--person-from-folder",
                    "formcheck schema --progress", "formcheck people merge"):
        assert command in README
