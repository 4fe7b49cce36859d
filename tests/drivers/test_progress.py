"""Progress from the command line: `analyse --person --store`, `progress`, `people`,
`forget`, `batch --person-from-folder`; on pose recordings drawn by the factories (no
model), and (with the model) the sample clip and a clip of 12 good reps made from it."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from formcheck import __version__
from formcheck.cli import app
from formcheck.drivers.batch.jobs import BatchSettings
from formcheck.drivers.batch.run import run_batch
from formcheck.reporters.schema import validate_progress
from formcheck.store.results import ClipResult, ClipStatus, ResultStore
from tests.browser import opened_page
from tests.conftest import SAMPLE_VIDEOS
from tests.factories import (
    HingeRep,
    Script,
    grade,
    hinge_series,
    legs_exchanged,
    write_recording,
)

runner = CliRunner(env={"COLUMNS": "200"})
ARTIFACTS = Path(os.environ.get("FORMCHECK_TEST_ARTIFACTS", "/tmp/formcheck-test-artifacts"))


def invoke(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def progress_json(store: Path, name: str) -> dict[str, Any]:
    done = invoke("progress", name, "--store", store, "--json")
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    validate_progress(data)
    return data


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Left-leg deadlift recordings: one stopping at a bad rep 3, one of 12 good reps."""
    folder = tmp_path_factory.mktemp("recordings")
    bad = legs_exchanged(hinge_series(Script(
        [HingeRep(), HingeRep(), HingeRep(knee_flexion_deg=70), HingeRep()], fps=15)))
    twelve = legs_exchanged(hinge_series(Script([HingeRep()] * 12, fps=15)))
    paths = {"bad": write_recording(folder / "monday.npz", bad),
             "twelve": write_recording(folder / "thursday.npz", twelve)}
    os.utime(paths["bad"], (1_796_000_000, 1_796_000_000))  # 2026-11-29 in the file's time
    os.utime(paths["twelve"], (1_796_200_000, 1_796_200_000))
    return paths


def test_analyse_then_progress_on_recordings(tmp_path: Path, recordings: dict[str, Path]) -> None:
    store = tmp_path / "D"
    done = invoke("analyse", recordings["bad"], "--person", "ana", "--store", store)
    assert done.exit_code == 0, done.output
    assert "ana: session ->" in done.stderr
    data = progress_json(store, "ana")
    sldl = data["exercises"]["sldl"]
    assert data["person"] == "ana" and list(data["exercises"]) == ["sldl"]
    [session] = sldl["sessions"]
    assert (session["side"], session["date_source"]) == ("left", "file")
    assert session["date"] == datetime.fromtimestamp(1_796_000_000, UTC).isoformat()
    assert session["sets"] == [{"reps": 4, "good_reps": 2, "rest_before_s": None,
                                "fault": session["first_fault"]}]
    assert session["first_fault"]["code"] == "sldl.stance_knee_bend"
    assert (sldl["stage"], sldl["side"]) == ("technique", "left")
    assert sldl["next_target"] == {"sets": 3, "reps": [2, 10], "rest_s": [60.0, 120.0]}

    done = invoke("analyse", recordings["twelve"], "--person", "Ana", "--store", store, "--json")
    assert done.exit_code == 0 and json.loads(done.stdout)["side"] == "left"
    sldl = progress_json(store, "ana")["exercises"]["sldl"]
    assert [s["rule"] for s in sldl["sessions"]] == ["start", "up.technique_to_base"]
    assert sldl["stage"] == "base"
    assert sldl["next_target"] == {"sets": 3, "reps": [12, 12], "rest_s": [60.0, 120.0]}
    assert sldl["next"] == ("next session: 3 sets of 12 good single-leg deadlifts on the left"
                            " leg, 1-2 minutes of rest")
    # The same in the terminal, and in `results` (a session's clip is a stored clip).
    shown = invoke("progress", "ana", "--store", store)
    assert shown.exit_code == 0
    assert "Next session: 3 sets of 12 good single-leg deadlifts on the left leg" in shown.stdout
    assert "24-48 hours between a strength session and a run" in shown.stdout
    listed = json.loads(invoke("results", store, "--json").stdout)
    assert sorted(c["good_reps"] for c in listed) == [2, 12]


