"""The web service on the batch's real worker pool, without the model: a worker that
crashes and one that hangs past its time limit mark their submission failed with the
reason, and the reader's page says so (the batch's test hook makes them)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from formcheck.drivers.batch.jobs import TEST_HOOK_ENV
from formcheck.drivers.serve.app import create_app
from formcheck.drivers.serve.settings import ServeSettings
from tests.conftest import SAMPLE_VIDEOS

CLIP = SAMPLE_VIDEOS / "bridge_feet_good.mp4"


def _failed(tmp_path: Path, hook: str) -> tuple[dict, str]:
    settings = ServeSettings(data=tmp_path / "data", workers=1, timeout_factor=0.0,
                             timeout_base_s=2.0)
    with TestClient(create_app(settings)) as client:
        token = client.post("/api/submissions", data={"name": "Ann"},
                            files={"clip": (CLIP.name, CLIP.read_bytes())}).json()["token"]
        deadline = time.monotonic() + 120
        while (answer := client.get(f"/api/submissions/{token}").json())["status"] in (
                "queued", "grading"):
            assert time.monotonic() < deadline, answer
            time.sleep(0.1)
        return answer, client.get(f"/s/{token}").text


@pytest.mark.parametrize(("hook", "reason"), [
    ("crash=clip", "worker crashed (exit code 70)"),
    ("hang=clip", "timed out after 2 s"),
])
def test_a_crash_or_a_time_out_fails_the_submission_with_the_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hook: str, reason: str) -> None:
    monkeypatch.setenv(TEST_HOOK_ENV, hook)  # the uploaded clip's file is named "clip"
    answer, page = _failed(tmp_path, hook)
    assert (answer["status"], answer["reason"]) == ("failed", reason)
    assert f"The grading failed: {reason}" in page
    assert [p for p in (tmp_path / "data").rglob(".*") if p.is_file()] == []
