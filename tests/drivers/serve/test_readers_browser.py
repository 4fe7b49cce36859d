"""The reader's and the coach's progress pages in Debian's Chromium (Playwright), on uvicorn
in this process with the stand-in grader (no model): four clips sent through the form from
one browser, the progress link followed, the coach's reader page and its rename form. Each
page is looked at desktop-wide and at 390x844; the screenshots go to the test's tmp dir."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from formcheck.drivers.serve.app import create_app
from formcheck.drivers.serve.desk import add_coach
from formcheck.drivers.serve.settings import ServeSettings
from tests.browser import opened_page
from tests.drivers.serve.conftest import FakeEngine, _factory
from tests.drivers.serve.live_server import ThreadServer
from tests.drivers.serve.test_readers import (
    STOPS_AT_REP_3,
    TWELVE_GOOD,
    grading_by_hash,
    report_json,
    sha256_of,
    tiny_clip,
)

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PASSWORD = "a long coach password"
#: Three sets of 12 good reps, 90 s of rest before the second and the third.
THREE_BY_TWELVE = ((20.0,) * 36, ((12, 90.0), (24, 90.0)))
READER_NAME = "Ann <b>the runner</b>"


def fits_the_width(page: Any) -> bool:
    """Nothing wider than the window (no sideways scrolling on a phone)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def watch(page: Any, errors: list[str], requests: list[str]) -> None:
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))


@pytest.mark.browser
def test_the_progress_pages_of_a_reader_and_of_the_coach(tmp_path: Path) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    days = (16, 20, 23, 26)
    clips = [tiny_clip(tmp_path / f"set-{day}.mp4", seed=day,
                       filmed=datetime(2026, 11, day, 7, 30, tzinfo=UTC)) for day in days]
    scripts = (STOPS_AT_REP_3, TWELVE_GOOD, THREE_BY_TWELVE, THREE_BY_TWELVE)
    engine = FakeEngine(grading_by_hash({sha256_of(clip): report_json(script)
                                         for clip, script in zip(clips, scripts, strict=True)}))
    data = tmp_path / "data"
    add_coach(data, "maria", PASSWORD)
    app = create_app(ServeSettings(data=data), engine_factory=lambda settings: _factory(engine))
    with ThreadServer(app) as server, \
            opened_page(server.url + "/", viewport=VIEWPORTS["phone"]) as opened:
        reader = opened.page
        for i, clip in enumerate(clips):
            reader.goto(server.url + "/")
            if i == 0:
                assert reader.locator("#reader").count() == 0
                reader.fill("#name", READER_NAME)
            else:  # the cookie: the form says whose progress the clip joins
                assert READER_NAME in reader.locator("#reader").inner_text()
                if i == 1:
                    reader.locator("#upload").scroll_into_view_if_needed()
                    reader.screenshot(path=str(shots / "home_with_reader_phone.png"))
            reader.set_input_files("#clip", str(clip))
            reader.check("input[name=consent_review]")
            reader.click("#send")
            reader.wait_for_url("**/s/*")
            reader.wait_for_selector("#verdict", timeout=60_000)
        link = reader.locator("#progress-url").get_attribute("href")
        assert link is not None and link.startswith(server.url + "/progress/")
        assert reader.locator("#progress-line a").first.get_attribute("href") == link
        reader.locator("#progress-link").scroll_into_view_if_needed()
        reader.screenshot(path=str(shots / "result_with_progress_link_phone.png"),
                          full_page=True)

        reader.click("#progress-url")
        reader.wait_for_url("**/progress/*")
        assert reader.locator("h1").first.inner_text() == f"Your progress, {READER_NAME}"
        assert reader.locator(".pg-plot svg").count() == 1
        assert reader.locator("table.pg-sessions tbody tr").count() == 4
        track = reader.locator(".pg-track")
        assert track.get_attribute("data-stage") == "base"
        assert "3 sets of 15 good single-leg deadlifts" in track.inner_text()
        dates = reader.locator("table.pg-sessions tbody tr td[data-label=date]")
        assert "2026-11-26 07:30" in dates.first.inner_text()  # newest first
        assert "filmed" in dates.first.inner_text()
        assert fits_the_width(reader)
        reader.screenshot(path=str(shots / "progress_reader_phone.png"), full_page=True)
        reader.set_viewport_size(VIEWPORTS["desktop"])
        reader.reload()
        assert fits_the_width(reader)
        reader.screenshot(path=str(shots / "progress_reader_desktop.png"), full_page=True)
        assert not opened.console_errors, opened.console_errors
        assert all(url.startswith(server.url) for url in opened.requests), opened.requests

        coach_context = reader.context.browser.new_context(viewport=VIEWPORTS["desktop"])
        coach = coach_context.new_page()
        errors: list[str] = []
        requests: list[str] = []
        watch(coach, errors, requests)
        coach.goto(server.url + "/coach/readers")
        coach.fill("#name", "maria")
        coach.fill("#password", PASSWORD)
        coach.click("#login")
        coach.wait_for_url("**/coach/readers")
        card = coach.locator("#readers a.card")
        assert card.count() == 1 and READER_NAME in card.inner_text()
        assert "sldl right: base" in card.inner_text()
        coach.screenshot(path=str(shots / "coach_readers_desktop.png"), full_page=True)
        card.click()
        coach.wait_for_url("**/coach/readers/*")
        assert coach.locator("h1").first.inner_text() == f"{READER_NAME}: progress"
        assert coach.locator(".pg-plot svg").count() == 1
        rules = coach.locator("table.pg-sessions tbody tr").evaluate_all(
            "rows => rows.map(r => r.getAttribute('data-rule'))")
        assert rules == ["up.step", "met", "up.technique_to_base", "start"]
        assert coach.locator("table.pg-sessions a[href^='/coach/s/']").count() == 4
        assert fits_the_width(coach)
        coach.screenshot(path=str(shots / "coach_reader_desktop.png"), full_page=True)
        coach.set_viewport_size(VIEWPORTS["phone"])
        coach.reload()
        assert fits_the_width(coach)
        coach.screenshot(path=str(shots / "coach_reader_phone.png"), full_page=True)
        coach.click("#people-summary")
        coach.fill("#new-name", "Ann L")
        coach.click("#rename")
        coach.wait_for_selector("#done")
        assert coach.locator("h1").first.inner_text() == "Ann L: progress"
        coach.locator("table.pg-sessions a[href^='/coach/s/']").first.click()
        coach.wait_for_selector("#reader-progress")
        assert not errors, errors
        assert all(url.startswith(server.url) for url in requests), requests

        reader.reload()
        assert reader.locator("h1").first.inner_text() == "Your progress, Ann L"
