"""The command line: help, version, bad arguments, and the pose export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from formcheck import __version__
from formcheck.cli import app
from formcheck.pose.series import PoseRecording
from tests.conftest import realclip

runner = CliRunner(env={"COLUMNS": "300"})


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "pose" in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"formcheck {__version__}"


def test_python_dash_m_works() -> None:
    done = subprocess.run([sys.executable, "-m", "formcheck", "--version"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip() == f"formcheck {__version__}"


def test_missing_video_is_bad_input_in_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["pose", str(tmp_path / "none.mp4"), "-o", "x.npz"])
    assert result.exit_code == 3
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "no such file" in lines[0]


def test_pose_needs_an_output(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"")
    result = runner.invoke(app, ["pose", str(video)])
    assert result.exit_code == 2
    assert "-o poses.npz" in result.output


def test_unreadable_video_is_one_line_and_exit_3(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    video.write_text("not a video")
    result = runner.invoke(app, ["pose", str(video), "-o", str(tmp_path / "p.npz")])
    assert result.exit_code == 3
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "is it a video file" in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "p.npz").exists()


@pytest.mark.model
def test_pose_writes_npz_and_json(tmp_path: Path) -> None:
    clip = realclip("06_bridge_tbf_glute_bridge.mp4")
    npz, as_json = tmp_path / "p.npz", tmp_path / "p.json"
    assert runner.invoke(app, ["pose", str(clip), "-o", str(npz)]).exit_code == 0
    assert runner.invoke(app, ["pose", str(clip), "-o", str(as_json)]).exit_code == 0
    recording = PoseRecording.load_npz(npz)
    data = json.loads(as_json.read_text())
    assert len(data["frames"]) == len(recording.clean) == recording.video.frame_count
    assert recording.clean.detection_rate > 0.95
    first = next(f for f in data["frames"] if f["detected"])
    assert np.array(first["image_px"]).shape == (33, 3)
