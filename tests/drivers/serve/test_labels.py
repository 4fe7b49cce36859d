"""Reviews become labels: three submissions graded by the real model, reviewed by the
coach, written with `formcheck results --labels`, and scored by `formcheck eval`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from formcheck.drivers.serve.app import create_app
from formcheck.drivers.serve.desk import add_coach
from formcheck.drivers.serve.settings import ServeSettings
from tests.conftest import SAMPLE_VIDEOS

CLIPS = ("bridge_feet_good.mp4", "bridge_single_leg_pelvic_drop_oblique.mp4",
         "bridge_side_incomplete_lockout.mp4")


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


@pytest.mark.model
def test_eval_scores_the_labels_written_from_three_reviewed_submissions(tmp_path: Path) -> None:
    data = tmp_path / "data"
    add_coach(data, "maria", "a long coach password")
    app = create_app(ServeSettings(data=data, workers=1))  # the real worker pool
    with TestClient(app) as client:
        tokens = []
        for name in CLIPS:
            answer = client.post("/api/submissions", data={"name": "Ann", "consent_review": "on"},
                                 files={"clip": (name, (SAMPLE_VIDEOS / name).read_bytes())})
            assert answer.status_code == 201
            tokens.append(answer.json()["token"])
        deadline = time.monotonic() + 600
        reports = []
        for token in tokens:
            while (got := client.get(f"/api/submissions/{token}").json())["status"] in (
                    "queued", "grading"):
                assert time.monotonic() < deadline
                time.sleep(0.5)
            assert got["status"] == "graded", got
            reports.append(got["report"])
        page = client.get("/coach/login")
        assert client.post("/coach/login", data={"name": "maria", "password": "a long coach"
                           " password", "csrf_token": csrf_of(page.text)},
                           follow_redirects=False).status_code == 303
        queue = client.get("/coach").text
        ids = [int(i) for i in re.findall(r'data-id="(\d+)"', queue)][::-1]  # oldest first
        assert len(ids) == 3
        forms = [{},  # agree with everything
                 {"rep-1-verdict": "bad:bridge.rushed", "rep-1-note": "too fast"},
                 {"rep-1-verdict": "borderline", "note": "close"}]
        for submission_id, fields in zip(ids, forms, strict=True):
            review = client.get(f"/coach/s/{submission_id}").text
            saved = client.post(f"/coach/s/{submission_id}/review",
                                data={"csrf_token": csrf_of(review), **fields},
                                follow_redirects=False)
            assert saved.status_code == 303
        second = client.get(f"/api/submissions/{tokens[1]}").json()["review"]
        assert (second["good_reps"], second["first_bad_rep"]) == (0, 1)
    labels = tmp_path / "labels.json"
    written = subprocess.run([sys.executable, "-m", "formcheck", "results", str(data),
                              "--labels", str(labels)], capture_output=True, text=True,
                             timeout=60)
    assert written.returncode == 0, written.stderr
    clips = json.loads(labels.read_text())["clips"]
    assert len(clips) == 3
    assert clips[1]["reps"][0]["faults"] == [{"code": "bridge.rushed"}]
    scored = subprocess.run([sys.executable, "-m", "formcheck", "eval", str(labels), "--json"],
                            capture_output=True, text=True, timeout=900)
    assert scored.returncode == 0, scored.stderr
    evaluation = json.loads(scored.stdout)
    assert len(evaluation["clips"]) == 3
    summary = evaluation["summary"]
    assert summary["clip_errors"] == 0
    # formcheck agrees with itself where the coach agreed, and not where the coach
    # overrode it: the good-rep count is exact on 2 of the 3 clips.
    exact = [c for c in evaluation["clips"] if c["good_reps"] == c["label_good_reps"]]
    assert len(exact) == 2, evaluation["clips"]
    assert "bridge.rushed" in evaluation["faults"]


@pytest.mark.model
def test_with_a_dask_scheduler_the_same_submission_is_graded_on_dask(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    clip = SAMPLE_VIDEOS / CLIPS[0]
    app = create_app(ServeSettings(data=tmp_path / "data", scheduler="local:1"))
    with TestClient(app) as client:
        token = client.post("/api/submissions", data={"name": "Ann"},
                            files={"clip": (clip.name, clip.read_bytes())}).json()["token"]
        deadline = time.monotonic() + 600
        while (got := client.get(f"/api/submissions/{token}").json())["status"] in (
                "queued", "grading"):
            assert time.monotonic() < deadline
            time.sleep(0.5)
        assert got["status"] == "graded"
        page = client.get(f"/s/{token}").text
        assert f'src="/s/{token}/video.mp4"' in page
        ranged = client.get(f"/s/{token}/video.mp4", headers={"range": "bytes=0-99"})
        assert ranged.status_code == 206 and len(ranged.content) == 100
    expected = json.loads(subprocess.run(
        [sys.executable, "-m", "formcheck", "analyse", str(clip), "--json"],
        capture_output=True, text=True, timeout=300).stdout)
    for key in ("total_reps", "good_reps", "first_bad_rep"):
        assert got["report"][key] == expected[key]
