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
