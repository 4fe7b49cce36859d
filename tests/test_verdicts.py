"""Every input gets a clear verdict: a corpus of awkward files written at test time from
the sample clips (tests/corpus.py), each run through ``formcheck analyse --json``, and a
fuzzer that mutates a valid clip. Each case asserts the status, the error or warning
code and the exit code, and that stdout holds exactly one JSON object that matches the
schema. The exit codes asserted here are the README's table (see test_readme_exit_codes).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formcheck.errors import ExitCode
from formcheck.reporters.schema import validate_report
from tests import corpus
from tests.conftest import ROOT

#: Exit codes the README documents; nothing else may come out of formcheck.
DOCUMENTED_EXIT_CODES = {0, 1, 2, 3, 4, 5, 130, 141}
FORMCHECK = [sys.executable, "-m", "formcheck"]


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict[str, Any]:
        """The one JSON object on stdout, checked against the schema."""
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one JSON object on stdout, got {self.stdout!r}"
        data: dict[str, Any] = json.loads(lines[0])
        validate_report(data)
        return data

    @property
    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def run_in_process(args: list[str]) -> Run:
    """The command line as ``main`` runs it (click errors included), without a new
    interpreter and a new model import per case."""
    from formcheck.cli import run as _run

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = _run(args)
    return Run(code, out.getvalue(), err.getvalue())


def run_process(args: list[str], *, timeout: float = 120.0, **options: Any) -> Run:
    """``python -m formcheck ARGS`` in a new process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    done = subprocess.run([*FORMCHECK, *args], capture_output=True, text=True, timeout=timeout,
                          env=env, check=False, **options)
    return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus")


_built: dict[str, Path] = {}


def build(name: str, builder: Callable[[Path], Path], folder: Path) -> Path:
    if name not in _built:
        _built[name] = builder(folder)
    return _built[name]


@dataclass(frozen=True)
class Case:
    """One awkward input and the verdict it must get.

    Attributes:
        builder: Writes the input into a folder.
        status: ``error``, ``graded`` or ``ungradable``.
        code: The error code (status error), else the warning codes the report must
            carry (None: the report must carry no warning).
        exit_code: The process exit code.
        model: The pose model runs on it.
        reason: Words the reason of a clip not graded must hold.
    """

    builder: Callable[[Path], Path]
    status: str
    code: str | tuple[str, ...] | None
    exit_code: int
    model: bool = False
    reason: str | None = None


CASES: dict[str, Case] = {
    "zero bytes": Case(corpus.zero_bytes, "error", "not_a_video", 3),
    "random bytes": Case(corpus.random_bytes, "error", "not_a_video", 3),
    "text": Case(corpus.text, "error", "not_a_video", 3),
    "empty .npz recording": Case(corpus.empty_recording, "error", "not_a_video", 3),
    "random .npz recording": Case(corpus.random_recording, "error", "not_a_video", 3),
    "png image": Case(corpus.png_image, "error", "not_a_video", 3),
    "png renamed .mp4": Case(corpus.png_renamed_mp4, "error", "not_a_video", 3),
    "jpeg renamed .mp4": Case(corpus.jpeg_renamed_mp4, "error", "not_a_video", 3),
    "audio only": Case(corpus.audio_only, "error", "not_a_video", 3),
    "directory": Case(corpus.directory, "error", "not_a_video", 3),
    "missing path": Case(corpus.missing, "error", "missing", 3),
    "cut at 10%, index at the end": Case(corpus.cut_end(0.1), "error", "truncated", 3),
    "cut at 50%, index at the end": Case(corpus.cut_end(0.5), "error", "truncated", 3),
    "cut at 90%, index at the end": Case(corpus.cut_end(0.9), "error", "truncated", 3),
    # Cut off too short to hold a set: the cut-off is the reason, not also a warning.
    "cut at 10%, index at the front": Case(corpus.cut_front(0.1), "ungradable", None, 4,
                                           model=True, reason="it looks cut off"),
    "cut at 50%, index at the front": Case(corpus.cut_front(0.5), "graded", "truncated", 0,
                                           model=True),
    "cut at 90%, index at the front": Case(corpus.cut_front(0.9), "graded", "truncated", 0,
                                           model=True),
    "one frame": Case(corpus.one_frame, "error", "too_short", 4, model=True),
    "1 fps metadata": Case(corpus.fps_1, "graded", "frame_rate", 0, model=True),
    "1000 fps metadata": Case(corpus.fps_1000, "error", "too_short", 4, model=True),
    "rotation 90": Case(corpus.rotated(90), "graded", None, 0, model=True),
    "rotation 270": Case(corpus.rotated(270), "graded", None, 0, model=True),
    "variable frame rate": Case(corpus.variable_frame_rate, "graded", None, 0, model=True),
    "4K": Case(corpus.uhd_4k, "ungradable", None, 4, model=True),
    "pure black": Case(corpus.pure_black, "ungradable", "poorly_lit", 4, model=True),
    "no person": Case(corpus.no_person, "ungradable", "frames_without_person", 4, model=True),
    "two people": Case(corpus.two_people, "graded", None, 0, model=True),
    "walks out mid-set": Case(corpus.walks_out, "graded", "person_left", 0, model=True),
    "hard cut to another scene": Case(corpus.hard_cut, "graded", "cut", 0, model=True),
    "two exercises in one clip": Case(corpus.two_exercises, "graded", ("cut", "exercise_changed"),
                                      0, model=True),
}


