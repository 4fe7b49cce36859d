"""JSON output: the report (``formcheck.report/1``) and the evaluation (``formcheck.eval/1``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from formcheck.fileio import write_text_atomic


def dumps(data: dict[str, Any]) -> str:
    """One JSON object on one line; NaN is refused (it is not JSON)."""
    return json.dumps(data, allow_nan=False)


def print_json(data: dict[str, Any], stream: IO[str]) -> None:
    """Write one JSON object and a newline to ``stream``."""
    stream.write(dumps(data))
    stream.write("\n")


def write_json(data: dict[str, Any], path: str | Path) -> None:
    """Write one JSON object to ``path`` atomically (never half a file)."""
    write_text_atomic(path, dumps(data) + "\n")
