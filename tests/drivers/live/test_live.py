"""The live driver: the newest-frame handoff, keys, sets, sounds, camera failures (all
without the model, on synthetic poses), and with the model: the same report as
``formcheck analyse`` on sample clips, and the real window under Xvfb."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from formcheck.analysis.events import FrameState
from formcheck.analysis.report import Report
from formcheck.analysis.settings import SessionSettings
from formcheck.cli import app
from formcheck.drivers.live import (
    EXIT_INTERRUPTED,
    Captured,
    Ending,
    LiveResult,
    LiveRunner,
    LiveSettings,
    LiveView,
    NewestFrame,
    draw_live,
    mirrored_state,
)
from formcheck.drivers.live.sound import Sounds, number_word, tone
from formcheck.drivers.run import ClipRun
from formcheck.errors import UsageError
from formcheck.pose.series import PoseSample, PoseSeries
from formcheck.reporters.schema import validate_report
from formcheck.sources.frames import Frame, FrameSource, VideoInfo
from tests.conftest import ROOT, SAMPLE_VIDEOS
from tests.factories import HingeRep, Script, hinge_series

runner = CliRunner(env={"COLUMNS": "300"})

#: Two good reps, then the stance knee bends (rep 3), then a good rep after the stop.
SCRIPT = Script([HingeRep(), HingeRep(), HingeRep(knee_flexion_deg=70), HingeRep()])
IMAGE_SHAPE = (72, 128, 3)  # small pictures: the poses come from the series, not the image


def _frame(index: int, t_s: float) -> Frame:
    return Frame(index, t_s, np.full(IMAGE_SHAPE, 90, np.uint8))


def _captured(index: int) -> Captured:
    return Captured(_frame(index, index / 30.0), time.monotonic())


class FakeSource(FrameSource):
    """Frames with the series' timestamps; optionally one at a time (each waits until the
    previous was estimated, so nothing is dropped), stopping or raising after a count."""

    def __init__(self, times_s: np.ndarray, *, lockstep: threading.Event | None = None,
                 stop_after: int | None = None, error: BaseException | None = None,
                 period_s: float = 0.0) -> None:
        self.times_s = times_s
        self.lockstep = lockstep
        self.stop_after = stop_after
        self.error = error
        self.period_s = period_s
        self.info = VideoInfo("camera:0", 1280, 720, 30.0, 0.0, None, "camera")

    def frames(self) -> Iterator[Frame]:
        for index, t_s in enumerate(self.times_s):
            if self.stop_after is not None and index >= self.stop_after:
                if self.error is not None:
                    raise self.error
                return
            if self.lockstep is not None:
                # Short enough that a source the driver stopped taking from ends soon
                # after (the driver waits 2 s for its capture thread).
                self.lockstep.wait(1.0)
                self.lockstep.clear()
            elif self.period_s:
                time.sleep(self.period_s)
            yield _frame(index, float(t_s))

    def close(self) -> None:
        pass


class FakeModel:
    """Answers each frame with the series' pose at the frame's index."""

    model_name = "fake.task"
    model_sha256: str | None = None

    def __init__(self, series: PoseSeries | None = None, *, delay_s: float = 0.0,
                 lockstep: threading.Event | None = None) -> None:
        self.series = series
        self.delay_s = delay_s
        self.lockstep = lockstep
        self.indexes: list[int] = []

    def estimate(self, frame: Frame) -> PoseSample:
        self.indexes.append(frame.index)
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.lockstep is not None:
            self.lockstep.set()
        if self.series is None:
            return PoseSample.missing(frame.t_s)
        return self.series.sample(frame.index)


class FakeDisplay:
    """Records what was shown; presses scripted keys after given frames are shown."""

    def __init__(self, keys: dict[int, str] | None = None) -> None:
        self.keys = keys or {}
        self.shown = 0
        self.closed = False

    def show(self, image_rgb: np.ndarray) -> int:
        self.shown += 1
        key = self.keys.pop(self.shown, None)
        return ord(key) if key else -1

    def poll(self) -> int:
        return -1

    def close(self) -> None:
        self.closed = True


class FakeSounds(Sounds):
    """Records the calls instead of playing."""

    def __init__(self) -> None:
        super().__init__(enabled=False)
        self.calls: list[str] = []

    def good_rep(self) -> None:
        self.calls.append("good tone")

    def set_over(self) -> None:
        self.calls.append("stop tone")

    def say(self, text: str) -> None:
        self.calls.append(f"say {text}")


def _lockstep_run(settings: LiveSettings, series: PoseSeries, *, stop_after: int | None = None,
                  error: BaseException | None = None, display: FakeDisplay | None = None,
                  sounds: Sounds | None = None) -> tuple[LiveResult, FakeModel]:
    """Run the driver on a camera-like source that hands over each frame only once the
    previous one was estimated (deterministic: nothing is dropped). Every frame goes to
    the model, as the synthetic series compared with expects."""
    settings = replace(settings, analysis_fps=None)
    turn = threading.Event()
    turn.set()
    source = FakeSource(series.t_s, lockstep=turn, stop_after=stop_after, error=error)
    model = FakeModel(series, lockstep=turn)
    result = LiveRunner(settings, source=source, estimator=model, display=display,
                        sounds=sounds or FakeSounds()).run()
    return result, model


# ------------------------------------------------------------------------ handoff


def test_a_frame_not_taken_in_time_is_replaced_by_the_newer_one_and_counted() -> None:
    slot = NewestFrame()
    for index in range(3):
        assert slot.put(_captured(index))
    taken = slot.take(0.0)
    assert taken is not None and taken.frame.index == 2
    assert slot.dropped == 2 and slot.offered == 3
    assert slot.take(0.0) is None and not slot.ended
    slot.finish()
    assert slot.ended


def test_the_last_frame_is_still_taken_after_the_producer_finished() -> None:
    slot = NewestFrame()
    slot.put(_captured(7))
    slot.finish()
    assert not slot.ended
    taken = slot.take(0.0)
    assert taken is not None and taken.frame.index == 7 and slot.ended


def test_a_waiting_producer_blocks_until_the_frame_was_taken() -> None:
    slot = NewestFrame()
    slot.put(_captured(0))
    done = threading.Event()

    def produce() -> None:
        slot.put(_captured(1), wait=True)
        done.set()

    threading.Thread(target=produce, daemon=True).start()
    assert not done.wait(0.2)  # frame 0 is still in the slot
    taken = slot.take(1.0)
    assert taken is not None and taken.frame.index == 0
    assert done.wait(2.0)
    taken = slot.take(1.0)
    assert taken is not None and taken.frame.index == 1 and slot.dropped == 0


def test_closing_releases_a_waiting_producer() -> None:
    slot = NewestFrame()
    slot.put(_captured(0))
    answers: list[bool] = []
    producer = threading.Thread(target=lambda: answers.append(slot.put(_captured(1), wait=True)))
    producer.start()
    time.sleep(0.05)
    slot.close()
    producer.join(2.0)
    assert answers == [False]


def test_a_slow_consumer_gets_the_newest_frames_and_the_drops_are_counted() -> None:
    times = np.arange(300) / 30.0
    source = FakeSource(times, period_s=0.001)  # ~1000 frames/s from the "camera"
    model = FakeModel(delay_s=0.01)  # ~100 frames/s through the "model"
    result = LiveRunner(LiveSettings(window=False), source=source, estimator=model,
                        sounds=FakeSounds()).run()
    stats = result.stats
    assert stats.frames_captured == 300
    assert stats.frames_dropped > 0
    assert stats.frames_processed + stats.frames_dropped == stats.frames_captured
    assert stats.frames_processed == len(model.indexes) == stats.latency_ms.size
    assert model.indexes == sorted(set(model.indexes))  # in order, never twice
    assert model.indexes[-1] == 299  # the newest frame is never the one dropped
    assert np.all(stats.latency_ms >= 0) and stats.fps > 0
    # A camera that stops sending frames is a failure, not the end of a clip.
    assert result.ending is Ending.SOURCE_FAILED and result.exit_code == 3


def test_a_file_played_fast_goes_through_frame_by_frame_without_drops(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"")  # settings only check that it exists; the fake source plays
    times = np.arange(200) / 30.0
    model = FakeModel(delay_s=0.002)
    settings = LiveSettings(source=clip, fast=True, window=False, analysis_fps=None)
    result = LiveRunner(settings, source=FakeSource(times), estimator=model,
                        sounds=FakeSounds()).run()
    assert model.indexes == list(range(200))
    assert result.stats.frames_dropped == 0 and result.ending is Ending.SOURCE_ENDED


def test_live_gives_the_model_frames_at_the_analysis_rate_and_shows_every_frame(
        tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"")
    times = np.arange(60) / 30.0
    model = FakeModel()
    settings = LiveSettings(source=clip, fast=True, window=False, analysis_fps=15.0)
    result = LiveRunner(settings, source=FakeSource(times), estimator=model,
                        sounds=FakeSounds()).run()
    assert model.indexes == list(range(0, 60, 2))  # every other frame of a 30 fps clip
    assert result.stats.frames_processed == 60 and result.stats.frames_dropped == 0
    # The report describes the clip's frames, not only the analysed ones.
    assert result.report.video.frame_count == 60


def test_a_file_played_at_its_pace_takes_its_duration(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"")
    times = np.arange(16) / 40.0  # 0.375 s
    started = time.monotonic()
    result = LiveRunner(LiveSettings(source=clip, window=False), source=FakeSource(times),
                        estimator=FakeModel(), sounds=FakeSounds()).run()
    assert time.monotonic() - started >= 0.37
    assert result.stats.frames_captured == 16 and result.ending is Ending.SOURCE_ENDED


# ------------------------------------------------------------- sets, keys, sounds


def test_the_live_session_grades_like_the_session_fed_directly() -> None:
    series = hinge_series(SCRIPT)
    info = FakeSource(series.t_s).info
    run = ClipRun(info, SessionSettings(), model="fake.task")
    expected = run.run((series.sample(i), None) for i in range(len(series)))
    result, model = _lockstep_run(LiveSettings(window=False), series)
    assert model.indexes == list(range(len(series)))
    assert result.report == expected
    assert result.report.good_reps == 2 and result.report.first_bad_rep == 3


def test_sounds_count_good_reps_and_say_why_the_set_is_over() -> None:
    sounds = FakeSounds()
    _lockstep_run(LiveSettings(window=False), hinge_series(SCRIPT), sounds=sounds)
    assert sounds.calls.count("good tone") == 2  # not the good rep after the stop
    assert sounds.calls.count("stop tone") == 1
    said = [call for call in sounds.calls if call.startswith("say ")]
    assert "say one" in said and "say two" in said
    assert "say stance knee bend: set over" in said


def test_r_starts_a_new_set_with_its_own_count(tmp_path: Path) -> None:
    series = hinge_series(SCRIPT)
    after_rep_3 = int(np.searchsorted(series.t_s, 12.0))  # rep 3 ends at 11.5 s
    display = FakeDisplay({after_rep_3: "r"})
    sounds = FakeSounds()
    result, _ = _lockstep_run(LiveSettings(window=False), series, display=display,
                              sounds=sounds)
    report = result.report
    assert [g.set_index for g in report.reps] == [1, 1, 1, 2]
    assert [(s.reps, s.good_reps) for s in report.sets] == [(3, 2), (1, 1)]
    assert report.good_reps == 2  # the whole session's count still stops at rep 3
    # The new set's good rep is counted (and heard) again.
    assert sounds.calls.count("good tone") == 3 and sounds.calls[-1] == "say one"


def test_q_quits_and_the_report_of_the_reps_so_far_is_written(tmp_path: Path) -> None:
    series = hinge_series(SCRIPT)
    quit_at = int(np.searchsorted(series.t_s, 8.0))  # after two reps
    report_path = tmp_path / "r.json"
    result, model = _lockstep_run(LiveSettings(window=False, report=report_path), series,
                                  display=FakeDisplay({quit_at: "q"}))
    assert result.ending is Ending.QUIT and result.exit_code == 0
    assert len(model.indexes) == quit_at
    written = json.loads(report_path.read_text())
    validate_report(written)
    assert written["total_reps"] == 2 and written["good_reps"] == 2


class LeavingModel(FakeModel):
    """The series' poses, but nobody in the frames of ``away`` (indexes)."""

    def __init__(self, series: PoseSeries, away: range, **kwargs: object) -> None:
        super().__init__(series, **kwargs)  # type: ignore[arg-type]
        self.away = away

    def estimate(self, frame: Frame) -> PoseSample:
        sample = super().estimate(frame)
        return PoseSample.missing(frame.t_s) if frame.index in self.away else sample