def test_the_progress_page_is_written_and_links_stored_reports(
        tmp_path: Path, recordings: dict[str, Path]) -> None:
    store = tmp_path / "D"
    assert invoke("analyse", recordings["bad"], "--person", "ana", "--store", store
                  ).exit_code == 0
    with ResultStore(store, readonly=True) as results:
        [session] = results.sessions("ana")
    report = store / "clips" / session.clip[:16] / "report.html"
    report.parent.mkdir(parents=True)
    report.write_text("<p>report</p>")
    page = tmp_path / "pages" / "ana.html"
    page.parent.mkdir()
    done = invoke("progress", "ana", "--store", store, "--html", page)
    assert done.exit_code == 0 and f"progress page -> {page}" in done.stderr
    text = page.read_text(encoding="utf-8")
    assert f'href="../D/clips/{session.clip[:16]}/report.html"' in text
    assert "Your progress, ana" in text and "<svg" in text


def test_usage_and_input_errors_are_one_line(tmp_path: Path, recordings: dict[str, Path]
                                             ) -> None:
    done = invoke("analyse", recordings["bad"], "--person", "ana")
    assert done.exit_code == 2 and "--person and --store go together" in done.output
    done = invoke("analyse", recordings["bad"], "--person", "a\x07", "--store", tmp_path / "D")
    assert done.exit_code == 2 and "person name" in done.output
    assert not (tmp_path / "D").exists()  # refused before grading, nothing made
    done = invoke("analyse", recordings["bad"], "--person", "ana", "--store",
                  tmp_path / "no" / "D")
    assert done.exit_code == 2 and "does not exist" in done.output
    done = invoke("progress", "ana", "--store", tmp_path)
    assert done.exit_code == 3 and "no results in" in done.output
    assert invoke("analyse", recordings["bad"], "--person", "ana", "--store",
                  tmp_path / "D").exit_code == 0
    done = invoke("progress", "bo", "--store", tmp_path / "D")
    assert done.exit_code == 3
    assert done.output.strip().endswith("no person 'bo' in " + str(tmp_path / "D")
                                        + ": known: ana")


def test_people_rename_merge_and_forget(tmp_path: Path, recordings: dict[str, Path]) -> None:
    store = tmp_path / "D"
    for path, name in ((recordings["bad"], "ana"), (recordings["twelve"], "ana phone")):
        assert invoke("analyse", path, "--person", name, "--store", store).exit_code == 0
    listed = json.loads(invoke("people", "list", "--store", store, "--json").stdout)
    assert [(p["name"], p["sessions"]) for p in listed] == [("ana", 1), ("ana phone", 1)]
    done = invoke("people", "rename", "ana phone", "ana", "--store", store)
    assert done.exit_code == 2 and "formcheck people merge" in done.output
    done = invoke("people", "merge", "ana phone", "ana", "--store", store)
    assert done.exit_code == 0 and "1 session(s) of ana phone -> ana" in done.stderr
    assert invoke("people", "rename", "ana", "Ana L", "--store", store).exit_code == 0
    sessions = progress_json(store, "ana l")["exercises"]["sldl"]["sessions"]
    assert len(sessions) == 2
    # Forget one session of a clip, then a clip with its result.
    first = sessions[0]["clip"]
    assert invoke("forget", first[:6], "--store", store).exit_code == 2
    done = invoke("forget", first[:10], "--store", store, "--person", "ana l")
    assert done.exit_code == 0 and "1 session(s) of ana l removed" in done.stderr
    with ResultStore(store, readonly=True) as results:
        assert results.get(first) is not None and len(results.sessions("ana l")) == 1
    second = sessions[1]["clip"]
    done = invoke("forget", second, "--store", store)
    assert done.exit_code == 0 and "1 session(s) and the clip's result removed" in done.stderr
    with ResultStore(store, readonly=True) as results:
        assert results.get(second) is None and results.sessions("ana l") == []
    assert invoke("forget", second, "--store", store).exit_code == 3


