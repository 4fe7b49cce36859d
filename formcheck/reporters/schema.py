"""The ``formcheck.report/1`` contract as a JSON Schema (draft 2020-12), shipped in the package.

:func:`validate_report` checks a report dict against it. It needs the ``jsonschema``
package, which only the tests install: formcheck itself never validates at run time.
"""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

#: The schema file inside the installed package (package data, see pyproject.toml).
REPORT_SCHEMA_PATH: Traversable = resources.files("formcheck").joinpath("report.schema.json")

_VALUE_CHARS = 80  # the longest rejected value quoted whole in a message


def report_schema() -> dict[str, Any]:
    """The ``formcheck.report/1`` JSON Schema, freshly loaded (the caller may change it)."""
    schema: dict[str, Any] = json.loads(REPORT_SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def validate_report(data: dict[str, Any]) -> None:
    """Check a report dict (:meth:`formcheck.report.Report.to_dict`) against the schema.

    Args:
        data: The report as a JSON object.

    Raises:
        ValueError: The report does not match; the one-line message gives the JSON
            path of the most relevant problem and what is wrong there.
        ModuleNotFoundError: ``jsonschema`` is not installed.
    """
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
    validator = Draft202012Validator(report_schema())
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
    line = f"not a valid formcheck.report/1 object: {problem.json_path}: {message}"
    raise ValueError(" ".join(line.split()))