def test_a_live_report_carries_the_warnings_a_file_report_would(tmp_path: Path) -> None:
    series = hinge_series(SCRIPT)
    away = range(int(np.searchsorted(series.t_s, 13.0)), int(np.searchsorted(series.t_s, 15.0)))
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"")  # settings only check that it exists; the fake source plays
    source = FakeSource(series.t_s)
    # A file's declared length, far longer than what is played before the user quits.
    source.info = VideoInfo(str(clip), 1280, 720, 30.0, 600.0, 18000, "h264")
    quit_at = int(np.searchsorted(series.t_s, 16.0))
    settings = LiveSettings(source=clip, fast=True, window=False, analysis_fps=None,
                            report=tmp_path / "r.json")
    result = LiveRunner(settings, source=source, estimator=LeavingModel(series, away),
                        display=FakeDisplay({quit_at: "q"}), sounds=FakeSounds()).run()
    assert result.ending is Ending.QUIT
    warnings = {w.code: w for w in result.report.warnings}
    # The person left at 13 s as rep 4 began and came back at 15 s (2 s of the 16 played:
    # under 90% of frames with a person); quitting early is not a file "cut off".
    assert set(warnings) == {"person_left", "frames_without_person"}
    assert warnings["person_left"].at_s == pytest.approx(13.0, abs=0.05)
    assert "back at 15.0 s" in warnings["person_left"].message
    assert result.report.total_reps == 3
    written = json.loads((tmp_path / "r.json").read_text())
    validate_report(written)
    assert {w["code"] for w in written["warnings"]} == set(warnings)


