"""The shipped JSON Schema of ``formcheck.report/1``, on reports made without the model."""

from __future__ import annotations

import copy
import json
import sys
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import formcheck
from formcheck.analysis.report import Report
from formcheck.reporters.schema import REPORT_SCHEMA_PATH, report_schema, validate_report
from tests.factories import BridgeRep, HingeRep, Script, bridge_series, grade, hinge_series

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def graded() -> dict[str, Any]:
    report = grade(hinge_series(Script([HingeRep(), HingeRep(knee_flexion_deg=70)])))
    assert report.graded and report.first_bad_rep == 2
    return report.to_dict()


@pytest.fixture(scope="module")
def ungradable() -> dict[str, Any]:
    report = grade(hinge_series(Script([], lead_s=3.0)))
    assert not report.graded and report.reason
    return report.to_dict()


def _rejection(data: dict[str, Any]) -> str:
    with pytest.raises(ValueError) as raised:
        validate_report(data)
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = report_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_the_schema_loads_from_the_installed_package() -> None:
    # importlib.resources finds it beside the package's modules, wherever it is installed.
    assert Path(str(REPORT_SCHEMA_PATH)).parent == Path(formcheck.__file__).parent / "reporters"
    assert report_schema()["title"] == "formcheck.report/1"
    # ... and a wheel carries it: it is declared as package data.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = pyproject["tool"]["setuptools"]["package-data"]["formcheck.reporters"]
    assert "report.schema.json" in package_data


def test_report_schema_gives_a_fresh_copy() -> None:
    report_schema()["required"].clear()
    assert "status" in report_schema()["required"]


def test_graded_and_ungradable_reports_validate(graded: dict[str, Any],
                                                ungradable: dict[str, Any]) -> None:
    assert graded["reps"][1]["faults"] and graded["first_bad_rep"] == 2
    validate_report(graded)
    validate_report(ungradable)
    # What the CLI prints is the same object through JSON.
    validate_report(json.loads(json.dumps(graded)))


def test_bridge_reports_validate() -> None:
    report = grade(bridge_series(Script([BridgeRep()] * 2)))
    data = report.to_dict()
    assert data["exercise"] == "bridge" and data["variant"] in ("double", "single_leg")
    validate_report(data)


def test_every_to_dict_in_the_test_run_is_validated_and_unchanged(graded: dict[str, Any]) -> None:
    # conftest wraps Report.to_dict for the session; the wrapper returns the dict as made.
    unwrapped = Report.to_dict.__wrapped__  # type: ignore[attr-defined]
    report = Report.from_dict(graded)
    assert report.to_dict() == unwrapped(report) == graded
    bad_rep = report.reps[1]
    bad_fault = replace(bad_rep.faults[0], code="Stance knee bend")
    broken = replace(report, reps=(report.reps[0], replace(bad_rep, faults=(bad_fault,))))
    with pytest.raises(ValueError, match=r"\$\.reps\[1\]\.faults\[0\]\.code"):
        broken.to_dict()


@pytest.mark.parametrize("field", ["schema", "status", "video", "exercise", "reps",
                                   "provenance", "detection_rate"])
def test_a_missing_required_field_is_rejected(graded: dict[str, Any], field: str) -> None:
    data = copy.deepcopy(graded)
    del data[field]
    assert f"'{field}' is a required property" in _rejection(data)


def test_missing_fields_inside_reps_and_provenance_are_rejected(graded: dict[str, Any]) -> None:
    data = copy.deepcopy(graded)
    del data["reps"][0]["end_s"]
    assert _rejection(data).endswith("$.reps[0]: 'end_s' is a required property")
    data = copy.deepcopy(graded)
    del data["provenance"]["source_sha256"]
    assert "$.provenance: 'source_sha256' is a required property" in _rejection(data)


@pytest.mark.parametrize("status", ["done", "GRADED", None, 1])
def test_a_wrong_status_is_rejected(graded: dict[str, Any], status: object) -> None:
    data = {**graded, "status": status}
    assert "$.status:" in _rejection(data)


def test_a_wrong_schema_name_is_rejected(graded: dict[str, Any]) -> None:
    assert "$.schema:" in _rejection({**graded, "schema": "formcheck.report/2"})


@pytest.mark.parametrize("code", ["stance_knee_bend", "sldl.Stance", "sldl.knee bend",
                                  "sldl.knee.bend", ".rushed", "sldl.", ""])
def test_a_bad_fault_code_is_rejected(graded: dict[str, Any], code: str) -> None:
    data = copy.deepcopy(graded)
    data["reps"][1]["faults"][0]["code"] = code
    assert "$.reps[1].faults[0].code:" in _rejection(data)


def test_bad_codes_elsewhere_are_rejected(graded: dict[str, Any]) -> None:
    data = copy.deepcopy(graded)
    data["skipped_checks"] = [{"code": "knee valgus", "reason": "needs a rear view"}]
    assert "$.skipped_checks[0].code:" in _rejection(data)
    data = copy.deepcopy(graded)
    data["reps"][0]["uncertain"] = [{"code": "sldl.touch_down"}]
    assert "$.reps[0].uncertain[0]: 'reason' is a required property" in _rejection(data)