def test_a_clip_that_cannot_be_graded_is_stored_but_is_no_session(tmp_path: Path) -> None:
    nothing = write_recording(tmp_path / "standing.npz", hinge_series(Script([], lead_s=3.0)))
    store = tmp_path / "D"
    done = invoke("analyse", nothing, "--person", "ana", "--store", store)
    assert done.exit_code == 4 and "ana: no session (not graded)" in done.stderr
    listed = json.loads(invoke("people", "list", "--store", store, "--json").stdout)
    assert [(p["name"], p["sessions"]) for p in listed] == [("ana", 0)]
    assert [c["status"] for c in json.loads(invoke("results", store, "--json").stdout)] == [
        "ungradable"]
    assert progress_json(store, "ana")["exercises"] == {}


def test_schema_prints_the_progress_schema() -> None:
    done = invoke("schema", "--progress")
    assert done.exit_code == 0 and json.loads(done.stdout)["title"] == "formcheck.progress/1"


# --- batch --person-from-folder, with a stand-in for the workers (no model) -------------

FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(200)


def _fake_engine(report_json: str) -> Any:
    """An engine opener whose engine "grades" every clip as ``report_json`` at once (the
    batch's own workers would need the model)."""
    from contextlib import contextmanager

    from formcheck.drivers.batch.engine import Finished

    class Engine:
        def __init__(self) -> None:
            self.jobs: list[Any] = []

        def free(self) -> int:
            return 1 - len(self.jobs)

        def running(self) -> list[Any]:
            return list(self.jobs)

        def submit(self, job: Any, limit_s: float) -> None:
            self.jobs.append(job)

        def poll(self, timeout_s: float) -> list[Any]:
            done, self.jobs = self.jobs, []
            return [Finished(job, ClipResult(
                hash=job.hash, status=ClipStatus.GRADED, reason=None, report_json=report_json,
                exercise=job.exercise, seconds=0.1, formcheck_version=__version__,
                model_sha256=None)) for job in done]

        def close(self) -> list[Any]:
            return []

    @contextmanager
    def open_engine(**_: Any) -> Any:
        yield Engine()

    return open_engine