def test_space_pauses_a_camera_and_its_frames_are_skipped_not_dropped() -> None:
    series = hinge_series(SCRIPT)
    times = series.t_s[:120]
    display = FakeDisplay({10: " "})  # pause after the tenth frame shown
    polls = iter([-1] * 40 + [ord(" ")])  # polled while paused; then space again

    def poll() -> int:
        return next(polls, -1)

    display.poll = poll  # type: ignore[method-assign]
    source = FakeSource(times, period_s=0.002)
    model = FakeModel(series, delay_s=0.0)
    result = LiveRunner(LiveSettings(window=False), source=source, estimator=model,
                        display=display, sounds=FakeSounds()).run()
    stats = result.stats
    assert stats.frames_paused > 0
    assert stats.frames_processed > 10  # it went on after the pause
    assert stats.frames_processed + stats.frames_dropped + stats.frames_paused == 120


# ----------------------------------------------------------------- camera failures


def test_a_camera_that_stops_mid_set_ends_the_session_with_the_report_so_far(
        tmp_path: Path) -> None:
    series = hinge_series(SCRIPT)
    mid_rep_3 = int(np.searchsorted(series.t_s, 10.0))
    report_path = tmp_path / "r.json"
    result, _ = _lockstep_run(LiveSettings(window=False, report=report_path), series,
                              stop_after=mid_rep_3)
    assert result.ending is Ending.SOURCE_FAILED and result.exit_code == 3
    assert result.failure is not None and result.message is not None
    assert "camera 0 stopped delivering frames after" in result.message
    assert str(report_path) in result.message and "\n" not in result.message
    written = json.loads(report_path.read_text())
    assert written["total_reps"] == 2 and written["good_reps"] == 2
    assert Report.from_dict(written) == result.report