def test_reason_is_required_exactly_when_ungradable(graded: dict[str, Any],
                                                    ungradable: dict[str, Any]) -> None:
    without_reason = {k: v for k, v in ungradable.items() if k != "reason"}
    assert "'reason' is a required property" in _rejection(without_reason)
    assert "$.reason: not allowed here" in _rejection({**graded, "reason": "why not"})
    assert "$.reason:" in _rejection({**ungradable, "reason": ""})


@pytest.mark.parametrize(("field", "value"), [("view", "top"), ("view", "Side"),
                                              ("variant", "single"), ("exercise", None),
                                              ("exercise", ""), ("first_bad_rep", 0),
                                              ("total_reps", -1), ("detection_rate", 1.5),
                                              ("good_reps", True)])
def test_values_outside_the_contract_are_rejected(graded: dict[str, Any], field: str,
                                                   value: object) -> None:
    assert f"$.{field}:" in _rejection({**graded, field: value})


def test_the_working_side_was_added_left_right_or_null(graded: dict[str, Any]) -> None:
    assert graded["side"] == "right"  # the factory's hinge stands on the right leg
    for side in ("left", "right", None):
        validate_report({**graded, "side": side})
    for side in ("Left", "both", 0, ""):
        assert "$.side:" in _rejection({**graded, "side": side})
    # Added after the release: a report written before it validates and reads as None.
    older = {k: v for k, v in graded.items() if k != "side"}
    validate_report(older)
    assert Report.from_dict(older).side is None
    assert Report.from_dict(graded).side == "right"


def test_nullable_fields_accept_null(graded: dict[str, Any]) -> None:
    data = copy.deepcopy(graded)
    data.update(view=None, variant=None, first_bad_rep=None)
    data["video"]["frame_count"] = None
    data["provenance"].update(model_sha256=None, source_sha256=None)
    validate_report(data)


@pytest.mark.parametrize("digest", ["abc", "A" * 64, "0" * 63, "g" * 64, "0" * 65])
def test_hashes_are_64_lowercase_hex_characters(graded: dict[str, Any], digest: str) -> None:
    for field in ("model_sha256", "source_sha256", "settings_digest"):
        data = copy.deepcopy(graded)
        data["provenance"][field] = digest
        assert f"$.provenance.{field}:" in _rejection(data)
    data = copy.deepcopy(graded)
    data["provenance"].update(model_sha256="0" * 64, source_sha256="f" * 64)
    validate_report(data)


def test_a_rep_marked_good_must_have_no_faults(graded: dict[str, Any]) -> None:
    data = copy.deepcopy(graded)
    data["reps"][1]["good"] = True
    assert "$.reps[1].faults:" in _rejection(data)
    data = copy.deepcopy(graded)
    data["reps"][0]["good"] = False
    assert "$.reps[0].faults:" in _rejection(data)


def test_metrics_are_numbers(graded: dict[str, Any]) -> None:
    data = copy.deepcopy(graded)
    name = next(iter(data["reps"][0]["metrics"]))
    data["reps"][0]["metrics"][name] = "12"
    assert f"$.reps[0].metrics.{name}:" in _rejection(data)


def test_fields_may_be_added_at_the_top_level_and_in_reps(graded: dict[str, Any]) -> None:
    data = copy.deepcopy(graded)
    data["thumbnail"] = "clip.jpg"
    data["reps"][0]["tempo_s"] = [1.0, 0.5, 1.5]
    validate_report(data)


@pytest.mark.parametrize("where", ["video", "provenance", "faults", "uncertain", "sets",
                                   "skipped_checks"])
def test_closed_objects_refuse_unknown_fields(graded: dict[str, Any], where: str) -> None:
    data = copy.deepcopy(graded)
    data["reps"][0]["uncertain"] = [{"code": "sldl.touch_down", "reason": "feet hidden"}]
    data["skipped_checks"] = [{"code": "sldl.knee_valgus", "reason": "needs a rear view"}]
    assert data["sets"]
    target = {"video": data["video"], "provenance": data["provenance"],
              "faults": data["reps"][1]["faults"][0], "uncertain": data["reps"][0]["uncertain"][0],
              "sets": data["sets"][0], "skipped_checks": data["skipped_checks"][0]}[where]
    validate_report(data)
    target["surprise"] = 1
    assert "('surprise' was unexpected)" in _rejection(data)


def test_a_report_that_is_not_an_object_is_rejected() -> None:
    assert "is not of type 'object'" in _rejection([])  # type: ignore[arg-type]


def test_without_jsonschema_the_error_says_what_to_install(graded: dict[str, Any],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jsonschema", None)
    with pytest.raises(ModuleNotFoundError, match=r"jsonschema.*test extra"):
        validate_report(graded)
