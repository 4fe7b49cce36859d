"""The ``formcheck.report/1`` and ``formcheck.progress/1`` contracts as JSON Schemas (draft
2020-12), shipped in the package.

:func:`validate_report` checks a report dict against the first, :func:`validate_progress`
a progress dict against the second. They need the ``jsonschema`` package, which only the
tests install: formcheck itself never validates at run time.
"""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from formcheck.exercises import EXERCISES

#: The schema file inside the installed package (package data, see pyproject.toml).
REPORT_SCHEMA_PATH: Traversable = resources.files("formcheck.reporters").joinpath(
    "report.schema.json")

#: The progress schema (``formcheck progress --json``), beside it.
PROGRESS_SCHEMA_PATH: Traversable = resources.files("formcheck.reporters").joinpath(
    "progress.schema.json")

_VALUE_CHARS = 80  # the longest rejected value quoted whole in a message


def report_schema() -> dict[str, Any]:
    """The ``formcheck.report/1`` JSON Schema, freshly made (the caller may change it).

    The file shipped in the package holds the structure; the names the exercise registry
    decides are filled in here: the exercises (and ``other``), the views they tell apart,
    and the check codes. So a new exercise is in the schema by being registered.
    """
    schema: dict[str, Any] = json.loads(REPORT_SCHEMA_PATH.read_text(encoding="utf-8"))
    views = list(dict.fromkeys(str(view) for e in EXERCISES.values() for view in e.views))
    properties = schema["properties"]
    properties["exercise"]["enum"] = [*EXERCISES, "other"]
    properties["view"]["enum"] = [*views, None]
    schema["$defs"]["check_code"]["enum"] = [code for e in EXERCISES.values()
                                             for code in e.fault_codes]
    return schema


def progress_schema() -> dict[str, Any]:
    """The ``formcheck.progress/1`` JSON Schema, freshly loaded."""
    schema: dict[str, Any] = json.loads(PROGRESS_SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def validate_report(data: dict[str, Any]) -> None:
    """Check a report dict (:meth:`formcheck.analysis.report.Report.to_dict`) against the schema.

    Args:
        data: The report as a JSON object.

    Raises:
        ValueError: The report does not match; the one-line message gives the JSON
            path of the most relevant problem and what is wrong there.
        ModuleNotFoundError: ``jsonschema`` is not installed.
    """
    _validate(data, report_schema(), "formcheck.report/1")


def validate_progress(data: dict[str, Any]) -> None:
    """Check a progress dict (:func:`formcheck.reporters.progress.progress_dict`) against
    its schema; raises as :func:`validate_report` does."""
    _validate(data, progress_schema(), "formcheck.progress/1")


def _validate(data: dict[str, Any], schema: dict[str, Any], title: str) -> None:
    try:
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import best_match
    except ImportError as error:
        raise ModuleNotFoundError(
            "validating a report needs the jsonschema package, which formcheck itself does"
            " not depend on: install the test extra (pip install -e '.[test]')"
            " or pip install jsonschema",
            name="jsonschema",
        ) from error
    validator = Draft202012Validator(schema)
    problem = best_match(validator.iter_errors(data))
    if problem is None:
        return
    value = repr(problem.instance)
    if problem.validator == "not" and problem.validator_value == {}:
        message = f"not allowed here (got {value})"  # e.g. a reason on a graded report
    else:
        message = problem.message
    if len(value) > _VALUE_CHARS:  # messages quote the value: a whole rep is too much
        message = message.replace(value, value[: _VALUE_CHARS - 3] + "...")
    line = f"not a valid {title} object: {problem.json_path}: {message}"
    raise ValueError(" ".join(line.split()))