def test_a_camera_that_breaks_mid_stream_gives_its_error_and_the_report(
        tmp_path: Path) -> None:
    report_path = tmp_path / "r.json"
    result, _ = _lockstep_run(LiveSettings(window=False, report=report_path),
                              hinge_series(SCRIPT), stop_after=300,
                              error=OSError("VIDIOC_DQBUF: No such device"))
    assert result.exit_code == 3 and result.message is not None
    assert "camera 0 failed after" in result.message and "No such device" in result.message
    assert json.loads(report_path.read_text())["total_reps"] == 2


def test_the_recording_holds_every_captured_frame_even_when_the_camera_fails(
        tmp_path: Path) -> None:
    from formcheck.sources.file import VideoFile

    recording = tmp_path / "seen.mp4"
    series = hinge_series(SCRIPT)
    result, _ = _lockstep_run(LiveSettings(window=False, record=recording), series,
                              stop_after=90)
    assert result.exit_code == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seen.mp4"]  # no temporary left
    with VideoFile(recording) as video:
        frames = list(video.frames())
        assert video.info.codec == "h264"
    assert len(frames) == 90 and frames[0].image.shape == IMAGE_SHAPE
    assert abs(frames[-1].t_s - series.t_s[89]) < 0.002


def test_a_bug_in_the_source_keeps_its_traceback() -> None:
    with pytest.raises(ZeroDivisionError):
        _lockstep_run(LiveSettings(window=False), hinge_series(SCRIPT), stop_after=5,
                      error=ZeroDivisionError("bug"))


