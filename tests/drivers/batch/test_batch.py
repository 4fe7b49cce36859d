"""formcheck batch: discovery by content, resume rules, crash and time-limit isolation,
the results listing, and (with the model) a real inbox and a SIGKILL mid-run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from formcheck import __version__
from formcheck.cli import app
from formcheck.drivers.batch.discovery import discover
from formcheck.drivers.batch.index import write_index
from formcheck.drivers.batch.jobs import TEST_HOOK_ENV, BatchSettings
from formcheck.drivers.batch.listing import results_csv
from formcheck.drivers.batch.run import regrade_reason, run_batch
from formcheck.errors import InputError, UsageError
from formcheck.pose.model import MODELS
from formcheck.sources.sniff import sniff_video
from formcheck.store.results import (
    STORE_NAME,
    ClipResult,
    ClipStatus,
    ResultStore,
    StoredClip,
)
from tests.browser import opened_page
from tests.conftest import SAMPLE_VIDEOS

#: The smallest sample clips (about 30 s of model time together).
SMALL_CLIPS = ("bridge_side_incomplete_lockout.mp4", "bridge_side_hyperextension_feet.mp4",
               "bridge_single_leg_pelvic_drop_oblique.mp4")
#: An MP4 signature with nothing decodable after it.
FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(200)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(100)

runner = CliRunner()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def hidden_temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*") if p.is_file()]


# --- discovery (no model) ---------------------------------------------------------------

@pytest.mark.parametrize(("data", "expected"), [
    (FAKE_MP4, True),
    (b"\x1a\x45\xdf\xa3" + bytes(60), True),  # Matroska / WebM
    (b"RIFF\x00\x00\x00\x00AVI LIST" + bytes(40), True),
    (b"\x00\x00\x01\xba" + bytes(60), True),  # MPEG-PS
    (b"", False),
    (b"hello, this is a text file\n" * 10, False),
    (PNG, False),
    (os.urandom(4096).replace(b"ftyp", b"xxxx").lstrip(b"\x47"), False),
])
def test_sniff_decides_by_content(tmp_path: Path, data: bytes, expected: bool) -> None:
    assert sniff_video(write(tmp_path / "clip.mp4", data)) is expected


def test_sniff_recognises_a_real_clip_under_any_name(tmp_path: Path) -> None:
    source = SAMPLE_VIDEOS / SMALL_CLIPS[0]
    for name in ("clip", "clip.MOV", "clip.mp4.part", "clip.txt"):
        assert sniff_video(write(tmp_path / name, source.read_bytes()))


def test_discover_groups_copies_and_keeps_files_named_like_videos(tmp_path: Path) -> None:
    write(tmp_path / "a.mp4", FAKE_MP4)
    write(tmp_path / "sub" / "a copy", FAKE_MP4)
    write(tmp_path / "empty.mp4", b"")
    write(tmp_path / "notes.txt", b"not a clip\n")
    write(tmp_path / "pic.png", PNG)
    write(tmp_path / ".hidden.mp4", FAKE_MP4 + b"x")
    found = discover(tmp_path)
    assert found.ignored == 2
    by_name = {Path(clip.paths[0]).name: clip for clip in found.clips}
    assert set(by_name) == {"a.mp4", "empty.mp4"}
    assert by_name["a.mp4"].video and not by_name["empty.mp4"].video
    assert by_name["a.mp4"].paths == (str(tmp_path / "a.mp4"), str(tmp_path / "sub" / "a copy"))


def test_settings_refuse_results_inside_the_inbox(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="outside the inbox"):
        BatchSettings(inbox=tmp_path, results=tmp_path / "results")
    with pytest.raises(UsageError, match="--workers"):
        BatchSettings(inbox=tmp_path / "in", results=tmp_path / "out", workers=0)


def test_an_inbox_without_video_is_an_input_error(tmp_path: Path) -> None:
    write(tmp_path / "in" / "notes.txt", b"hello\n")
    with pytest.raises(InputError, match="no video found"):
        run_batch(BatchSettings(inbox=tmp_path / "in", results=tmp_path / "out"))
    assert not (tmp_path / "out").exists()


# --- resume rules -----------------------------------------------------------------------

def stored(**changes: object) -> StoredClip:
    result = ClipResult(hash="ab" * 32, status=ClipStatus.GRADED, reason=None, report_json=None,
                        exercise="auto", seconds=1.0, formcheck_version=__version__,
                        model_sha256=MODELS["full"].sha256)
    return StoredClip(result=replace(result, **changes), paths=("/in/a.mp4",),  # type: ignore[arg-type]
                      finished_at="2026-01-01T00:00:00+00:00")


def test_regrade_only_when_forced_or_something_changed(tmp_path: Path) -> None:
    settings = BatchSettings(inbox=tmp_path / "in", results=tmp_path / "out")
    assert regrade_reason(stored(), settings) is None
    assert regrade_reason(stored(), replace(settings, force=True)) == "--force"
    why = regrade_reason(stored(formcheck_version="0.0.1", model_sha256="00" * 32), settings)
    assert why is not None
    assert f"formcheck version 0.0.1 -> {__version__}" in why
    assert "model sha256 000000000000 ->" in why
    assert regrade_reason(stored(), replace(settings, exercise="bridge")) == (
        "exercise auto -> bridge")


# --- crash and time limit, through the test hook (no model) ------------------------------

def test_a_crash_and_a_hang_are_isolated_and_failures_retried_only_on_request(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, results = tmp_path / "in", tmp_path / "out"
    write(inbox / "1_crash_me.mp4", FAKE_MP4 + b"1")
    write(inbox / "2_hang_me.mp4", FAKE_MP4 + b"2")
    write(inbox / "3_plain.mp4", FAKE_MP4 + b"3")
    monkeypatch.setenv(TEST_HOOK_ENV, "crash=crash_me;hang=hang_me")
    settings = BatchSettings(inbox=inbox, results=results, workers=1, timeout_factor=0.0,
                             timeout_base_s=2.0, html=True)
    summary = run_batch(settings)
    assert summary.counts == {"graded": 0, "ungradable": 1, "failed": 2}
    with ResultStore(results, readonly=True) as store:
        reasons = {Path(c.paths[0]).name: (c.result.status, c.result.reason)
                   for c in store.clips()}
    assert reasons["1_crash_me.mp4"] == (ClipStatus.FAILED, "worker crashed (exit code 70)")
    assert reasons["2_hang_me.mp4"] == (ClipStatus.FAILED, "timed out after 2 s")
    assert reasons["3_plain.mp4"][0] is ClipStatus.UNGRADABLE
    assert "looks cut off" in (reasons["3_plain.mp4"][1] or "")  # an ftyp box and no index
    assert hidden_temporaries(results) == []
    assert "worker crashed" in (results / "index.html").read_text(encoding="utf-8")

    monkeypatch.delenv(TEST_HOOK_ENV)
    again = run_batch(settings)
    assert (again.done, again.skipped, again.skipped_failed) == (0, 1, 2)
    retried = run_batch(replace(settings, retry_failed=True))
    assert retried.counts == {"graded": 0, "ungradable": 2, "failed": 0}


def test_ctrl_c_finishes_the_clip_in_flight_and_says_how_to_resume(tmp_path: Path) -> None:
    inbox, results = tmp_path / "in", tmp_path / "out"
    for index in range(3):
        write(inbox / f"{index}_slow.mp4", FAKE_MP4 + bytes([index]))
    command = [sys.executable, "-m", "formcheck", "batch", str(inbox), "-o", str(results),
               "--workers", "1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True,
                               env={**os.environ, TEST_HOOK_ENV: "slow=slow"})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _stored_count(results) == 0:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole group
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130, stderr
    assert "resume with the same command" in stderr
    assert _stored_count(results) == 2  # the clip in flight was finished and stored
    assert (results / "index.html").is_file()
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    assert "2 already stored" in rerun.stderr and _stored_count(results) == 3


# --- the results command (no model) -----------------------------------------------------

def make_store(folder: Path) -> None:
    with ResultStore(folder) as store:
        store.record(ClipResult(hash="11" * 32, status=ClipStatus.FAILED,
                                reason="=timed out after 70 s", report_json=None,
                                exercise="auto", seconds=70.0, formcheck_version=__version__,
                                model_sha256=None), ["/in/slow.mp4"])
        store.record(ClipResult(hash="22" * 32, status=ClipStatus.UNGRADABLE,
                                reason="empty file (0 bytes)", report_json=None,
                                exercise="auto", seconds=0.0, formcheck_version=__version__,
                                model_sha256=None), ["/in/empty.mp4", "/in/sub/empty"])


def test_results_lists_json_csv_and_table(tmp_path: Path) -> None:
    make_store(tmp_path)
    listed = runner.invoke(app, ["results", str(tmp_path), "--json"])
    assert listed.exit_code == 0, listed.output
    clips = json.loads(listed.stdout)
    assert [c["status"] for c in clips] == ["ungradable", "failed"]
    assert clips[0]["paths"] == ["/in/empty.mp4", "/in/sub/empty"]
    assert set(clips[1]) == {"hash", "paths", "status", "outcome", "banner", "reason",
                             "exercise", "total_reps", "good_reps", "first_bad_rep", "doubts",
                             "warning_codes"}
    assert [(c["outcome"], c["banner"]) for c in clips] == [("not_graded", "red"),
                                                           ("failed", "red")]

    for per_rep in (False, True):
        out = tmp_path / f"r{per_rep}.csv"
        args = ["results", str(tmp_path), "--csv", str(out)] + (["--per-rep"] if per_rep else [])
        assert runner.invoke(app, args).exit_code == 0
        lines = out.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 3
        assert lines[1].startswith("/in/empty.mp4; /in/sub/empty,ungradable,empty file")
        # the failure keeps its status; its reason is neutralised for spreadsheets
        assert lines[2].startswith("/in/slow.mp4,failed,'=timed out after 70 s")

    table = runner.invoke(app, ["results", str(tmp_path)])
    assert table.exit_code == 0 and "empty file (0 bytes)" in table.stdout


def test_results_errors(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["results", str(tmp_path)])
    assert missing.exit_code == 3 and "no results in" in missing.output
    make_store(tmp_path)
    both = runner.invoke(app, ["results", str(tmp_path), "--json", "--csv",
                               str(tmp_path / "x.csv")])
    assert both.exit_code == 2


def test_results_csv_of_nothing_is_a_header(tmp_path: Path) -> None:
    results_csv([], tmp_path / "empty.csv")
    assert (tmp_path / "empty.csv").read_text(encoding="utf-8").startswith("path,status,")


def make_index(results: Path) -> Path:
    """A store of four clips written with the store API (no model), two with a report
    page, and its ``index.html``."""
    rows = [  # (hash byte, status, total reps, report page, paths)
        ("aa", ClipStatus.GRADED, 5, True, ["/in/b.mp4", "/in/sub/b copy.MOV"]),
        ("bb", ClipStatus.GRADED, 2, True, ["/in/a.mp4"]),
        ("cc", ClipStatus.UNGRADABLE, None, False, ["/in/<c>.mp4"]),
        ("dd", ClipStatus.FAILED, None, False, ["/in/d.mp4"]),
    ]
    with ResultStore(results) as store:
        for byte, status, reps, page, paths in rows:
            report = None if reps is None else json.dumps(
                {"exercise": "bridge", "total_reps": reps, "good_reps": reps - 1,
                 "first_bad_rep": 1, "verdict": f"{reps - 1} good reps"})
            store.record(ClipResult(hash=byte * 32, status=status,
                                    reason=None if reps else "not a video",
                                    report_json=report, exercise="auto", seconds=1.0,
                                    formcheck_version=__version__, model_sha256=None), paths)
            if page:
                write(results / "clips" / (byte * 8) / "report.html", b"<!doctype html>ok")
        return write_index(results, store.clips())


@pytest.mark.browser
def test_index_opens_in_headless_chromium_sorts_and_links_inside_results(
        tmp_path: Path) -> None:
    results = tmp_path / "results"
    index = make_index(results)
    with opened_page(index) as opened:
        page = opened.page
        rows = page.locator("#clips tbody tr")
        assert rows.count() == 4

        def column(number: int) -> list[str]:
            return [text.strip() for text in page.locator(
                f"#clips tbody tr td:nth-child({number})").all_inner_texts()]

        before = column(4)  # reps, in the store's order (by first path)
        assert before == ["", "2", "5", ""]  # /in/<c>.mp4 sorts first
        page.locator("#clips th", has_text="reps").first.click()
        assert column(4) == ["2", "5", "", ""]  # ascending, blanks last
        page.locator("#clips th", has_text="reps").first.click()
        assert column(4) == ["", "", "5", "2"]
        page.locator("#clips th", has_text="outcome").click()
        assert column(2) == ["failed", "graded", "graded", "not graded"]

        hrefs = page.eval_on_selector_all(
            "a", "links => links.map(a => a.getAttribute('href'))")
        resolved = page.eval_on_selector_all("a", "links => links.map(a => a.href)")
    assert opened.console_errors == []
    assert opened.remote_requests == []
    assert len(hrefs) == 2
    for href in hrefs:
        assert "://" not in href and not href.startswith(("/", "\\")), href
    root = results.resolve().as_uri() + "/"
    for url in resolved:
        assert url.startswith(root + "clips/"), url
        target = Path(url.removeprefix("file://"))
        assert target.is_file() and results.resolve() in target.resolve().parents


# --- with the model ---------------------------------------------------------------------

#: Further names of each small clip: other names, extensions and folders (no model time:
#: clips are keyed by content).
COPIES = ("sub/copy_{n}.MOV", "sub/deeper/noext_{n}", "x{n}.mp4.part", "IMG_{n}.m4v",
          "phone/{n}.mov", "phone/old/{n} (1).mp4")


def build_inbox(inbox: Path) -> tuple[dict[str, list[str]], dict[str, list[str]], int]:
    """Three clips, each under six other names, extensions and folders, plus broken files
    of every kind and files to ignore: 34 files.

    Returns the expected paths of the good clips and of the broken ones (grouped by
    content, keyed by a name), and the number of files to ignore.
    """
    expected: dict[str, list[str]] = {}
    for number, name in enumerate(SMALL_CLIPS):
        data = (SAMPLE_VIDEOS / name).read_bytes()
        paths = [write(inbox / name, data)]
        paths += [write(inbox / other.format(n=number), data) for other in COPIES]
        expected[name] = sorted(str(path.resolve()) for path in paths)
    data = (SAMPLE_VIDEOS / SMALL_CLIPS[1]).read_bytes()
    broken_files = {  # the moov atom is at the end of the sample clips: a cut one is unreadable
        "truncated_10": [("broken/truncated_10.mp4", data[: len(data) // 10])],
        "truncated_50": [("broken/truncated_50.mp4", data[: len(data) // 2]),
                         ("broken/again/truncated_50 copy.mov", data[: len(data) // 2])],
        "empty": [("broken/empty.mp4", b""), ("empty.mov", b"")],
        "random": [("broken/random.mp4", os.urandom(20_000).replace(b"ftyp", b"xxxx"))],
        "text": [("broken/text.mp4", b"not a video, but named like one\n" * 20)],
        "png": [("broken/picture.mov", PNG)],
        "mp4_header": [("broken/header.mp4",
                        data[:64] + os.urandom(20_000).replace(b"moov", b"xxxx"))],
    }
    broken = {key: sorted(str(write(inbox / name, content).resolve())
                          for name, content in files)
              for key, files in broken_files.items()}
    ignored = [write(inbox / "notes.txt", b"hello\n"), write(inbox / "picture.png", PNG),
               write(inbox / "sub" / "README", b"clips from the coach\n")]
    assert sum(1 for path in inbox.rglob("*") if path.is_file()) >= 30
    return expected, broken, len(ignored)


@pytest.mark.model
def test_a_real_inbox_is_graded_once_per_clip_and_a_rerun_skips_it(tmp_path: Path) -> None:
    inbox, results = tmp_path / "inbox", tmp_path / "results"
    expected, broken, ignored = build_inbox(inbox)
    # No per-clip time limit to speak of: on a busy machine a clip may take several times
    # its usual time, and this test is about what is stored, not about time limits.
    summary = run_batch(BatchSettings(inbox=inbox, results=results, workers=2, html=True,
                                      timeout_base_s=3600.0))
    # nothing stopped early: every distinct content has a result
    assert (summary.found, summary.ignored, summary.done) == (10, ignored, 10)
    assert not summary.interrupted and summary.remaining == 0
    assert summary.counts == {"graded": 3, "ungradable": 7, "failed": 0}
    with ResultStore(results, readonly=True) as store:
        clips = store.clips()
    by_path = {clip.paths[0]: clip for clip in clips}
    assert len(clips) == 10
    for paths in expected.values():
        clip = by_path[paths[0]]
        assert clip.result.status is ClipStatus.GRADED
        assert list(clip.paths) == paths
        assert (results / "clips" / clip.result.hash[:16] / "report.html").is_file()
    for key, paths in broken.items():
        clip = by_path[paths[0]]
        assert list(clip.paths) == paths, key
        assert clip.result.status is ClipStatus.UNGRADABLE and clip.result.reason, key
    # Worded as `formcheck analyse` words it.
    empty = broken["empty"][0]
    assert by_path[empty].result.reason == f"{empty} is empty (0 bytes): send the clip itself"
    index = (results / "index.html").read_text(encoding="utf-8")
    assert index.count('href="clips/') == 3
    assert "http://" not in index and "https://" not in index and "<script src" not in index
    assert hidden_temporaries(results) == []

    again = run_batch(BatchSettings(inbox=inbox, results=results, workers=2, html=True))
    assert (again.done, again.skipped) == (0, 10)


@pytest.mark.model
def test_a_rerun_with_html_and_annotate_makes_the_missing_files_without_regrading(
        tmp_path: Path) -> None:
    inbox, results = tmp_path / "in", tmp_path / "out"
    write(inbox / "a.mp4", (SAMPLE_VIDEOS / SMALL_CLIPS[2]).read_bytes())
    settings = BatchSettings(inbox=inbox, results=results, workers=1)
    assert run_batch(settings).counts["graded"] == 1
    with ResultStore(results, readonly=True) as store:
        before = store.clips()[0]
    again = run_batch(replace(settings, html=True, annotate=True))
    assert (again.done, again.skipped, again.outputs_made) == (0, 1, 1)
    assert "1 stored clip(s) given their missing report page or video" in again.line()
    folder = results / "clips" / before.result.hash[:16]
    assert (folder / "report.html").is_file() and (folder / "annotated.mp4").is_file()
    with ResultStore(results, readonly=True) as store:
        assert store.clips()[0] == before  # the stored grade, untouched
    assert 'href="clips/' in (results / "index.html").read_text(encoding="utf-8")
    third = run_batch(replace(settings, html=True, annotate=True))
    assert third.outputs_made == 0 and third.skipped == 1


@pytest.mark.model
@pytest.mark.parametrize("kill_at", ["while starting", "after the first result"])
def test_sigkill_mid_run_loses_nothing_that_was_stored(tmp_path: Path, kill_at: str) -> None:
    inbox, results = tmp_path / "inbox", tmp_path / "results"
    for name in SMALL_CLIPS[:2]:
        write(inbox / name, (SAMPLE_VIDEOS / name).read_bytes())
    command = [sys.executable, "-m", "formcheck", "batch", str(inbox), "-o", str(results),
               "--workers", "1", "--html"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        if kill_at == "while starting":
            # The store exists, the worker is loading the model or grading the first clip.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not (results / STORE_NAME).is_file():
                assert process.poll() is None, "the batch ended before it could be killed"
                time.sleep(0.05)
            time.sleep(1.0)
            stored_before = _stored_count(results)
        else:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and _stored_count(results) == 0:
                assert process.poll() is None, "the batch ended before it could be killed"
                time.sleep(0.1)
            stored_before = _stored_count(results)
            assert stored_before == 1
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the coordinator and its worker
        process.wait()
    # A guard against a hang only: two clips took over 120 s on the 2-core machine at a
    # load of 11-12.
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{stored_before} already stored" in rerun.stderr or stored_before == 0
    with sqlite3.connect(results / STORE_NAME) as db:
        rows = db.execute("SELECT status, COUNT(*) FROM clips GROUP BY status").fetchall()
        paths = db.execute("SELECT COUNT(*), COUNT(DISTINCT hash) FROM paths").fetchone()
    assert rows == [("graded", 2)]
    assert paths == (2, 2)
    assert hidden_temporaries(results) == []


def _stored_count(results: Path) -> int:
    path = results / STORE_NAME
    if not path.is_file():
        return 0
    try:
        with sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True) as db:
            return int(db.execute("SELECT COUNT(*) FROM clips").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0
