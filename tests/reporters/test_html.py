"""The HTML report: self-contained, escaped, and what a real browser shows."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from formcheck.analysis.report import Report
from formcheck.drivers.run import ClipRun
from formcheck.reporters.html import render_html, write_html
from formcheck.reporters.key_frames import KeyFrames
from formcheck.reporters.overlay import Overlay
from formcheck.reporters.trace import SessionTrace
from formcheck.sources.file import VideoFile
from tests.browser import opened_page
from tests.conftest import SAMPLE_VIDEOS, cached_poses
from tests.factories import HingeRep, Script, hinge_series, session_for

ARTIFACTS = Path(os.environ.get("FORMCHECK_TEST_ARTIFACTS", "/tmp/formcheck-test-artifacts"))


def _synthetic(path: str = "clip.mp4") -> tuple[Report, SessionTrace]:
    """A graded synthetic deadlift (rep 2 bad) and its frame-by-frame trace."""
    series = hinge_series(Script([HingeRep(), HingeRep(knee_flexion_deg=70), HingeRep()]))
    session = session_for(series)
    trace = SessionTrace()
    for i in range(len(series)):
        events = session.feed(series.sample(i))
        trace.add(session.state, events, None)
    trace.add(session.state, session.end(), None)
    report = session.report()
    return replace(report, video=replace(report.video, path=path)), trace


def test_page_is_self_contained_and_escapes_untrusted_text(tmp_path: Path) -> None:
    report, trace = _synthetic('<img src=x onerror=alert(1)>.mp4')
    page = render_html(report, trace)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "1 good rep" in page and "stance knee bent" in page
    assert "<svg" in page  # the plot is inline
    for remote in ("http://", "https://", "<link", "@import", "<script"):
        assert remote not in page.replace("http://www.w3.org", ""), remote
    target = tmp_path / "report.html"
    write_html(target, report, trace)
    assert target.read_text(encoding="utf-8") == page
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_warnings_have_their_section_escaped() -> None:
    from formcheck.analysis.report import ReportWarning

    report, trace = _synthetic()
    assert 'id="warnings"' not in render_html(report, trace)
    warned = replace(report, warnings=(
        ReportWarning("cut", "a cut at 4.2 s <b>edited</b>", 4.2, (2,)),
        ReportWarning("poorly_lit", "the clip is dark", None, ())))
    page = render_html(warned, trace)
    assert 'id="warnings"' in page and 'data-code="cut"' in page
    assert "a cut at 4.2 s &lt;b&gt;edited&lt;/b&gt;" in page and "(rep 2)" in page
    assert "the clip is dark" in page


def test_a_borderline_rep_shows_good_borderline_with_its_reading_escaped() -> None:
    from formcheck.analysis.grading import Borderline

    report, trace = _synthetic()
    near = Borderline("sldl.stance_knee_bend", 57.0, 55.0, "deg", 6.0, 1.0,
                      "borderline stance knee bend: 57 degrees against 55 <i>", "keep it soft")
    first = replace(report.reps[0], borderline=(near,))
    page = render_html(replace(report, reps=(first, *report.reps[1:])), trace)
    assert 'good <span class="borderline">(borderline)</span>' in page
    assert "borderline stance knee bend: 57 degrees against 55 &lt;i&gt;" in page
    assert page.count("(borderline)") == 1


def test_plot_covers_the_reps_before_recognition() -> None:
    report, trace = _synthetic()
    signal = trace.signal
    first = report.reps[0].rep
    t = trace.t_s
    during_first = (t >= first.start_s) & (t <= first.end_s)
    assert during_first.any() and not any(s != s for s in signal[during_first])


@pytest.mark.model
@pytest.mark.browser
def test_report_opens_in_headless_chromium_without_errors_or_network(tmp_path: Path) -> None:
    clip = SAMPLE_VIDEOS / "sldl_side_knee_breaks_rep3.mp4"
    recording = cached_poses(clip)
    trace, key_frames = SessionTrace(), KeyFrames()
    # The saved poses with the decoded frames, through one run: the page's pictures come
    # from that pass, as they do from `formcheck analyse --html`.
    run = ClipRun(recording.video, sinks=[trace, key_frames])
    with VideoFile(clip) as video:
        report = run.run(zip(recording.raw_samples(), video.frames(), strict=True))
    page_path = tmp_path / "report.html"
    write_html(page_path, report, trace, key_frames=key_frames, draw=Overlay().draw_pose)
    with opened_page(page_path, viewport={"width": 412, "height": 915}) as opened:  # a phone
        page = opened.page
        assert page.inner_text("#good-reps") == "2 good reps"
        assert "count stopped at rep 3" in page.inner_text("#verdict")
        assert page.locator("#reps tbody tr").count() == 5
        assert page.locator("figure img").count() == 5
        # Nothing overflows the phone's width.
        assert page.evaluate("document.documentElement.scrollWidth") <= 412
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report_phone.png"), full_page=True)
    assert opened.console_errors == []
    assert opened.remote_requests == []