def test_ctrl_c_stops_cleanly_writes_the_report_and_exits_130(tmp_path: Path) -> None:
    series = hinge_series(SCRIPT)
    report_path = tmp_path / "r.json"

    class InterruptedModel(FakeModel):
        interrupted = False

        def estimate(self, frame: Frame) -> PoseSample:
            # After two reps (the first frame from 250 on that the analysis rate picks).
            if frame.index >= 250 and not self.interrupted:
                self.interrupted = True
                os.kill(os.getpid(), signal.SIGINT)
            return super().estimate(frame)

    turn = threading.Event()
    turn.set()
    previous = signal.getsignal(signal.SIGINT)
    result = LiveRunner(LiveSettings(window=False, report=report_path),
                        source=FakeSource(series.t_s, lockstep=turn),
                        estimator=InterruptedModel(series, lockstep=turn),
                        sounds=FakeSounds()).run()
    assert signal.getsignal(signal.SIGINT) is previous  # the handler is put back
    assert result.ending is Ending.INTERRUPTED and result.exit_code == EXIT_INTERRUPTED
    assert result.message is not None and result.message.startswith("interrupted after 2 reps")
    assert json.loads(report_path.read_text())["total_reps"] == 2


def test_a_camera_that_cannot_be_opened_is_one_line_exit_3_and_a_report(tmp_path: Path) -> None:
    report_path = tmp_path / "r.json"
    done = subprocess.run(
        [sys.executable, "-m", "formcheck", "live", "--camera", "63", "--no-window", "--quiet",
         "--report", str(report_path)],
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=120)
    assert done.returncode == 3, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot open camera 63" in lines[0], done.stderr
    assert str(report_path) in lines[0]
    written = json.loads(report_path.read_text())
    validate_report(written)
    assert written["status"] == "ungradable" and written["video"]["path"] == "camera:63"


# ----------------------------------------------------------- settings and the CLI


def test_camera_and_source_are_exclusive(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"")
    with pytest.raises(UsageError, match="one at a time"):
        LiveSettings(camera=0, source=clip)
    result = runner.invoke(app, ["live", "--camera", "1", "--source", str(clip)])
    assert result.exit_code == 2 and "one at a time" in result.stderr


