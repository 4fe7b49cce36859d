"""Warnings about a clip, time limits and the error object, without the model."""

from __future__ import annotations

import csv
import io
import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from formcheck.analysis.events import FrameState, PersonFound, PersonLost
from formcheck.analysis.report import Report, ReportWarning, error_dict
from formcheck.analysis.watch import ClipWatch, WatchSettings
from formcheck.drivers.time_limits import TimeLimits, within_time_limit
from formcheck.errors import ErrorCode, TimeLimitError, TooShortError
from formcheck.pose.landmarks import Landmark as L
from formcheck.reporters.csv import reports_csv_text
from formcheck.reporters.schema import validate_report
from formcheck.reporters.terminal import print_report
from formcheck.sources.frames import Frame, VideoInfo
from tests.factories import HingeRep, Script, grade, hinge_series

INFO = VideoInfo("clip.mp4", 64, 48, 30.0, 10.0, 300, "h264")


def _frames(times: list[float], level: int = 128, *, cut_at: float | None = None
            ) -> Iterator[Frame]:
    """Grey frames with a little moving texture; from ``cut_at`` on, another picture."""
    other = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    for i, t in enumerate(times):
        image = np.full((48, 64, 3), level, np.uint8)
        if cut_at is not None and t >= cut_at:
            image = other.copy()
        image[:, (i % 8) * 8:(i % 8) * 8 + 4] = min(255, level + 10)
        yield Frame(i, t, image)


