"""The reader's flow in Debian's Chromium (Playwright) against a real server: upload a
sample clip through the form, and the result page turns into the verdict by itself.
Screenshots at a desktop width and at 390x844 go to FORMCHECK_TEST_ARTIFACTS."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser import opened_page
from tests.conftest import SAMPLE_VIDEOS
from tests.drivers.serve.live_server import LiveServer

ARTIFACTS = Path(os.environ.get("FORMCHECK_TEST_ARTIFACTS", "/tmp/formcheck-test-artifacts"))
CLIP = SAMPLE_VIDEOS / "bridge_single_leg_pelvic_drop_oblique.mp4"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.model
@pytest.mark.browser
def test_a_reader_uploads_and_the_page_turns_into_the_verdict(tmp_path: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with LiveServer(tmp_path / "data", "--workers", "1") as server:
        with opened_page(server.url + "/", viewport=VIEWPORTS["phone"]) as opened:
            page = opened.page
            page.screenshot(path=str(ARTIFACTS / "serve_home_phone.png"), full_page=True)
            page.set_input_files("#clip", str(CLIP))
            page.fill("#name", "Ann <b>the runner</b>")
            page.check("input[name=consent_review]")
            page.click("#send")
            page.wait_for_url("**/s/*")
            result_url = page.url
            assert page.locator("#sent-by").inner_text().startswith("Sent by Ann <b>the runner")
            page.screenshot(path=str(ARTIFACTS / "serve_waiting_phone.png"), full_page=True)
            # No reload by hand: the page's script polls the API and reloads once graded.
            page.wait_for_selector("#verdict", timeout=240_000)
            assert "good rep" in page.locator(".verdict").inner_text()
            assert page.locator("#reps tbody tr").count() >= 1
            assert page.locator("video").count() == 1
            assert page.evaluate("document.querySelector('video').readyState") >= 0
            page.screenshot(path=str(ARTIFACTS / "serve_result_phone.png"), full_page=True)
            # The clip is the first session of the reader's progress, dated by its upload
            # (the rendered sample has no creation time).
            progress_link = page.locator("#progress-url").get_attribute("href")
            assert progress_link is not None
            page.goto(progress_link)
            assert page.locator("h1").first.inner_text() == "Your progress, Ann <b>the runner</b>"
            sessions = page.locator("table.pg-sessions tbody tr")
            assert sessions.count() == 1 and "uploaded" in sessions.inner_text()
            assert page.locator(".pg-plot svg").count() == 1
            page.screenshot(path=str(ARTIFACTS / "serve_progress_phone.png"), full_page=True)
            assert not opened.console_errors, opened.console_errors
            assert all(url.startswith(server.url) or url.startswith("data:")
                       for url in opened.requests)
        with opened_page(result_url, viewport=VIEWPORTS["desktop"]) as opened:
            opened.page.wait_for_selector("#verdict")
            opened.page.screenshot(path=str(ARTIFACTS / "serve_result_desktop.png"),
                                   full_page=True)
            video_ok = opened.page.evaluate(
                "new Promise(done => { const v = document.querySelector('video');"
                " v.addEventListener('loadedmetadata', () => done(v.duration > 1));"
                " v.addEventListener('error', () => done(false)); v.load(); })")
            assert video_ok  # the H.264 video plays in Chromium
            assert not opened.console_errors, opened.console_errors
        with opened_page(server.url + "/", viewport=VIEWPORTS["desktop"]) as opened:
            opened.page.screenshot(path=str(ARTIFACTS / "serve_home_desktop.png"),
                                   full_page=True)


def _frame_png(video: Path, at_s: float, target: Path) -> None:
    """Save the frame of ``video`` at ``at_s`` as a PNG (to look at)."""
    import cv2

    from formcheck.sources.file import VideoFile

    with VideoFile(video) as opened:
        for frame in opened.frames():
            if frame.t_s >= at_s:
                cv2.imwrite(str(target), cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR))
                return
    raise AssertionError(f"{video} ends before {at_s} s")


@pytest.mark.model
@pytest.mark.browser
def test_the_coach_reviews_features_and_the_gallery_shows_it_blurred(tmp_path: Path) -> None:
    import subprocess
    import sys

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = tmp_path / "data"
    password = "a long coach password"
    subprocess.run([sys.executable, "-m", "formcheck", "coach", "add", "maria", "--data",
                    str(data)], input=password + "\n", text=True, check=True, timeout=60)
    clip = SAMPLE_VIDEOS / "sldl_side_good.mp4"  # a face in profile, well lit
    with LiveServer(data, "--workers", "1") as server:
        with opened_page(server.url + "/", viewport=VIEWPORTS["phone"]) as opened:
            reader = opened.page
            reader.set_input_files("#clip", str(clip))
            reader.fill("#name", "<script>alert('ann')</script>")
            reader.check("input[name=consent_review]")
            reader.check("input[name=consent_publish]")
            reader.click("#send")
            reader.wait_for_url("**/s/*")
            reader_url = reader.url
            reader.wait_for_selector("#verdict", timeout=240_000)
            before = reader.locator("#good-reps").inner_text()

            coach_context = reader.context.browser.new_context(viewport=VIEWPORTS["desktop"])
            coach = coach_context.new_page()
            coach.goto(server.url + "/coach")
            assert "/coach/login" in coach.url
            coach.screenshot(path=str(ARTIFACTS / "coach_login_desktop.png"), full_page=True)
            coach.fill("#name", "maria")
            coach.fill("#password", password)
            coach.click("#login")
            coach.wait_for_url("**/coach")
            card = coach.locator("a.card").first
            assert "<script>alert('ann')</script>" in card.locator(".reader").inner_text()
            coach.screenshot(path=str(ARTIFACTS / "coach_queue_desktop.png"), full_page=True)
            card.click()
            coach.wait_for_selector("#review-form")
            coach.select_option("select[name=rep-2-verdict]", "bad:sldl.partial_range")
            coach.fill("input[name=rep-2-note]", "Hinge further: trunk to horizontal.")
            coach.fill("#note", "Lovely balance, Ann. Rep 2 was shallow.")
            coach.click("#save-review")
            coach.wait_for_selector("#saved")
            coach.screenshot(path=str(ARTIFACTS / "coach_review_desktop.png"), full_page=True)
            coach.click("#feature")
            coach.wait_for_selector("#feature-state")

            reader.goto(reader_url)
            review_text = reader.locator("#review").inner_text()
            assert "Lovely balance, Ann. Rep 2 was shallow." in review_text
            assert reader.locator("#review-count").inner_text() == "1 good rep"
            assert "Hinge further" in reader.locator("#review-reps").inner_text()
            assert before != "1 good rep"
            reader.screenshot(path=str(ARTIFACTS / "reader_reviewed_phone.png"), full_page=True)

            gallery = coach_context.new_page()
            for _ in range(600):  # the blurred video is made by a worker: until it appears
                gallery.goto(server.url + "/gallery")
                if gallery.locator("#gallery video").count():
                    break
                gallery.wait_for_timeout(500)
            assert gallery.locator("#gallery video").count() == 1
            text = gallery.locator("#gallery").inner_text()
            assert "Lovely balance" in text and "alert" not in text  # no name: not allowed
            gallery.screenshot(path=str(ARTIFACTS / "gallery_desktop.png"), full_page=True)
            gallery.set_viewport_size(VIEWPORTS["phone"])
            gallery.screenshot(path=str(ARTIFACTS / "gallery_phone.png"), full_page=True)
            coach.set_viewport_size(VIEWPORTS["phone"])
            coach.goto(server.url + "/coach")
            coach.screenshot(path=str(ARTIFACTS / "coach_queue_phone.png"), full_page=True)
            coach.locator("a.card").first.click()
            coach.wait_for_selector("#review-form")
            coach.screenshot(path=str(ARTIFACTS / "coach_review_phone.png"), full_page=True)
            assert not opened.console_errors, opened.console_errors

        blurred = next((data / "gallery").glob("*.mp4"))
        _frame_png(blurred, 3.2, ARTIFACTS / "gallery_frame.png")
        _frame_png(data / "uploads" / next((data / "uploads").iterdir()).name / "auto"
                   / "annotated.mp4", 3.2, ARTIFACTS / "gallery_frame_unblurred.png")
        import urllib.request

        with urllib.request.urlopen(f"{server.url}/gallery/{blurred.stem}.mp4") as answer:
            assert answer.status == 200 and answer.headers["content-type"] == "video/mp4"