@pytest.mark.parametrize(("arguments", "message"), [
    (["--fast"], "needs --source"),
    (["--record", "out.avi"], "use a .mp4 file name"),
    (["--snapshot", "shot.gif"], "use a .png or .jpg"),
    (["--report", "no/such/folder/r.json"], "does not exist"),
])
def test_bad_options_are_usage_errors(arguments: list[str], message: str) -> None:
    result = runner.invoke(app, ["live", "--no-window", *arguments])
    assert result.exit_code == 2 and message in result.stderr


def test_a_window_needs_a_display(monkeypatch: pytest.MonkeyPatch) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the display check is for X11 and Wayland")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    result = runner.invoke(app, ["live"])
    assert result.exit_code == 2 and "--no-window" in result.stderr


# ------------------------------------------------------------------------ drawing


def test_mirroring_moves_the_landmarks_with_the_picture() -> None:
    points = np.full((33, 2), np.nan)
    points[0] = (10.0, 20.0)
    state = FrameState(0.0, True, None, None, "rest", 0, 0, 0, False, landmarks_px=points)
    mirrored = mirrored_state(state, 640)
    assert tuple(mirrored.landmarks_px[0]) == (630.0, 20.0)
    assert np.isnan(mirrored.landmarks_px[1]).all()
    assert tuple(state.landmarks_px[0]) == (10.0, 20.0)  # the session's state is untouched


def test_the_live_panels_draw_the_count_and_set_over() -> None:
    blank = np.zeros((480, 640, 3), np.uint8)
    plain, over = blank.copy(), blank.copy()
    draw_live(plain, LiveView(good=3, set_index=1, fps=25.0, latency_ms=40.0))
    draw_live(over, LiveView(good=3, set_index=1, set_over=3, paused=True, keys=True))
    assert plain[:, 320:].any() and not plain[200:, :].any()  # top right only
    assert over[300:, :].any()  # "set over" near the bottom, "paused" in the middle


def test_the_set_over_panel_keeps_off_the_person() -> None:
    from formcheck.reporters.overlay import Box

    view = LiveView(good=3, set_index=1, set_over=3, keys=True)
    free, standing = np.zeros((480, 640, 3), np.uint8), np.zeros((480, 640, 3), np.uint8)
    draw_live(free, view)
    person = Box(200, 150, 440, 470)  # a person standing in the middle, feet at the bottom
    draw_live(standing, view, body=person)
    assert free[380:470, 200:440].any()  # with nobody to avoid: near the bottom
    assert not standing[person.y0:person.y1, person.x0:person.x1].any()


# -------------------------------------------------------------------------- sound


def test_no_sound_device_is_not_an_error() -> None:
    sounds = Sounds(speech=False, volume=0.0)  # no PortAudio, no device, or a real one
    sounds.good_rep()
    sounds.set_over()
    sounds.say("three")
    sounds.close()
    quiet = Sounds(enabled=False)
    assert not quiet.can_play and not quiet.can_speak


def test_speech_runs_the_engine_with_an_argument_list(tmp_path: Path) -> None:
    said = tmp_path / "said.txt"
    engine = tmp_path / "fake-espeak"
    engine.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {said}\n")
    engine.chmod(0o755)
    sounds = Sounds(speaker=str(engine))
    assert sounds.can_speak
    sounds.say("knee bent; set over $(touch pwned)")
    sounds.close()
    assert said.read_text().splitlines() == ["-s", "160", "knee bent; set over $(touch pwned)"]
    assert not (tmp_path / "pwned").exists()


def test_tones_and_number_words() -> None:
    samples = tone((440.0, 660.0), 0.1, 8000, volume=0.5)
    assert samples.shape == (1600,) and samples.dtype == np.float32
    assert abs(samples).max() <= 0.5 and samples[0] == 0.0
    assert number_word(3) == "three" and number_word(21) == "21"


# ---------------------------------------------------------- with the pose model