def _watch(times: list[float], info: VideoInfo = INFO, **frames_options: object) -> ClipWatch:
    watch = ClipWatch(info, WatchSettings(sample_px=16 * 720 // 48))  # every pixel of 48 rows
    for _ in watch.frames(_frames(times, **frames_options)):  # type: ignore[arg-type]
        pass
    return watch


@pytest.fixture(scope="module")
def graded() -> Report:
    report = grade(hinge_series(Script([HingeRep(), HingeRep(), HingeRep()])))
    assert report.graded and report.total_reps == 3
    return report


def _codes(warnings: tuple[ReportWarning, ...]) -> list[str]:
    return [w.code for w in warnings]


def test_a_continuous_well_lit_clip_has_no_warning(graded: Report) -> None:
    watch = _watch([i / 30 for i in range(300)])
    assert watch.warnings(graded) == ()
    watch.check_length()


def test_a_file_that_ends_before_its_declared_duration_is_called_cut_off(graded: Report
                                                                          ) -> None:
    info = replace(INFO, duration_s=20.2, frame_count=606)
    watch = _watch([i / 30 for i in range(273)], info)  # ends at 9.1 s
    (warning,) = watch.warnings(graded)
    assert warning.code == "truncated"
    assert "ends at 9.1 s of its 20.2 s" in warning.message and "cut off" in warning.message
    assert warning.at_s == pytest.approx(9.1)
    # Reps reaching past the cut are named (the factory's reps run until about 14 s).
    assert warning.reps == tuple(i for i, r in enumerate(graded.reps, 1) if r.rep.end_s >= 9.1)


def test_a_few_missing_tail_frames_are_not_a_cut_off_file(graded: Report) -> None:
    info = replace(INFO, duration_s=10.05, frame_count=302)
    assert _watch([i / 30 for i in range(300)], info).warnings(graded) == ()


def test_a_decoding_error_is_a_truncated_warning(graded: Report) -> None:
    watch = _watch([i / 30 for i in range(300)])
    (warning,) = watch.warnings(graded, decode_error="Invalid data found")
    assert warning.code == "truncated" and "Invalid data found" in warning.message


def test_implausible_frame_rates_are_reported(graded: Report) -> None:
    slow = _watch([float(i) for i in range(60)], replace(INFO, fps=1.0, duration_s=60.0))
    assert "frame_rate" in _codes(slow.warnings(graded))
    fast = _watch([i / 1000 for i in range(60)], replace(INFO, fps=1000.0, duration_s=0.06))
    with pytest.raises(TooShortError, match="1000 frames per second"):
        fast.check_length()


@pytest.mark.parametrize("times", [[0.0], [0.0, 0.033], [i / 30 for i in range(12)]],
                         ids=["one frame", "two frames", "0.4 s"])
def test_a_clip_under_half_a_second_is_too_short_to_grade(times: list[float]) -> None:
    with pytest.raises(TooShortError) as raised:
        _watch(times).check_length()
    assert raised.value.code is ErrorCode.TOO_SHORT and int(raised.value.exit_code) == 4


def test_timestamps_that_go_back_are_skipped_and_reported(graded: Report) -> None:
    times = [i / 30 for i in range(150)] + [2.0, 2.1] + [5.0 + i / 30 for i in range(150)]
    watch = ClipWatch(INFO)
    kept = [f.t_s for f in watch.frames(_frames(times))]
    assert kept == sorted(kept) and len(kept) == 300
    warning = next(w for w in watch.warnings(graded) if w.code == "timestamps")
    assert "2 frames went back in time" in warning.message


def test_a_dark_clip_is_poorly_lit(graded: Report) -> None:
    watch = _watch([i / 30 for i in range(60)], level=20)
    assert "poorly_lit" in _codes(watch.warnings(graded))
    assert "poorly_lit" not in _codes(_watch([i / 30 for i in range(60)], level=120)
                                      .warnings(graded))


def test_a_hard_cut_is_found_at_its_time_with_the_rep_it_falls_in(graded: Report) -> None:
    rep = graded.reps[1].rep
    middle = round((rep.start_s + rep.end_s) / 2 * 30) / 30
    watch = _watch([i / 30 for i in range(450)], cut_at=middle)
    cuts = [w for w in watch.warnings(graded) if w.code == "cut"]
    assert len(cuts) == 1
    assert cuts[0].at_s == pytest.approx(middle) and cuts[0].reps == (2,)


def test_the_person_leaving_the_frame_is_reported_with_the_reps_it_touches(graded: Report
                                                                           ) -> None:
    watch = _watch([i / 30 for i in range(450)])
    lost_at = graded.reps[2].rep.start_s + 0.2
    watch.observe(_state(0.0), [PersonFound(0.0)])
    watch.observe(_state(0.5), [PersonLost(0.5)])
    watch.observe(_state(0.6), [PersonFound(0.6)])  # a blink of the model: not a warning
    watch.observe(_state(lost_at), [PersonLost(lost_at)])
    (left,) = [w for w in watch.warnings(graded) if w.code == "person_left"]
    assert f"left the frame at {lost_at:.1f} s and did not come back" in left.message
    assert left.reps == (3,)


def _state(t_s: float, exercise: str | None = None, pose: str | None = None) -> FrameState:
    """A frame's state; ``pose`` draws a standing or a lying person (pixels, y down)."""
    landmarks = np.full((33, 2), np.nan)
    if pose is not None:
        if pose == "standing":
            shoulder, hip, knee = (300.0, 200.0), (300.0, 400.0), (305.0, 550.0)
        else:  # on the back, knees up
            shoulder, hip, knee = (100.0, 600.0), (300.0, 590.0), (420.0, 480.0)
        for left, right, xy in ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER, shoulder),
                                (L.LEFT_HIP, L.RIGHT_HIP, hip),
                                (L.LEFT_KNEE, L.RIGHT_KNEE, knee)):
            landmarks[left] = landmarks[right] = xy
    return FrameState(t_s, pose is not None, exercise, None, "rest", 0, 0, 0, False,
                      landmarks_px=landmarks)


def test_a_change_of_exercise_seen_by_the_session_is_a_warning_on_the_reps_after_it(
        graded: Report) -> None:
    from formcheck.analysis.events import ExerciseChanged

    watch = _watch([i / 30 for i in range(30)])
    watch.observe(_state(12.5, "sldl", "lying"), [ExerciseChanged(12.5, "sldl", "bridge", 8.0)])
    (changed,) = [w for w in watch.warnings(graded) if w.code == "exercise_changed"]
    assert changed.at_s == 8.0
    assert "from 8.0 s this looks like a glute bridge" in changed.message
    assert changed.reps == tuple(i for i, r in enumerate(graded.reps, start=1)
                                 if r.rep.end_s >= 8.0)
    assert "exercise_changed" not in _codes(_watch([0.0, 0.1]).warnings(graded))


