"""README.md states the checks' limits and views as the code holds them."""

from __future__ import annotations

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
    from formcheck.clip_warnings import WARNING_CODES
    from formcheck.reporters.schema import report_schema

    rows = [row[0].strip("`") for row in _table_after("**Warnings.**")]
    assert rows == list(WARNING_CODES)
    description = report_schema()["$defs"]["warning"]["description"]
    assert all(code in description for code in WARNING_CODES)