def _params() -> list[Any]:
    return [pytest.param(name, case, id=name,
                         marks=[pytest.mark.model] if case.model else [])
            for name, case in CASES.items()]


@pytest.mark.parametrize(("name", "case"), _params())
def test_every_input_gets_a_clear_verdict(name: str, case: Case, corpus_dir: Path) -> None:
    path = build(name, case.builder, corpus_dir)
    run = run_in_process(["analyse", str(path), "--json"])
    data = run.json
    assert data["status"] == case.status, data
    assert run.exit_code == case.exit_code, run
    if case.status == "error":
        assert data["error"]["code"] == case.code
        # The same words, one line, on stderr; never a traceback.
        assert run.stderr_lines == [f"formcheck: {data['error']['message']}"]
    else:
        codes = [w["code"] for w in data["warnings"]]
        wanted = (case.code,) if isinstance(case.code, str) else case.code
        assert set(wanted) <= set(codes) if wanted else codes == [], codes
        if case.reason is not None:
            assert case.reason in data["reason"], data
        assert "Traceback" not in run.stderr


@pytest.mark.model
def test_the_corpus_details(corpus_dir: Path) -> None:
    """What the verdicts say beyond their codes: times, frame rates, upright sizes."""
    cut = run_in_process(["analyse", str(build("cut at 50%, index at the front",
                                               corpus.cut_front(0.5), corpus_dir)), "--json"])
    (truncated,) = [w for w in cut.json["warnings"] if w["code"] == "truncated"]
    # FFmpeg's reason, in brackets, depends on the decoder's threads (one per chunk).
    assert re.search(r"the file ends at \d+\.\d s of its 9\.0 s( \([^)]+\))?: it looks cut off",
                     truncated["message"]), truncated
    slow = run_in_process(["analyse", str(build("1000 fps metadata", corpus.fps_1000,
                                                corpus_dir)), "--json"]).json
    assert "1000 frames per second" in slow["error"]["message"]
    for degrees in (90, 270):
        rotated = run_in_process(["analyse", str(build(f"rotation {degrees}",
                                                       corpus.rotated(degrees), corpus_dir)),
                                  "--json"]).json
        video = rotated["video"]
        assert (video["width"], video["height"], video["rotation_deg"]) == (640, 480, degrees)
        assert rotated["exercise"] == "sldl" and rotated["total_reps"] >= 1
    uhd = run_in_process(["analyse", str(build("4K", corpus.uhd_4k, corpus_dir)), "--json"])
    assert (uhd.json["video"]["width"], uhd.json["video"]["height"]) == (3840, 2160)


def test_the_terminal_says_the_same_in_one_line(corpus_dir: Path) -> None:
    run = run_in_process(["analyse", str(build("png renamed .mp4", corpus.png_renamed_mp4,
                                               corpus_dir))])
    assert run.exit_code == 3 and run.stdout == ""
    (line,) = run.stderr_lines
    assert line.startswith("formcheck: ") and "still image (png), not a video" in line


