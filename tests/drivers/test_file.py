"""End to end on real and rendered footage: the real model, then the rules.

Faults injected into the real landmark series of good demonstration clips must
be caught at the rep where they were injected.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from formcheck.cli import app
from formcheck.drivers.file import analyse_recording
from formcheck.errors import ExitCode
from formcheck.fileio import sha256_of
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.series import PoseRecording, PoseSeries
from formcheck.sources.file import VideoFile
from tests.conftest import SAMPLE_VIDEOS, cached_poses, realclip
from tests.factories import write_dark_noise_clip

pytestmark = pytest.mark.model
runner = CliRunner(env={"COLUMNS": "300"})

REQUIRED_FIELDS = {"schema", "status", "video", "exercise", "variant", "view", "total_reps",
                   "good_reps", "first_bad_rep", "reps", "skipped_checks", "sets"}


def _with_image(recording: PoseRecording, image_px: np.ndarray) -> PoseRecording:
    """The recording with its raw landmarks replaced (the session cleans them again)."""
    raw: PoseSeries = replace(recording.raw, image_px=image_px.astype(np.float32))
    return replace(recording, raw=raw)


def _bump(t: np.ndarray, start: float, end: float) -> np.ndarray:
    u = np.clip((t - start) / (end - start), 0, 1)
    return 0.5 - 0.5 * np.cos(2 * np.pi * u)


def test_real_demonstration_clips_are_graded_clean() -> None:
    expected = {"01_sldl_tbf_dumbbell_sl-rdl.mp4": ("sldl", 1),
                "04_bridge_darebee_glute_bridge.mp4": ("bridge", 5),
                "05_bridge_physioplus_test_1rep.mp4": ("bridge", 1),
                "06_bridge_tbf_glute_bridge.mp4": ("bridge", 1)}
    for name, (exercise, reps) in expected.items():
        report = analyse_recording(cached_poses(realclip(name)))
        got = (report.exercise, report.total_reps, report.good_reps)
        assert got == (exercise, reps, reps), name


def test_bent_stance_knee_injected_into_a_real_deadlift_is_caught() -> None:
    recording = cached_poses(realclip("01_sldl_tbf_dumbbell_sl-rdl.mp4"))
    clean = analyse_recording(recording)
    assert clean.reps[0].good
    rep = clean.reps[0].rep
    image = recording.raw.image_px.copy()
    # Stand on the right leg (the planted one in this clip): push its knee forward,
    # which bends it about 25 degrees more at the bottom.
    shift = 45.0 * _bump(recording.clean.t_s, rep.start_s, rep.end_s)
    forward = np.sign(image[:, L.RIGHT_KNEE, 0] - image[:, L.RIGHT_HIP, 0]).mean()
    image[:, L.RIGHT_KNEE, 0] += shift * forward
    report = analyse_recording(_with_image(recording, image))
    assert report.total_reps == 1
    assert [f.code for f in report.reps[0].faults] == ["sldl.stance_knee_bend"]
    assert report.good_reps == 0 and report.first_bad_rep == 1


def test_incomplete_lockout_injected_into_rep_3_of_a_real_bridge_set_is_caught() -> None:
    recording = cached_poses(realclip("04_bridge_darebee_glute_bridge.mp4"))
    clean = analyse_recording(recording)
    assert clean.total_reps == 5 and clean.good_reps == 5
    rep = clean.reps[2].rep
    image = recording.raw.image_px.copy()
    torso = np.nanmedian(np.linalg.norm(image[:, L.LEFT_SHOULDER, :2] - image[:, L.LEFT_HIP, :2],
                                        axis=1))
    # Let the hips sag toward the floor at the top of rep 3 only.
    sag = 0.3 * torso * _bump(recording.clean.t_s, rep.start_s - 0.3, rep.end_s + 0.3)
    image[:, [L.LEFT_HIP, L.RIGHT_HIP], 1] += sag[:, None]
    report = analyse_recording(_with_image(recording, image))
    codes = [{f.code for f in r.faults} for r in report.reps]
    assert report.total_reps == 5
    assert codes[2] == {"bridge.incomplete_lockout"}
    assert codes[:2] == [set(), set()]
    assert report.good_reps == 2 and report.first_bad_rep == 3
    assert report.reps[3].after_stop and report.reps[4].after_stop


def test_other_exercises_are_not_graded() -> None:
    for name in ("19_dl_tbf_kettlebell_deadlift.mp4", "23_sq_kaiakol_correct_010.mp4",
                 "38_other_opencv_vtest_pedestrians.avi"):
        report = analyse_recording(cached_poses(realclip(name)))
        assert report.status == "ungradable" and report.exercise == "other", name
        assert report.reason


def _sample(name: str) -> Path:
    path = SAMPLE_VIDEOS / name
    if not path.is_file():
        pytest.skip(f"{name} is not in sample_videos/")
    return path


def test_analyse_json_has_the_report_fields() -> None:
    import json

    result = runner.invoke(app, ["analyse", str(_sample("sldl_side_good.mp4")), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= REQUIRED_FIELDS
    assert data["schema"] == "formcheck.report/1" and data["status"] == "graded"
    assert data["exercise"] == "sldl" and data["view"] == "side"
    assert data["total_reps"] == 3 and data["good_reps"] == 3 and data["first_bad_rep"] is None
    rep = data["reps"][0]
    assert {"index", "start_s", "end_s", "good", "after_stop", "faults", "metrics"} <= set(rep)
    assert {"reps", "start_s", "end_s", "rest_before_s"} <= set(data["sets"][0])
    assert {"code", "reason"} <= set(data["skipped_checks"][0])


def test_analyse_terminal_verdict_and_table() -> None:
    result = runner.invoke(app, ["analyse", str(_sample("sldl_side_knee_breaks_rep3.mp4"))])
    assert result.exit_code == 0, result.output
    assert "2 good reps; the count stopped at rep 3" in result.output
    assert "after the stop" in result.output
    assert "Skipped hip opening: needs a rear view" in result.output


def test_clip_without_a_person_is_ungradable_exit_4(tmp_path: Path) -> None:
    path = write_dark_noise_clip(tmp_path / "empty.mp4", frames=20)
    result = runner.invoke(app, ["analyse", str(path)])
    assert result.exit_code == ExitCode.UNGRADABLE
    assert "person was found in only 0% of frames" in result.output
    json_result = runner.invoke(app, ["analyse", str(path), "--json"])
    assert json_result.exit_code == ExitCode.UNGRADABLE
    assert '"status": "ungradable"' in json_result.output


def test_frame_by_frame_session_equals_analyse_and_the_saved_recording(tmp_path: Path) -> None:
    import json

    from formcheck.analysis.events import CountStopped, RepGraded
    from formcheck.analysis.report import Report
    from formcheck.drivers.run import ClipRun

    clip = _sample("sldl_side_knee_breaks_rep3.mp4")
    # A recording holds every frame's pose, as the model gave it in one run: analyse
    # gives the session the same poses with every frame, in one process.
    analysed = runner.invoke(app, ["analyse", str(clip), "--json", "--analysis-fps", "0",
                                   "--workers", "1"])
    assert analysed.exit_code == 0, analysed.output
    from_video = json.loads(analysed.output)

    # The same clip's poses, saved and re-graded without the model, give the same report.
    recording = cached_poses(clip)
    saved = tmp_path / "poses.npz"
    recording.save_npz(saved)
    regraded = runner.invoke(app, ["analyse", str(saved), "--json"])
    assert regraded.exit_code == 0, regraded.output
    assert json.loads(regraded.output) == from_video

    # Fed frame by frame, the events agree with the final report.
    events = []

    class Events:
        def add(self, state: object, frame_events: list, frame: object) -> None:
            events.extend(frame_events)

    run = ClipRun(recording.video, model=recording.model,
                  model_sha256=recording.meta["model_sha256"],
                  source_sha256=recording.meta["source_sha256"], sinks=[Events()])
    report = run.run((sample, None) for sample in recording.raw_samples())
    assert report == Report.from_dict(from_video)
    graded = [e.graded for e in events if isinstance(e, RepGraded)]
    assert graded == list(report.reps) and len(graded) == 5
    stops = [e for e in events if isinstance(e, CountStopped)]
    assert [s.rep_index for s in stops] == [report.first_bad_rep] == [3]
    assert from_video["provenance"]["source_sha256"] == sha256_of(clip)


def test_a_recording_at_an_analysis_rate_grades_as_analyse_at_that_rate(tmp_path: Path) -> None:
    import json

    from formcheck.drivers.file import extract_poses

    # What benchmarks/rates.py relies on: the model run once at a rate, its poses saved,
    # graded again without the model, gives analyse's grades at that rate.
    clip = _sample("bridge_side_incomplete_lockout.mp4")
    analysed = runner.invoke(app, ["analyse", str(clip), "--json", "--analysis-fps", "10",
                                   "--workers", "1"])
    assert analysed.exit_code == 0, analysed.output
    from_video = json.loads(analysed.output)
    recording = extract_poses(clip, analysis_fps=10.0)
    assert len(recording.raw) < 0.5 * from_video["video"]["frame_count"]
    saved = tmp_path / "poses_10.npz"
    recording.save_npz(saved)
    regraded = json.loads(runner.invoke(app, ["analyse", str(saved), "--json"]).output)
    assert regraded["reps"] == from_video["reps"]
    assert regraded["verdict"] == from_video["verdict"]


def test_a_real_bridge_cut_during_its_last_lowering_still_counts_it() -> None:
    recording = cached_poses(realclip("04_bridge_darebee_glute_bridge.mp4"))
    whole = analyse_recording(recording)
    last = whole.reps[-1].rep
    assert whole.total_reps == 5 and not last.ended_by_clip
    # Cut the clip on the way down from the top, about 0.2 s before the rep would end
    # (the hips a quarter of the way back down after a pause at the top).
    cut_s = last.peak_s + 0.7 * (last.end_s - last.peak_s)
    keep = recording.raw.t_s <= cut_s
    raw = replace(recording.raw, **{k: v[keep] for k, v in recording.raw.arrays().items()})
    cut = analyse_recording(replace(recording, raw=raw))
    assert cut.total_reps == 5
    assert cut.reps[-1].rep.ended_by_clip and cut.reps[-1].good
    assert [r.rep.start_s for r in cut.reps] == [r.rep.start_s for r in whole.reps]


class _CameraLike(VideoFile):
    """A clip played as a camera would deliver it: no path, no known duration."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.info = replace(self.info, path="camera:0", duration_s=0.0, frame_count=None,
                            codec="camera")


def test_any_frame_source_goes_through_the_same_session() -> None:
    from formcheck.drivers.file import analyse_source
    from formcheck.drivers.speed import EVERY_FRAME

    clip = _sample("bridge_side_incomplete_lockout.mp4")
    with _CameraLike(clip) as camera:  # every frame, as the recording holds
        live = analyse_source(camera, speed=EVERY_FRAME)
    offline = analyse_recording(cached_poses(clip))
    assert live.video.path == "camera:0" and live.video.duration_s > 0
    assert live.provenance.source_sha256 is None
    assert live.reps == offline.reps and live.verdict == offline.verdict
