"""The progress JSON against its shipped schema, and the progress page: escaped,
self-contained, the reader's and the coach's, and what headless Chromium shows of it at a
desktop's width and a phone's (screenshots kept in the artifacts folder)."""

from __future__ import annotations

import copy
import os
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import formcheck
from formcheck.analysis.progression import PersonProgress, progress_of
from formcheck.reporters import pages
from formcheck.reporters.progress import (
    progress_context,
    progress_dict,
    progress_svg,
    render_progress_page,
)
from formcheck.reporters.schema import PROGRESS_SCHEMA_PATH, progress_schema, validate_progress
from tests.browser import opened_page
from tests.factories import trained_session as session

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("FORMCHECK_TEST_ARTIFACTS", "/tmp/formcheck-test-artifacts"))


def history(person: str = "ana") -> PersonProgress:
    """Five weeks of a reader: the left leg from technique into build, the right leg back
    from base to technique, a double-leg bridge in base."""
    left = [session(0, 2, stopped=(0,)), session(2, 6, stopped=(0,)), session(4, 12),
            session(7, 12, 12, 12), session(9, 13, 12, 12, rest_s=240.0),
            session(11, 14, 13, 12), session(14, 15, 15, 15), session(16, 16, 15, 15),
            session(18, 18, 16, 14, stopped=(2,)), session(21, 18, 18, 18),
            session(23, 19, 18, 18)]
    right = [session(0, 11, side="right"), session(7, 8, 7, 6, stopped=(0, 1, 2),
                                                   side="right")]
    bridge = [session(day, *good, side="both", exercise="bridge")
              for day, good in ((1, (15,)), (8, (15, 15, 14)), (15, (15, 15, 15)))]
    return progress_of(person, [*left, *right, *bridge])


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    made = progress_dict(history())
    validate_progress(made)
    return made


def _rejection(data: dict[str, Any]) -> str:
    with pytest.raises(ValueError) as raised:
        validate_progress(data)
    return str(raised.value)


def test_the_json_has_the_shape_the_issue_asks_for(data: dict[str, Any]) -> None:
    assert data["schema"] == "formcheck.progress/1" and data["person"] == "ana"
    assert list(data["exercises"]) == ["sldl", "bridge"]
    sldl = data["exercises"]["sldl"]
    first = sldl["sessions"][0]
    assert {"date", "side", "sets"} <= set(first)
    assert set(first["sets"][0]) >= {"reps", "good_reps", "rest_before_s"}
    assert sldl["stage"] in ("technique", "base", "build", "goal")
    assert set(sldl["next_target"]) == {"sets", "reps", "rest_s"}
    # The left leg was worked last (day 23): the exercise's own stage is the left's.
    assert (sldl["side"], sldl["stage"]) == ("left", "build")
    assert sldl["next_target"] == {"sets": 3, "reps": [18, 18], "rest_s": [60.0, 120.0]}
    assert sldl["sides"]["right"]["stage"] == "technique"
    assert sldl["sides"]["right"]["next_target"]["reps"] == [8, 10]
    assert data["exercises"]["bridge"]["sides"]["both"]["stage"] == "base"
    assert "24-48 hours" in data["advice"]


def test_the_schema_is_valid_and_shipped() -> None:
    schema = progress_schema()
    Draft202012Validator.check_schema(schema)
    assert Path(str(PROGRESS_SCHEMA_PATH)).parent == Path(formcheck.__file__).parent / "reporters"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = pyproject["tool"]["setuptools"]["package-data"]["formcheck.reporters"]
    assert "progress.schema.json" in package_data


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d.pop("person"), "'person' is a required property"),
    (lambda d: d["exercises"]["sldl"].update(stage="beginner"), "$.exercises.sldl.stage"),
    (lambda d: d["exercises"]["sldl"]["sessions"][0].update(side="middle"),
     "$.exercises.sldl.sessions[0].side"),
    (lambda d: d["exercises"]["sldl"]["sessions"][0]["sets"][0].update(tempo=1),
     "'tempo' was unexpected"),
    (lambda d: d["exercises"]["sldl"]["next_target"].update(reps=[10, 12, 15]),
     "$.exercises.sldl.next_target.reps"),
    (lambda d: d["exercises"]["sldl"]["sessions"][0].update(date_source="guess"),
     "$.exercises.sldl.sessions[0].date_source"),
    (lambda d: d["exercises"]["sldl"]["sides"].update(middle={}), "$.exercises.sldl.sides"),
    (lambda d: d["exercises"]["sldl"]["sessions"][0]["sets"][0].update(good_reps=-1),
     "good_reps"),
])
def test_the_schema_refuses_what_is_outside_the_contract(data: dict[str, Any], change: Any,
                                                         where: str) -> None:
    broken = copy.deepcopy(data)
    change(broken)
    assert where in _rejection(broken)