def test_batch_person_from_folder_records_each_person_s_sessions(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import formcheck.drivers.batch.run as batch_run

    twelve = grade(legs_exchanged(hinge_series(Script([HingeRep()] * 12, fps=15))), "sldl")
    monkeypatch.setattr(batch_run, "open_engine", _fake_engine(json.dumps(twelve.to_dict())))
    inbox, results = tmp_path / "inbox", tmp_path / "results"
    for relative, tail in (("ana/mon.mp4", b"1"), ("ana/week 2/thu.mp4", b"2"),
                           ("bo/mon.mp4", b"1"), ("loose.mp4", b"3")):
        path = inbox / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(FAKE_MP4 + tail)
    os.utime(inbox / "ana/mon.mp4", (1_796_000_000, 1_796_000_000))
    settings = BatchSettings(inbox=inbox, results=results, workers=1, person_from_folder=True)
    summary = run_batch(settings)
    assert summary.counts["graded"] == 3 and summary.unassigned == 1
    assert "1 in no person's folder" in summary.line()
    with ResultStore(results, readonly=True) as store:
        ana, bo = store.sessions("ana"), store.sessions("bo")
        assert [p.name for p in store.people()] == ["ana", "bo"]
    assert len(ana) == 2 and len(bo) == 1
    assert ana[0].date.at == datetime.fromtimestamp(1_796_000_000, UTC)
    assert bo[0].clip == ana[0].clip  # the same bytes in two folders: a session of each

    # A rerun skips the stored clips but gives them to a newly named folder's person.
    (inbox / "cy").mkdir()
    (inbox / "cy" / "copy.mp4").write_bytes(FAKE_MP4 + b"2")
    again = run_batch(settings)
    assert again.done == 0 and again.skipped == 3
    with ResultStore(results, readonly=True) as store:
        assert [s.clip for s in store.sessions("cy")] == [ana[1].clip]
    # Without the flag nobody's sessions are touched.
    plain = run_batch(BatchSettings(inbox=inbox, results=results, workers=1))
    assert plain.unassigned == 0
    with ResultStore(results, readonly=True) as store:
        assert len(store.sessions("ana")) == 2


# --- with the model: the sample clip, then a clip of 12 good reps made from it ----------

SAMPLE = "sldl_side_knee_breaks_rep3.mp4"
#: Its first two reps (good, on the left leg), from a quarter second before rep 1 to a
#: quarter second after rep 2 (labels.json: 1.75-4.67 s and 5.17-8.08 s): at rest at both
#: ends, standing on the left leg, so copies of it join without a jump.
GOOD_SPAN_S = (1.5, 8.33)


def twelve_good_reps_clip(path: Path, creation_time: datetime) -> Path:
    """The sample's idle start and first two good reps, then five more copies of those two
    reps, then a second of standing still: 12 good reps in one set, as an H.264 clip whose
    container says it was filmed at ``creation_time``."""
    import av

    from formcheck.sources.file import VideoFile

    with VideoFile(SAMPLE_VIDEOS / SAMPLE) as video:
        fps = video.info.fps
        frames = [(f.t_s, f.image) for f in video.frames()]
    start, end = GOOD_SPAN_S
    head = [image for t, image in frames if t < end]
    span = [image for t, image in frames if start <= t < end]
    images = head + span * 5 + [head[-1]] * round(fps)
    height, width = images[0].shape[:2]
    with av.open(str(path), "w") as container:
        container.metadata["creation_time"] = creation_time.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        stream = container.add_stream("libx264", rate=round(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for image in images:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode())
    return path


@pytest.mark.model
@pytest.mark.browser
def test_the_sample_clip_is_technique_and_twelve_good_reps_move_ana_to_base(
        tmp_path: Path) -> None:
    store = tmp_path / "D"
    # The commands, as written.
    done = invoke("analyse", SAMPLE_VIDEOS / SAMPLE, "--person", "ana", "--store", store)
    assert done.exit_code == 0, done.output
    data = progress_json(store, "ana")
    sldl = data["exercises"]["sldl"]
    [first] = sldl["sessions"]
    assert (first["side"], first["date_source"]) == ("left", "file")  # no creation time
    assert [(s["reps"], s["good_reps"]) for s in first["sets"]] == [(5, 2)]
    assert first["first_fault"]["code"] == "sldl.stance_knee_bend"
    assert (sldl["stage"], first["rule"]) == ("technique", "start")
    assert sldl["next_target"] == {"sets": 3, "reps": [2, 10], "rest_s": [60.0, 120.0]}

    filmed = datetime.now(UTC).replace(microsecond=0)
    clip = twelve_good_reps_clip(tmp_path / "twelve.mp4", filmed)
    done = invoke("analyse", clip, "--person", "ana", "--store", store, "--json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert (report["total_reps"], report["good_reps"], report["side"]) == (12, 12, "left")
    assert [s["reps"] for s in report["sets"]] == [12]
    sldl = progress_json(store, "ana")["exercises"]["sldl"]
    second = sldl["sessions"][1]
    assert (second["date"], second["date_source"]) == (filmed.isoformat(), "metadata")
    assert [(s["reps"], s["good_reps"]) for s in second["sets"]] == [(12, 12)]
    # A set of 10 or more good reps ends technique: 3 sets of that set's reps next.
    assert (second["rule"], sldl["stage"]) == ("up.technique_to_base", "base")
    assert sldl["next_target"] == {"sets": 3, "reps": [12, 12], "rest_s": [60.0, 120.0]}
    assert sldl["next"] == ("next session: 3 sets of 12 good single-leg deadlifts on the left"
                            " leg, 1-2 minutes of rest")

    # The page of that store, as `formcheck progress --html` writes it, in Chromium.
    page_file = tmp_path / "ana.html"
    assert invoke("progress", "ana", "--store", store, "--html", page_file).exit_code == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, viewport in (("desktop", {"width": 1280, "height": 900}),
                            ("phone", {"width": 390, "height": 844})):
        with opened_page(page_file, viewport) as opened:
            assert opened.console_errors == [] and opened.remote_requests == []
            page = opened.page
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            assert page.locator(".pg-track").get_attribute("data-stage") == "base"
            assert page.locator("#exercise-sldl .pg-sessions tbody tr").count() == 2
            page.screenshot(path=str(ARTIFACTS / f"progress_ana_cli_{label}.png"),
                            full_page=True)