def test_a_bug_is_a_bug_with_its_traceback_and_the_error_object(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, corpus_dir: Path) -> None:
    """Even an EOFError, which click would take for an aborted prompt (exit 130)."""
    import formcheck.cli

    def broken(*args: object, **kwargs: object) -> None:
        raise EOFError("a bug")

    monkeypatch.setattr(formcheck.cli, "analyse_file", broken)
    clip = build("rotation 90", corpus.rotated(90), corpus_dir)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(RuntimeError) as raised:
        formcheck.cli.run(["analyse", str(clip), "--json"])
    assert isinstance(raised.value.__cause__, EOFError)
    error = json.loads(out.getvalue())
    validate_report(error)
    assert error["error"]["code"] == "bug" and "EOFError: a bug" in error["error"]["message"]


# ------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(("args", "exit_code", "code", "says"), [
    (["analyse", "clip.mp4", "--exercise", "squat", "--json"], 2, "usage",
     "'squat' is not one of 'auto', 'sldl', 'bridge'"),
    (["analyse", "clip.mp4", "--no-such-option", "--json"], 2, "usage", "No such option"),
    (["analyse", "--json"], 2, "usage", "Missing argument"),
    (["analyse", "/no/such/clip.mp4", "--json"], 3, "missing", "no such file"),
    (["pose", "/no/such/clip.mp4", "--json"], 3, "missing", "no such file"),
    (["eval", "/no/such/labels.json", "--json"], 3, "missing", "no such file"),
], ids=["bad choice", "unknown option", "missing argument", "missing clip", "pose missing",
        "eval missing"])
def test_usage_errors_are_one_line_and_one_json_object(args: list[str], exit_code: int,
                                                       code: str, says: str) -> None:
    run = run_in_process(args)
    assert run.exit_code == exit_code
    assert run.json["error"]["code"] == code and says in run.json["error"]["message"]
    (line,) = run.stderr_lines
    assert line.startswith("formcheck: ") and says in line
    assert "Value error" not in run.stderr and "╭" not in run.stderr


def test_eval_goes_on_past_a_missing_or_unreadable_clip(tmp_path: Path, corpus_dir: Path
                                                        ) -> None:
    shutil.copy(build("png image", corpus.png_image, corpus_dir), tmp_path / "photo.mp4")
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"clips": [
        {"file": "gone.mp4", "exercise": "sldl", "total_reps": 3, "good_reps": 3},
        {"file": "photo.mp4", "exercise": "other"}]}))
    run = run_in_process(["eval", str(labels), "--json"])
    assert run.exit_code == 0, run
    (line,) = [line for line in run.stdout.splitlines() if line.strip()]
    evaluation = json.loads(line)
    assert evaluation["summary"]["clip_errors"] == 2
    gone, photo = evaluation["clips"]
    assert gone["status"] == photo["status"] == "error"
    assert "not found" in gone["error"] and "still image" in photo["error"]


def test_a_missing_output_folder_is_refused_and_not_created(tmp_path: Path,
                                                            corpus_dir: Path) -> None:
    clip = build("rotation 90", corpus.rotated(90), corpus_dir)
    for option in (["pose", str(clip), "-o"], ["analyse", str(clip), "--html"],
                   ["analyse", str(clip), "-o"], ["analyse", str(clip), "--annotate"]):
        target = tmp_path / "no" / "such" / ("out.mp4" if "--annotate" in option else "o.json")
        if option[0] == "pose":
            target = target.with_suffix(".npz")
        run = run_in_process([*option, str(target)])
        assert run.exit_code == 2, (option, run)
        (line,) = run.stderr_lines
        assert "does not exist" in line
        assert not (tmp_path / "no").exists()


# ------------------------------------------------------------ process-level behaviour


def _as_nobody(args: list[str]) -> Run:
    done = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                           *FORMCHECK, *args], capture_output=True, text=True, timeout=60,
                          check=False, cwd="/",
                          env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": "/"})
    return Run(done.returncode, done.stdout, done.stderr)


def test_no_permission_is_unreadable_exit_3(corpus_dir: Path) -> None:
    """Run as a user without override capabilities (root reads anything)."""
    if os.geteuid() != 0:
        pytest.skip("needs root, to run formcheck as the unprivileged user nobody")
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed")
    if _as_nobody(["--version"]).exit_code != 0:
        pytest.skip("the user nobody cannot run formcheck here (the code is not readable)")
    import tempfile

    # A folder anybody may enter, holding a file nobody may read; and a folder nobody
    # may enter (pytest's own tmp folders are private).
    with tempfile.TemporaryDirectory(dir="/tmp") as shared:
        Path(shared).chmod(0o755)
        clip = Path(shared) / "clip.mp4"
        shutil.copy(build("png image", corpus.png_image, corpus_dir), clip)
        clip.chmod(0o000)
        locked = Path(shared) / "locked"
        locked.mkdir(mode=0o700)
        for path in (clip, locked / "clip.mp4"):
            run = _as_nobody(["analyse", str(path), "--json"])
            assert run.exit_code == 3, run
            assert run.json["error"]["code"] == "unreadable"
            assert run.stderr_lines == [f"formcheck: cannot read {path}: permission denied"]