def test_warnings_round_trip_validate_and_show_everywhere(graded: Report) -> None:
    warnings = (ReportWarning("truncated", "the file ends at 9.1 s of its 20.2 s", 9.1, (2, 3)),
                ReportWarning("poorly_lit", "the clip is dark", None, ()))
    report = replace(graded, warnings=warnings)
    data = report.to_dict()  # validated against the schema by conftest
    assert data["warnings"][0] == {"code": "truncated", "at_s": 9.1, "reps": [2, 3],
                                   "message": "the file ends at 9.1 s of its 20.2 s"}
    assert Report.from_dict(json.loads(json.dumps(data))) == report
    console = Console(file=io.StringIO(), width=200)
    print_report(report, console)
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert "Warning: the file ends at 9.1 s of its 20.2 s (reps 2, 3)" in shown
    assert "Warning: the clip is dark" in shown
    clip_csv = list(csv.reader(io.StringIO(reports_csv_text([report]))))
    column = clip_csv[0].index("warning_codes")
    assert clip_csv[1][column] == "truncated;poorly_lit"
    rep_rows = list(csv.reader(io.StringIO(reports_csv_text([report], per_rep=True))))
    column = rep_rows[0].index("warning_codes")
    assert [row[column] for row in rep_rows[1:4]] == ["", "truncated", "truncated"]


def test_an_old_report_without_warnings_reads_back(graded: Report) -> None:
    data = graded.to_dict()
    del data["warnings"]
    validate_report(data)
    assert Report.from_dict(data).warnings == ()


def test_the_error_object_validates_and_bad_ones_do_not() -> None:
    for code in ErrorCode:
        validate_report(error_dict(code.value, "something went wrong"))
    with pytest.raises(ValueError, match=r"\$\.error\.code"):
        validate_report(error_dict("oops", "x"))
    with pytest.raises(ValueError, match="'error' is a required property"):
        validate_report({"schema": "formcheck.report/1", "status": "error"})
    with pytest.raises(ValueError, match=r"\$\.error\.message"):
        validate_report(error_dict("missing", ""))


def test_a_graded_report_may_not_carry_an_error(graded: Report) -> None:
    with pytest.raises(ValueError, match=r"\$\.error: not allowed"):
        validate_report({**graded.to_dict(), "error": {"code": "bug", "message": "x"}})


# ----------------------------------------------------------------------------- limits


def _stalling(after: int) -> Iterator[Frame]:
    yield from itertools.islice(_frames([i / 30 for i in range(100)]), after)
    time.sleep(30)  # a decoder that stopped answering
    yield from ()


def test_a_decoder_that_stops_producing_frames_is_abandoned() -> None:
    abandoned = threading.Event()
    started = time.monotonic()
    limits = TimeLimits(stall_s=0.3)
    got = []
    with pytest.raises(TimeLimitError, match="stopped producing frames") as raised:
        for frame in within_time_limit(_stalling(5), 3.0, limits, on_abandon=abandoned.set):
            got.append(frame)
    assert len(got) == 5 and raised.value.code is ErrorCode.TIMEOUT
    assert time.monotonic() - started < 5.0
    assert abandoned.is_set()


def test_an_analysis_over_its_time_limit_is_stopped() -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0  # every look at the clock: a second of slow analysis
        return now[0]

    limits = TimeLimits(factor=2.0, base_s=3.0)
    with pytest.raises(TimeLimitError, match="gave up after"):
        for _ in within_time_limit(_frames([i / 30 for i in range(100)]), 1.0, limits,
                                   clock=clock):
            pass


def test_a_fast_clip_goes_through_whole_and_errors_come_through() -> None:
    times = [i / 30 for i in range(50)]
    assert [f.t_s for f in within_time_limit(_frames(times), 2.0)] == times

    def broken() -> Iterator[Frame]:
        yield from _frames([0.0])
        raise RuntimeError("decoder bug")

    with pytest.raises(RuntimeError, match="decoder bug"):
        list(within_time_limit(broken(), 1.0))


def test_the_time_limit_scales_with_the_clip() -> None:
    assert TimeLimits(factor=10, base_s=60).limit_s(30.0) == 360.0
    with pytest.raises(ValueError):
        TimeLimits(stall_s=0)


def test_outputs_get_the_umask_and_missing_folders_are_refused(tmp_path: Path) -> None:
    import os

    from formcheck.errors import UsageError
    from formcheck.fileio import write_text_atomic

    for umask, mode in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
        old = os.umask(umask)
        try:
            target = tmp_path / f"r{umask:o}.json"
            write_text_atomic(target, "{}")
        finally:
            os.umask(old)
        assert target.stat().st_mode & 0o777 == mode
    with pytest.raises(UsageError, match="does not exist"):
        write_text_atomic(tmp_path / "no" / "such" / "r.json", "{}")
    assert not (tmp_path / "no").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r2.json", "r22.json", "r77.json"]