#: Short sample clips: two bridges whose count stops at rep 2 (a single-leg one from an
#: oblique view, a double one from the side), and a rear-view hinge (graded with
#: --exercise sldl, as its label says) whose hip openings are within their margin: graded
#: borderline, so its report has borderlines and no bad rep.
EQUALITY_CLIPS = [("bridge_single_leg_pelvic_drop_oblique.mp4", "auto"),
                  ("bridge_side_incomplete_lockout.mp4", "auto"),
                  ("sldl_rear_hip_opening.mp4", "sldl")]


@pytest.mark.model
@pytest.mark.parametrize(("clip", "exercise"), EQUALITY_CLIPS)
def test_live_fast_gives_the_same_report_as_analyse(tmp_path: Path, clip: str,
                                                    exercise: str) -> None:
    path = str(SAMPLE_VIDEOS / clip)
    # One process: analysed in parallel chunks, a clip's landmarks near a chunk's start
    # differ by a pixel or so from a run straight through, which live mode is.
    offline = runner.invoke(app, ["analyse", path, "--json", "--exercise", exercise,
                                  "--workers", "1"])
    assert offline.exit_code == 0, offline.output
    report_path = tmp_path / "r.json"
    live = runner.invoke(app, ["live", "--source", path, "--no-window", "--fast", "--report",
                               str(report_path), "--exercise", exercise, "--quiet"])
    assert live.exit_code == 0, live.output
    expected, got = json.loads(offline.stdout), json.loads(report_path.read_text())
    assert got["total_reps"] > 0
    assert got["first_bad_rep"] is not None or any(r["borderline"] for r in got["reps"])
    # Nothing differs for a file, not even the provenance: the same path, the same
    # sha256 of the clip and of the model, the same settings digest. (A camera's report
    # says camera:N and has no source_sha256.)
    assert got == expected
    assert ", 0 dropped of " in live.stderr


def _start_xvfb(screen: str = "800x600x24") -> tuple[subprocess.Popen[bytes], str]:
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", screen, "-nolisten", "tcp",
         "-noreset"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        xvfb.kill()
        pytest.fail("Xvfb did not start")
    return xvfb, f":{number}"


