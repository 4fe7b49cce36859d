"""The terminal report: quiet (a check no view can judge is one line at the end, never
advice), every uncertain check with its reason, the outcome in words."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from formcheck.analysis.grading import Borderline, GradedRep, Uncertain
from formcheck.analysis.report import Report, Status
from formcheck.drivers.file import analyse_recording
from formcheck.reporters.terminal import print_report
from formcheck.signals.reps import Rep
from formcheck.sources.frames import VideoInfo
from tests.conftest import SAMPLE_VIDEOS, cached_poses


def _printed(report: Report) -> list[str]:
    out = io.StringIO()
    print_report(report, Console(file=out, width=160))
    return [line.rstrip() for line in out.getvalue().splitlines()]


def test_an_uncertain_check_is_printed_with_its_reason() -> None:
    cut = Uncertain("bridge.rushed", "the clip ended before the rep did")
    reps = (GradedRep(Rep(1, 1.0, 2.0, 3.0, 130.0, 180.0), (), (), {}),
            GradedRep(Rep(2, 4.0, 5.0, 5.6, 130.0, 180.0, ended_by_clip=True), (), (cut,), {}))
    report = Report(Status.GRADED, VideoInfo("clip.mp4", 640, 480, 30.0, 6.0, 180, "h264"),
                    "bridge", reps=reps)
    lines = _printed(report)
    assert any("uncertain: rushed (the clip ended before the rep did)" in line
               for line in lines), lines
    # It casts doubt on the count, and the outcome says so.
    assert report.glance.banner.value == "amber"
    assert "Graded with warnings: rushed not judged on rep 2" in lines


def test_a_borderline_rep_is_good_and_says_its_reading_margin_and_how_to_film() -> None:
    near = Borderline("bridge.hyperextension", 198.0, 195.0, "deg", 7.7, 2.0,
                      "borderline hyperextension: 198 degrees against 195, measured to within"
                      " 8 degrees from this camera angle: film from the side, camera at hip"
                      " height, to be sure", "squeeze the glutes, do not arch the back")
    reps = (GradedRep(Rep(1, 1.0, 2.0, 3.0, 130.0, 180.0), (), (), {}, borderline=(near,)),
            GradedRep(Rep(2, 4.0, 5.0, 6.0, 130.0, 180.0), (), (), {}))
    report = Report(Status.GRADED, VideoInfo("clip.mp4", 640, 480, 30.0, 7.0, 210, "h264"),
                    "bridge", view="side", reps=reps)
    assert report.good_reps == 2  # a borderline rep does not stop the count
    assert report.verdict == ("2 good reps, with 1 borderline (rep 1): hyperextension read"
                              " past the limit by less than this camera angle's measurement"
                              " error; see each rep for how to film to be sure.")
    row = next(line for line in _printed(report) if line.lstrip().startswith("1 "))
    assert "good (borderline)" in row
    assert "198 degrees against 195, measured to within 8 degrees" in row
    assert report.glance.banner.value == "amber"  # a doubt, said at a glance


@pytest.mark.model
@pytest.mark.parametrize("clip", sorted(p.name for p in SAMPLE_VIDEOS.glob("*.mp4")))
def test_no_sample_prints_a_yet_line_as_advice(clip: str) -> None:
    """A check no camera view can judge yet is said once, at the end, never as advice."""
    report = analyse_recording(cached_poses(SAMPLE_VIDEOS / clip))
    lines = _printed(report)
    advice = [line for line in lines if line.startswith(("Next time:", "Skipped"))]
    assert not any("yet" in line for line in advice), advice
    assert sum(line.startswith("Not judged yet:") for line in lines) == (
        1 if report.not_judged else 0)
    if report.not_judged:
        assert lines[-1].startswith("Not judged yet:")
    assert not any(" 1 good reps" in line or " 1 reps" in line for line in lines), lines
