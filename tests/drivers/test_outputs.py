"""`formcheck analyse` with every output at once: one analysis, files read back."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from formcheck.analysis.report import Report
from formcheck.cli import app
from formcheck.errors import ExitCode
from formcheck.reporters.schema import validate_report
from formcheck.sources.file import VideoFile
from tests.conftest import SAMPLE_VIDEOS
from tests.factories import write_dark_noise_clip

runner = CliRunner(env={"COLUMNS": "200"})
CLIP = SAMPLE_VIDEOS / "sldl_side_knee_breaks_rep3.mp4"


def _frames(path: Path) -> list[tuple[float, np.ndarray]]:
    with VideoFile(path) as video:
        return [(frame.t_s, frame.image) for frame in video.frames()]


@pytest.mark.model
def test_analyse_writes_json_html_annotated_video_and_csv(tmp_path: Path) -> None:
    out = {name: tmp_path / name for name in
           ("report.json", "report.html", "annotated.mp4", "report.csv")}
    result = runner.invoke(app, [
        "analyse", str(CLIP), "-o", str(out["report.json"]), "--html", str(out["report.html"]),
        "--annotate", str(out["annotated.mp4"]), "--csv", str(out["report.csv"])])
    assert result.exit_code == 0, result.output
    assert "2 good reps; the count stopped at rep 3" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(out)  # no temporary left
    umask = os.umask(0)
    os.umask(umask)
    for path in out.values():
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path.name

    data = json.loads(out["report.json"].read_text())
    validate_report(data)
    report = Report.from_dict(data)
    assert (report.total_reps, report.good_reps, report.first_bad_rep) == (5, 2, 3)

    # The annotated video: H.264, yuv420p, every frame of the source at its time.
    with av.open(str(out["annotated.mp4"])) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
    source, annotated = _frames(CLIP), _frames(out["annotated.mp4"])
    assert len(annotated) == len(source)
    assert abs(annotated[-1][0] - source[-1][0]) < 1.0 / report.video.fps
    # At the first bad rep the banner shows: the bottom of the frame differs from the source.
    bad = report.reps[2]
    index = int(np.argmin([abs(t - (bad.rep.end_s + 0.3)) for t, _ in source]))
    height = source[index][1].shape[0]
    band = slice(int(0.85 * height), height)
    diff = np.abs(annotated[index][1][band].astype(int) - source[index][1][band].astype(int))
    assert diff.mean() > 20
    # ...and not before any rep was graded bad.
    early = int(np.argmin([abs(t - 1.0) for t, _ in source]))
    calm = np.abs(annotated[early][1][band].astype(int) - source[early][1][band].astype(int))
    assert calm.mean() < 8

    page = out["report.html"].read_text(encoding="utf-8")
    assert 'src="annotated.mp4"' in page and "2 good reps" in page
    rows = list(csv.DictReader(out["report.csv"].open(encoding="utf-8")))
    assert len(rows) == 1 and rows[0]["good_reps"] == "2" and rows[0]["first_bad_rep"] == "3"


def test_annotating_a_pose_recording_is_refused(tmp_path: Path) -> None:
    recording = tmp_path / "poses.npz"
    recording.write_bytes(b"")
    result = runner.invoke(app, ["analyse", str(recording), "--annotate",
                                 str(tmp_path / "a.mp4")])
    assert result.exit_code == ExitCode.USAGE
    assert "needs the video" in result.output


def test_an_output_folder_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyse", str(CLIP), "--html",
                                 str(tmp_path / "missing" / "r.html")])
    assert result.exit_code == ExitCode.USAGE
    assert "does not exist" in result.output
    assert not (tmp_path / "missing").exists()


def test_embedding_needs_html_and_annotate(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyse", str(CLIP), "--embed-video"])
    assert result.exit_code == ExitCode.USAGE


def test_schema_command_prints_the_shipped_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["properties"]["schema"]["const"] == "formcheck.report/1"


@pytest.mark.model
def test_a_clip_that_cannot_be_graded_still_gets_a_page_saying_why(tmp_path: Path) -> None:
    clip = write_dark_noise_clip(tmp_path / "empty.mp4", frames=30)
    page_path = tmp_path / "report.html"
    result = runner.invoke(app, ["analyse", str(clip), "--html", str(page_path)])
    assert result.exit_code == ExitCode.UNGRADABLE
    page = page_path.read_text(encoding="utf-8")
    assert '<div class="verdict red" id="banner" data-outcome="not_graded">' in page
    assert "a person was found in only 0% of frames" in page
    assert "How to film" in page and "What the pose model saw" in page
    assert page.count("<figure>") == 4