@pytest.mark.model
def test_the_window_opens_shows_the_overlay_and_closes_under_xvfb(tmp_path: Path) -> None:
    if shutil.which("Xvfb") is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb is missing: tools/run_tests.sh installs Debian's xvfb")
        pytest.skip("Xvfb is not installed (apt-get install xvfb; tools/run_tests.sh does)")
    from PIL import ImageGrab, features

    if not features.check("xcb"):
        pytest.skip("this Pillow cannot read an X display (built without XCB)")
    xvfb, display = _start_xvfb()
    try:
        snapshot, report = tmp_path / "last.png", tmp_path / "r.json"
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        env.pop("WAYLAND_DISPLAY", None)
        live = subprocess.Popen(
            [sys.executable, "-m", "formcheck", "live", "--source",
             str(SAMPLE_VIDEOS / "bridge_single_leg_pelvic_drop_oblique.mp4"), "--quiet",
             "--snapshot", str(snapshot), "--report", str(report)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        shots: list[np.ndarray] = []
        deadline = time.monotonic() + 120
        while live.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
            shots.append(np.asarray(ImageGrab.grab(xdisplay=display).convert("RGB")))
        out, err = live.communicate(timeout=60)
        after = np.asarray(ImageGrab.grab(xdisplay=display).convert("RGB"))
    finally:
        xvfb.terminate()
        xvfb.wait(10)
    assert live.returncode == 0, err.decode(errors="replace")
    assert b"Traceback" not in err and b"formcheck:" not in err, err.decode(errors="replace")
    # While it ran, the window showed the clip with the overlay: the counter's green (or
    # amber, once the set is over) text on its dark panel.
    with_window = [shot for shot in shots if shot.reshape(-1, 3).std(axis=0).max() > 10]
    assert with_window, "no window was ever on the screen"
    shot = with_window[-1]
    pixels = shot.reshape(-1, 3).astype(int)
    green = (np.abs(pixels - (90, 230, 110)).max(axis=1) < 40).sum()
    amber = (np.abs(pixels - (255, 196, 50)).max(axis=1) < 40).sum()
    assert green + amber > 200
    keep = os.environ.get("FORMCHECK_KEEP_SCREENSHOT")
    if keep:
        from PIL import Image

        Image.fromarray(shot).save(keep)
    # After it ended, the window was gone: the screen is blank again.
    assert after.reshape(-1, 3).std(axis=0).max() < 1
    assert snapshot.is_file() and report.is_file()
    assert json.loads(report.read_text())["status"] == "graded" and b"good rep" in out


def test_the_command_line_loads_opencv_before_pyav_so_the_window_can_open() -> None:
    if not Path("/proc/self/maps").exists():
        pytest.skip("reads /proc/self/maps (Linux)")
    code = ("import formcheck.cli; from formcheck.drivers.live import xcb_conflict;"
            " print(xcb_conflict())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT, timeout=120)
    assert done.stdout.strip() == "None"


def test_the_window_fits_a_screen_smaller_than_the_frame() -> None:
    from formcheck.drivers.live.window import fitted

    assert fitted(1080, 1080, (1024, 768)) == (691, 691)  # 90% of the screen's height
    assert fitted(640, 480, (1024, 768)) == (640, 480)  # small frames keep their size
    assert fitted(1920, 1080, None) == (1920, 1080)  # no screen to ask


@pytest.mark.model
def test_a_square_1080_clip_fits_a_1024x768_screen_under_xvfb(tmp_path: Path) -> None:
    """The live window of a 1080x1080 clip on a 1024x768 screen: the whole frame shows,
    with screen left over on the right and below (no window manager: the window is at the
    top left)."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb; tools/run_tests.sh does)")
    from PIL import ImageGrab, features

    if not features.check("xcb"):
        pytest.skip("this Pillow cannot read an X display (built without XCB)")
    from tests.corpus import sample_frames, write_clip

    # Eight seconds of clip, played at its pace: on a loaded machine the first frames pass
    # before the model has drawn one (the newest frame wins), and three seconds once left
    # no screenshot with the window in it (CI, load average 6 on 2 cores).
    frames = sample_frames(SAMPLE_VIDEOS / "sldl_side_good.mp4", 1.0, 9.0, fps=15.0)
    square = [np.pad(f, (((1080 - f.shape[0]) // 2,) * 2, ((1080 - f.shape[1]) // 2,) * 2,
                         (0, 0)), constant_values=200) for f in
              (cv2.resize(f, (1080, 810)) for f in frames)]
    clip = write_clip(tmp_path / "square.mp4", square, fps=15.0)
    xvfb, display = _start_xvfb("1024x768x24")
    try:
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        env.pop("WAYLAND_DISPLAY", None)
        live = subprocess.Popen(
            [sys.executable, "-m", "formcheck", "live", "--source", str(clip), "--quiet",
             "--exercise", "sldl"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        shots: list[np.ndarray] = []
        deadline = time.monotonic() + 120
        while live.poll() is None and time.monotonic() < deadline:
            time.sleep(0.3)
            shots.append(np.asarray(ImageGrab.grab(xdisplay=display).convert("RGB")))
        _, err = live.communicate(timeout=60)
    finally:
        xvfb.terminate()
        xvfb.wait(10)
    assert live.returncode == 0, err.decode(errors="replace")
    with_window = [shot for shot in shots if shot.reshape(-1, 3).std(axis=0).max() > 10]
    assert with_window, "no window was ever on the screen"
    shot = with_window[-1]
    keep = os.environ.get("FORMCHECK_KEEP_SCREENSHOT")
    if keep:
        from PIL import Image

        Image.fromarray(shot).save(keep)
    drawn = np.argwhere(shot.max(axis=2) > 0)  # the screen around the window is black
    (y0, x0), (y1, x1) = drawn.min(axis=0), drawn.max(axis=0)
    assert shot.shape[:2] == (768, 1024)
    assert y1 < 767 and x1 < 1023, (y0, x0, y1, x1)  # the window ends inside the screen
    assert y1 - y0 >= 600  # and shows the frame large, not as a thumbnail