def _with_stdout_closed(args: list[str]) -> tuple[int, bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([*FORMCHECK, *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before anything is written
    stderr = process.stderr.read()
    return process.wait(timeout=120), stderr


def test_a_closed_stdout_exits_quietly_with_141() -> None:
    assert _with_stdout_closed(["schema"]) == (int(ExitCode.BROKEN_PIPE), b"")


@pytest.mark.model
@pytest.mark.parametrize("json_output", [False, True], ids=["terminal", "json"])
def test_a_report_piped_into_head_exits_quietly_with_141(json_output: bool,
                                                         corpus_dir: Path) -> None:
    """``formcheck analyse clip | head -1``: the terminal report (rich) and the JSON."""
    clip = build("rotation 90", corpus.rotated(90), corpus_dir)
    args = ["analyse", str(clip), *(["--json"] if json_output else [])]
    assert _with_stdout_closed(args) == (int(ExitCode.BROKEN_PIPE), b"")


@pytest.mark.model
def test_a_graded_run_leaves_stderr_silent_unless_verbose(corpus_dir: Path) -> None:
    clip = build("rotation 90", corpus.rotated(90), corpus_dir)
    quiet = run_process(["analyse", str(clip), "--json"])
    assert quiet.exit_code == 0 and quiet.json["status"] == "graded"
    assert quiet.stderr == "", quiet.stderr  # no W0000/I0000 lines from MediaPipe
    verbose = run_process(["--verbose", "analyse", str(clip), "--json"])
    assert verbose.exit_code == 0 and verbose.json == quiet.json
    assert verbose.stderr.strip(), "--verbose shows the logs"


@pytest.mark.model
@pytest.mark.parametrize("delay_s", [0.3, 2.0, 4.0])
def test_ctrl_c_at_any_moment_exits_130_with_one_line(delay_s: float, corpus_dir: Path) -> None:
    clip = build("two exercises in one clip", corpus.two_exercises, corpus_dir)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([*FORMCHECK, "analyse", str(clip), "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    time.sleep(delay_s)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("the clip was done before the interrupt (a fast machine)")
    assert process.returncode == 130, (stdout, stderr)
    assert [line for line in stderr.splitlines() if line.strip()] == ["formcheck: interrupted"]
    lines = [line for line in stdout.splitlines() if line.strip()]
    if lines:  # interrupted once the command ran: the error object
        assert len(lines) == 1 and json.loads(lines[0])["error"]["code"] == "interrupted"


# --------------------------------------------------------------------------- fuzzing


@pytest.fixture(scope="module")
def small_clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    frames = corpus.sample_frames(corpus.DEADLIFT, 2.0, 3.6, fps=10.0)
    small = [frame[::4, ::4].copy() for frame in frames]  # 160x120
    path = corpus.write_clip(tmp_path_factory.mktemp("fuzz") / "small.mp4", small, fps=10.0,
                             faststart=True)
    return path.read_bytes()


@pytest.mark.model
@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_clips_get_a_verdict_never_a_crash_or_a_hang(small_clip: bytes, data: st.DataObject,
                                                             tmp_path: Path) -> None:
    blob = bytearray(small_clip)
    edits = data.draw(st.lists(st.tuples(st.integers(0, len(blob) - 1), st.integers(0, 255)),
                               min_size=1, max_size=40), label="edits")
    for offset, value in edits:
        blob[offset] = value
    keep = data.draw(st.integers(len(blob) // 20, len(blob)), label="kept bytes")
    path = tmp_path / "fuzzed.mp4"
    path.write_bytes(bytes(blob[:keep]))
    run = run_process(["analyse", str(path), "--json"], timeout=90)
    assert run.exit_code in {0, 3, 4}, run
    data_out = run.json
    assert data_out["status"] in {"graded", "ungradable", "error"}
    assert "Traceback" not in run.stderr
    assert len(run.stderr_lines) <= 1, run.stderr
