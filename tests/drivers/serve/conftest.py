"""The web service in-process (Starlette's TestClient) with a grading engine that needs no
model: it answers a synthetic deadlift report (rep 2 bad) when the test lets it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from formcheck import __version__
from formcheck.drivers.batch.engine import Finished, Outcome, Progressed
from formcheck.drivers.batch.jobs import ClipJob
from formcheck.drivers.serve.app import create_app
from formcheck.drivers.serve.jobs import BlurJob, BlurResult
from formcheck.drivers.serve.settings import ServeSettings
from formcheck.reporters.json import dumps
from formcheck.store.results import ClipResult, ClipStatus
from tests.conftest import SAMPLE_VIDEOS
from tests.factories import HingeRep, Script, hinge_series, session_for

SAMPLE = SAMPLE_VIDEOS / "bridge_feet_good.mp4"  # the smallest sample (91 KB)


def synthetic_report_json(path: str) -> str:
    series = hinge_series(Script([HingeRep(), HingeRep(knee_flexion_deg=70), HingeRep()]))
    session = session_for(series)
    for i in range(len(series)):
        session.feed(series.sample(i))
    session.end()
    report = session.report()
    return dumps(replace(report, video=replace(report.video, path=path)).to_dict())


def graded(job: ClipJob) -> ClipResult:
    return ClipResult(hash=job.hash, status=ClipStatus.GRADED, reason=None,
                      report_json=synthetic_report_json(job.path), exercise=job.exercise,
                      seconds=0.1, formcheck_version=__version__, model_sha256=None)


class FakeEngine:
    """One slot; a job finishes when :attr:`release` is set (at once by default)."""

    def __init__(self, grade: Callable[[ClipJob], ClipResult]) -> None:
        self.grade = grade
        self.release = threading.Event()
        self.release.set()
        self.submitted: list[ClipJob] = []
        self._running: list[ClipJob] = []

    def free(self) -> int:
        return 1 - len(self._running)

    def running(self) -> list[Any]:
        return list(self._running)

    def submit(self, job: ClipJob, limit_s: float) -> None:
        self.submitted.append(job)
        self._running.append(job)

    def poll(self, timeout_s: float) -> list[Outcome]:
        if not self._running:
            time.sleep(timeout_s)
            return []
        if not self.release.wait(timeout_s):
            return [Progressed(job, 0.42) for job in self._running]
        done, self._running = self._running, []
        return [Finished(job, self._run(job)) for job in done]

    def _run(self, job: Any) -> Any:
        if isinstance(job, BlurJob):  # stands in for blur_video: no model, no decoding
            Path(job.target).write_bytes(b"blurred video")
            return BlurResult(job.public_id, True, None, 0.0)
        return self.grade(job)

    def close(self) -> list[Any]:
        killed, self._running = self._running, []
        return killed


@contextmanager
def _factory(engine: FakeEngine) -> Iterator[FakeEngine]:
    yield engine


class Served:
    """A running app in-process, its engine and data folder."""

    def __init__(self, client: TestClient, engine: FakeEngine, data: Path) -> None:
        self.client = client
        self.engine = engine
        self.data = data

    def upload(self, path: Path = SAMPLE, *, name: str = "Ann", filename: str | None = None,
               data: bytes | None = None, **fields: str) -> Any:
        content = path.read_bytes() if data is None else data
        return self.client.post("/api/submissions", data={"name": name, **fields},
                                files={"clip": (filename or path.name, content, "video/mp4")})

    def wait_status(self, token: str, *statuses: str, timeout_s: float = 20.0) -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            answer = self.client.get(f"/api/submissions/{token}").json()
            if answer["status"] in statuses or time.monotonic() > deadline:
                return answer
            time.sleep(0.05)


def make_settings(data: Path, **overrides: Any) -> ServeSettings:
    return ServeSettings(data=data, **overrides)


@pytest.fixture
def served_with(tmp_path: Path) -> Callable[..., Any]:
    """``served_with(**settings)``: a context manager giving a :class:`Served`."""

    @contextmanager
    def start(grade: Callable[[ClipJob], ClipResult] = graded, **overrides: Any
              ) -> Iterator[Served]:
        engine = FakeEngine(grade)
        data = tmp_path / "data"
        app = create_app(make_settings(data, **overrides),
                         engine_factory=lambda settings: _factory(engine))
        with TestClient(app, base_url="http://testserver") as client:
            service = app.state.service
            assert service.dispatcher.ready.wait(10)
            yield Served(client, engine, data)

    return start


@pytest.fixture
def served(served_with: Callable[..., Any]) -> Iterator[Served]:
    with served_with() as running:
        yield running