def test_fields_may_be_added_where_the_schema_says(data: dict[str, Any]) -> None:
    grown = copy.deepcopy(data)
    grown["generated_by"] = "x"
    grown["exercises"]["sldl"]["weekly"] = []
    grown["exercises"]["sldl"]["sessions"][0]["video"] = "a.mp4"
    grown["exercises"]["sldl"]["sides"]["left"]["streak"] = 1
    validate_progress(grown)


def test_a_person_without_sessions() -> None:
    nobody = progress_of("bo", [])
    assert progress_dict(nobody)["exercises"] == {}
    validate_progress(progress_dict(nobody))
    page = render_progress_page(nobody)
    assert 'id="no-sessions"' in page and "No graded session yet" in page


def test_the_page_escapes_untrusted_text_and_needs_nothing_outside() -> None:
    evil = "<script>alert(1)</script>"
    progress = history(evil)
    track = progress.tracks[0]
    bad = replace(track.judged[0], note=f"stopped: {evil}")
    progress = replace(progress, tracks=(replace(track, judged=(bad, *track.judged[1:])),
                                         *progress.tracks[1:]))
    page = render_progress_page(progress, private_link='https://x.example/p/"><b>')
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="https://x.example/p/&#34;&gt;&lt;b&gt;"' in page
    for outside in ("<link", "@import", "src=\"http", "<img"):
        assert outside not in page, outside
    assert page.count("<svg") == 2  # one plot per exercise


def test_reader_and_coach_pages_differ_only_in_what_the_coach_needs() -> None:
    progress = history()
    reader = render_progress_page(progress)
    coach = render_progress_page(progress, viewer="coach",
                                 clip_link=lambda digest: f"/coach/clips/{digest[:16]}")
    assert "Your progress, ana" in reader and "ana: progress" in coach
    assert "rule <code>up.technique_to_base</code>" in coach and "rule <code>" not in reader
    assert 'href="/coach/clips/' in coach and "/coach/clips/" not in reader
    assert "<details open>" in coach and "<details>" in reader
    with pytest.raises(ValueError, match="viewer"):
        render_progress_page(progress, viewer="admin")  # type: ignore[arg-type]


def test_the_body_goes_into_another_layout_with_the_same_context() -> None:
    # What the web service does: its own page around the same body and style.
    environment = pages.environment()
    layout = environment.from_string(
        "<html><head><style>{% include '_progress_style.css.j2' %}</style></head>"
        "<body><nav>service</nav>{% include '_progress_body.html.j2' %}</body></html>")
    page = layout.render(**progress_context(history(), viewer="coach"))
    assert "<nav>service</nav>" in page and 'id="progress" data-viewer="coach"' in page


def test_the_plot_is_the_same_for_the_same_history() -> None:
    tracks = history().by_exercise()["sldl"]
    assert progress_svg(tracks) == progress_svg(tracks)
    assert "<metadata>" not in progress_svg(tracks)


@pytest.mark.browser
@pytest.mark.parametrize("viewer", ["reader", "coach"])
def test_the_page_in_headless_chromium_on_a_desktop_and_a_phone(tmp_path: Path,
                                                                viewer: str) -> None:
    page_file = tmp_path / f"progress_{viewer}.html"
    page_file.write_text(render_progress_page(history(), viewer=viewer,  # type: ignore[arg-type]
                                              private_link="https://formcheck.example/p/T0K3N"
                                              if viewer == "reader" else None),
                         encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, viewport in (("desktop", {"width": 1280, "height": 900}),
                            ("phone", {"width": 390, "height": 844})):
        with opened_page(page_file, viewport) as opened:
            page = opened.page
            assert opened.console_errors == [] and opened.remote_requests == []
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], (label, width)  # nothing sideways
            plots = page.locator(".pg-plot svg")
            assert plots.count() == 2
            box = plots.first.bounding_box()
            assert box is not None and box["width"] >= min(300, viewport["width"] - 80)
            assert box["height"] > 0.4 * box["width"]
            tracks = page.locator(".pg-track")
            assert tracks.count() == 3
            assert tracks.first.get_attribute("data-stage") == "build"
            next_left = page.locator(".pg-track[data-side=left] .pg-next").inner_text()
            assert next_left == ("Next session: 3 sets of 18 good single-leg deadlifts on the"
                                 " left leg, 1-2 minutes of rest.")
            assert page.locator(".pg-next").first.is_visible()
            rows = page.locator("#exercise-sldl .pg-sessions tbody tr")
            assert rows.count() == 13
            if label == "phone":  # the rows stack: no header, labels before the values
                assert not page.locator("#exercise-sldl .pg-sessions thead").is_visible()
            page.screenshot(path=str(ARTIFACTS / f"progress_{viewer}_{label}.png"),
                            full_page=True)
