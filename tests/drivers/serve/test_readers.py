"""formcheck serve's readers in-process (no model): the progress token in a cookie and at a
link, each upload a session of its reader stored in the grading's own transaction, the
reader's progress page and JSON, and the coach's readers (rename, merge, CSRF)."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from formcheck import __version__
from formcheck.drivers.batch.jobs import ClipJob
from formcheck.drivers.serve.desk import add_coach
from formcheck.drivers.serve.security import READER_COOKIE
from formcheck.reporters.json import dumps
from formcheck.reporters.schema import validate_progress
from formcheck.store import people
from formcheck.store.results import ClipResult, ClipStatus
from formcheck.store.submissions import SubmissionStore
from tests.drivers.serve.conftest import SAMPLE, Served, graded, synthetic_report_json
from tests.factories import HingeRep, Script, hinge_series, session_for

PASSWORD = "correct horse battery"
TOKEN_IN_URL = re.compile(r"/s/([A-Za-z0-9_-]+)")
PROGRESS_IN_PAGE = re.compile(r'href="http://testserver/progress/([A-Za-z0-9_-]+)"')


# --- clips and what the stand-in grader says of them ---------------------------------------

def tiny_clip(path: Path, *, seed: int, filmed: datetime | None = None) -> Path:
    """A 1-second H.264 MP4 of noise (the grader here never looks at it), its container's
    ``creation_time`` set to ``filmed`` when given; each ``seed`` gives other bytes."""
    import av
    import numpy as np

    rng = np.random.default_rng(seed)
    with av.open(str(path), "w") as container:
        if filmed is not None:
            container.metadata["creation_time"] = filmed.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for _ in range(10):
            image = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode())
    return path


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def report_json(script: tuple[tuple[float, ...], tuple[tuple[int, float], ...]]) -> str:
    """The report of synthetic deadlift reps: ``script`` is each rep's knee flexion
    (degrees; over 55 is a fault) and the extra rests before reps (index, s)."""
    flexions, gaps = script
    series = hinge_series(Script([HingeRep(knee_flexion_deg=k) for k in flexions],
                                 gaps_s=dict(gaps)))
    session = session_for(series)
    for i in range(len(series)):
        session.feed(series.sample(i))
    session.end()
    report = session.report()
    return dumps(replace(report, video=replace(report.video, path="clip.mp4")).to_dict())


STOPS_AT_REP_3 = ((20.0, 20.0, 70.0, 20.0), ())
TWELVE_GOOD = ((20.0,) * 12, ())


def grading_by_hash(reports: dict[str, str]) -> Callable[[ClipJob], ClipResult]:
    """A grader answering each clip's report from ``reports`` (by sha256), else the
    conftest's (3 reps, rep 2 bad)."""

    def grade(job: ClipJob) -> ClipResult:
        if job.hash not in reports:
            return graded(job)
        return ClipResult(hash=job.hash, status=ClipStatus.GRADED, reason=None,
                          report_json=reports[job.hash], exercise=job.exercise, seconds=0.1,
                          formcheck_version=__version__, model_sha256=None)

    return grade


# --- helpers -----------------------------------------------------------------------------------

def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF field in the page"
    return found.group(1)


def send_form(client: TestClient, clip: Path = SAMPLE, **fields: str) -> Any:
    """The upload form, as a browser sends it (with the page's CSRF token)."""
    csrf = csrf_of(client.get("/").text)
    return client.post("/submit", data={"csrf_token": csrf, **fields},
                       files={"clip": (clip.name, clip.read_bytes(), "video/mp4")},
                       follow_redirects=False)


def token_of(answer: Any) -> str:
    assert answer.status_code == 303, answer.text
    found = TOKEN_IN_URL.fullmatch(answer.headers["location"])
    assert found is not None
    return found.group(1)


def reader_cookie(answer: Any) -> str | None:
    """The ``Set-Cookie`` of the reader's cookie in an answer, or None."""
    return next((c for c in answer.headers.get_list("set-cookie")
                 if c.startswith(f"{READER_COOKIE}=")), None)


def person_of(served: Served, token: str) -> int:
    with SubmissionStore(served.data) as store:
        submission = store.get(token)
    assert submission is not None and submission.person_id is not None
    return submission.person_id


def sessions(data: Path) -> list[tuple[int, str, str]]:
    """Every stored session: (person id, clip hash, date source)."""
    with sqlite3.connect(data / "results.sqlite") as db:
        return db.execute("SELECT person_id, clip_hash, date_source FROM sessions"
                          " ORDER BY person_id, clip_hash").fetchall()


def person_names(data: Path) -> dict[int, str]:
    with sqlite3.connect(data / "results.sqlite") as db:
        return dict(db.execute("SELECT id, name FROM people").fetchall())


# --- the reader's cookie and link ----------------------------------------------------------------

def test_an_upload_sets_the_reader_cookie_and_the_next_one_joins_the_same_person(
        served_with, tmp_path: Path) -> None:
    second_clip = tiny_clip(tmp_path / "second.mp4", seed=2)
    with served_with() as served:
        first = send_form(served.client, name="Ann", exercise="sldl")
        cookie = reader_cookie(first)
        assert cookie is not None
        attributes = cookie.lower()
        assert "httponly" in attributes and "samesite=lax" in attributes
        assert "max-age=34560000" in attributes and "path=/" in attributes
        assert "secure" not in attributes  # plain http here: Secure would lose it
        first_token = token_of(first)
        served.wait_status(first_token, "graded")
        page = served.client.get(f"/s/{first_token}").text
        link = PROGRESS_IN_PAGE.search(page)
        assert link is not None and 'id="progress-url"' in page
        progress_token = link.group(1)
        assert cookie.startswith(f"{READER_COOKIE}={progress_token};")
        assert len(progress_token) >= 32  # 24 random bytes, url-safe

        home = served.client.get("/").text
        assert "This clip joins your progress page, <strong>Ann</strong>" in home
        second_token = token_of(send_form(served.client, second_clip, exercise="sldl"))
        served.wait_status(second_token, "graded")
        ann = person_of(served, first_token)
        assert person_of(served, second_token) == ann
        assert {p for p, _, _ in sessions(served.data)} == {ann}
        assert len(sessions(served.data)) == 2
        with SubmissionStore(served.data) as store:
            assert store.get(second_token).name == "Ann"  # type: ignore[union-attr]
        # Only the token's sha256 is stored.
        with sqlite3.connect(served.data / "results.sqlite") as db:
            stored = [row[0] for row in db.execute("SELECT token_sha256 FROM readers")]
        assert stored == [hashlib.sha256(progress_token.encode()).hexdigest()]
        assert progress_token.encode() not in (served.data / "results.sqlite").read_bytes()

        answer = served.client.get(f"/api/progress/{progress_token}")
        assert answer.status_code == 200
        progress = answer.json()
        validate_progress(progress)
        assert progress["schema"] == "formcheck.progress/1" and progress["person"] == "Ann"
        assert len(progress["exercises"]["sldl"]["sessions"]) == 2
        assert progress["exercises"]["sldl"]["stage"] == "technique"


@pytest.mark.parametrize("https_only", [False, True])
def test_the_cookie_is_secure_when_served_over_https(served_with, https_only: bool) -> None:
    with served_with(https_only=https_only) as served:
        behind_tls = TestClient(served.client.app, base_url="https://testserver")
        cookie = reader_cookie(send_form(behind_tls, name="Ann"))
        assert cookie is not None and "; secure" in cookie.lower()


def test_the_link_opens_on_a_fresh_browser_and_its_uploads_join(served_with,
                                                                 tmp_path: Path) -> None:
    other_clip = tiny_clip(tmp_path / "phone.mp4", seed=3)
    with served_with() as served:
        first = send_form(served.client, name="Ann")
        served.wait_status(token_of(first), "graded")
        progress_token = PROGRESS_IN_PAGE.search(
            served.client.get(first.headers["location"]).text).group(1)  # type: ignore[union-attr]
        ann = person_of(served, token_of(first))

        fresh = TestClient(served.client.app, base_url="http://testserver")
        home = fresh.get("/").text
        assert "joins your progress page" not in home  # a stranger to this browser
        clip_page = fresh.get(first.headers["location"]).text  # a clip's link alone
        assert "1 good rep" in clip_page and "/progress/" not in clip_page
        page = fresh.get(f"/progress/{progress_token}")
        assert page.status_code == 200
        assert "Your progress, Ann" in page.text
        assert "single-leg deadlift" in page.text.lower() and "<svg" in page.text
        assert f"http://testserver/progress/{progress_token}" in page.text  # to bookmark
        assert "<script" not in page.text  # the page needs no script
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert reader_cookie(page) is not None  # adopted by this browser
        assert fresh.get("/progress", follow_redirects=False).headers["location"] == (
            f"/progress/{progress_token}")
        later = token_of(send_form(fresh, other_clip))
        served.wait_status(later, "graded")
        assert person_of(served, later) == ann

        # "This is not me": a new progress page, whatever the cookie says.
        stranger = token_of(send_form(fresh, other_clip, name="Bo", new_reader="on"))
        assert person_of(served, stranger) != ann
        assert person_names(served.data)[person_of(served, stranger)] == "Bo"


def test_a_wrong_progress_token_is_a_404_that_says_nothing(served: Served) -> None:
    send_form(served.client, name="Ann")
    fresh = TestClient(served.client.app, base_url="http://testserver")
    bodies = set()
    for token in ("A" * 32, "abc", "x" * 200, "%3Cscript%3E", "A" * 31 + "-"):
        answer = fresh.get(f"/progress/{token}")
        assert answer.status_code == 404, token
        assert reader_cookie(answer) is None
        bodies.add(re.sub(r'name="csrf_token" value="[^"]+"', "", answer.text))
        api = fresh.get(f"/api/progress/{token}")
        assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    assert len(bodies) == 1  # a malformed token and an unknown one look the same
    assert "Ann" not in bodies.pop()
    assert fresh.get("/progress", follow_redirects=False).status_code == 200  # no cookie
    # A cookie that no reader has is a new reader at the next upload, not an error.
    fresh.cookies.set(READER_COOKIE, "B" * 32)
    token = token_of(send_form(fresh, name="Cy"))
    assert person_names(served.data)[person_of(served, token)] == "Cy"


def test_names_are_optional_unique_and_escaped(served_with, tmp_path: Path) -> None:
    with served_with() as served:
        unnamed = served.upload(name="")
        assert unnamed.status_code == 201
        generated = person_names(served.data)[person_of(served, unnamed.json()["token"])]
        assert re.fullmatch(r"reader [A-Z2-9]{4}", generated)
        # A second reader typing the first one's name gets a number, not their progress.
        first = served.upload(name="Ann").json()
        second = served.upload(name="ann", data=tiny_clip(tmp_path / "b.mp4", seed=4)
                               .read_bytes()).json()
        assert first["progress_token"] != second["progress_token"]
        assert person_names(served.data)[person_of(served, second["token"])] == "ann (2)"
        # The name is shown escaped.
        script = served.upload(name="<script>alert(1)</script>").json()
        served.wait_status(script["token"], "graded")
        page = served.client.get(script["progress"]).text
        assert "<script>alert(1)" not in page
        assert "Your progress, &lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_api_carries_the_progress_token_both_ways(served: Served, tmp_path: Path) -> None:
    first = served.upload(name="Ann").json()
    assert first["progress"] == f"/progress/{first['progress_token']}"
    assert first["progress_api"] == f"/api/progress/{first['progress_token']}"
    again = served.upload(data=tiny_clip(tmp_path / "b.mp4", seed=5).read_bytes(),
                          progress_token=first["progress_token"]).json()
    assert again["progress_token"] == first["progress_token"]
    assert person_of(served, again["token"]) == person_of(served, first["token"])
    wrong = served.upload(progress_token="C" * 32).json()  # unknown: a new reader
    assert wrong["progress_token"] != first["progress_token"]
    assert person_of(served, wrong["token"]) != person_of(served, first["token"])


# --- a session exactly when a grading --------------------------------------------------------

def test_the_session_dates_come_from_the_clip_else_the_upload(served: Served,
                                                              tmp_path: Path) -> None:
    filmed = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)
    with_time = tiny_clip(tmp_path / "filmed.mp4", seed=6, filmed=filmed)
    first = served.upload(name="Ann").json()  # the sample has no creation time
    second = served.upload(with_time, progress_token=first["progress_token"]).json()
    served.wait_status(first["token"], "graded")
    served.wait_status(second["token"], "graded")
    progress = served.client.get(first["progress_api"]).json()
    dates = {(s["date_source"], s["date"][:16]) for s in progress["exercises"]["sldl"]["sessions"]}
    assert ("metadata", "2026-11-20T07:30") in dates
    assert {source for source, _ in dates} == {"metadata", "upload"}
    page = served.client.get(first["progress"]).text
    assert "filmed" in page and "uploaded" in page


def test_a_grading_that_fails_or_cannot_grade_records_no_session(served_with,
                                                                 tmp_path: Path) -> None:
    cut_off = tiny_clip(tmp_path / "cut.mp4", seed=11)

    def crash_or_refuse(job: ClipJob) -> ClipResult:
        if job.hash == sha256_of(cut_off):
            return ClipResult(hash=job.hash, status=ClipStatus.UNGRADABLE,
                              reason="clip looks cut off", report_json=None,
                              exercise=job.exercise, seconds=0.1,
                              formcheck_version=__version__, model_sha256=None)
        return job.failed("worker crashed (exit code 70)", 1.0)

    with served_with(grade=crash_or_refuse) as served:
        sent = served.upload(name="Ann").json()
        assert served.wait_status(sent["token"], "failed")["status"] == "failed"
        refused = served.upload(cut_off, progress_token=sent["progress_token"]).json()
        assert served.wait_status(refused["token"], "ungradable")["status"] == "ungradable"
        assert sessions(served.data) == []
        progress = served.client.get(sent["progress_api"]).json()
        assert progress["person"] == "Ann" and progress["exercises"] == {}
        assert "No graded session yet" in served.client.get(sent["progress"]).text


def test_the_same_bytes_sent_after_their_grading_are_a_session_at_once(served: Served) -> None:
    ann = served.upload(name="Ann").json()
    served.wait_status(ann["token"], "graded")
    bo = served.upload(name="Bo").json()  # the same bytes: graded already, not again
    assert bo["status"] == "graded" and len(served.engine.submitted) == 1
    assert {p for p, _, _ in sessions(served.data)} == {person_of(served, ann["token"]),
                                                         person_of(served, bo["token"])}


def _grading_in_progress(folder: Path) -> tuple[str, ClipResult]:
    hash_hex = "ab" * 32
    with SubmissionStore(folder) as store:
        store.add(hash_hex=hash_hex, exercise="sldl", name="Ann", filename="a.mp4",
                  consent_review=False, consent_publish=False, duration_s=9.0)
        assert store.start(hash_hex, "sldl")
    return hash_hex, ClipResult(hash=hash_hex, status=ClipStatus.GRADED, reason=None,
                                report_json=synthetic_report_json("a.mp4"), exercise="sldl",
                                seconds=0.1, formcheck_version=__version__, model_sha256=None)


def _stored_grading(folder: Path, hash_hex: str) -> tuple[str, str | None]:
    with sqlite3.connect(folder / "results.sqlite") as db:
        return db.execute("SELECT status, report_json FROM gradings WHERE hash = ?",
                          (hash_hex,)).fetchone()


def test_the_grading_and_its_session_are_one_transaction(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    hash_hex, result = _grading_in_progress(tmp_path)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the session could not be written")

    with monkeypatch.context() as patch:
        patch.setattr(people, "record_session", broken)
        with SubmissionStore(tmp_path) as store, pytest.raises(RuntimeError):
            store.finish("sldl", result)
    assert _stored_grading(tmp_path, hash_hex) == ("grading", None)  # rolled back with it
    assert sessions(tmp_path) == []
    with SubmissionStore(tmp_path) as store:
        assert store.finish("sldl", result)
    assert _stored_grading(tmp_path, hash_hex)[0] == "graded"
    assert [source for _, _, source in sessions(tmp_path)] == ["upload"]


CRASH_MID_TRANSACTION = """
import os, sys
from formcheck.store import people
from formcheck.store.submissions import SubmissionStore
from formcheck.store.results import ClipResult

def crash(*args, **kwargs):
    os._exit(9)  # killed between the grading's row and its session's

people.record_session = crash
result = ClipResult(hash=sys.argv[2], status="graded", reason=None,
                    report_json=open(sys.argv[3], encoding="utf-8").read(), exercise="sldl",
                    seconds=0.1, formcheck_version="test", model_sha256=None)
with SubmissionStore(sys.argv[1]) as store:
    store.finish("sldl", result)
"""


def test_a_process_killed_between_grading_and_session_stores_neither(tmp_path: Path) -> None:
    hash_hex, result = _grading_in_progress(tmp_path)
    report = tmp_path / "report.json"
    report.write_text(result.report_json or "", encoding="utf-8")
    crashed = subprocess.run([sys.executable, "-c", CRASH_MID_TRANSACTION, str(tmp_path),
                              hash_hex, str(report)], timeout=120, capture_output=True)
    assert crashed.returncode == 9, crashed.stderr.decode()
    assert _stored_grading(tmp_path, hash_hex) == ("grading", None)
    assert sessions(tmp_path) == []
    with SubmissionStore(tmp_path) as store:  # as a restart does: queued again, graded once
        assert store.requeue_interrupted() == 1


def test_deleting_a_submission_removes_its_session(served: Served, tmp_path: Path) -> None:
    ann = served.upload(name="Ann", exercise="sldl").json()
    served.wait_status(ann["token"], "graded")
    assert len(sessions(served.data)) == 1
    # The same clip sent again by Ann as "auto": one session from the clip.
    auto = served.upload(exercise="auto", progress_token=ann["progress_token"]).json()
    served.wait_status(auto["token"], "graded")
    assert len(sessions(served.data)) == 1
    assert served.client.delete(f"/api/submissions/{ann['token']}").status_code == 204
    assert len(sessions(served.data)) == 1  # derived again from the other upload
    page = served.client.get(auto["url"])
    gone = served.client.post(f"{auto['url']}/delete", data={"csrf_token": csrf_of(page.text)},
                              follow_redirects=False)
    assert gone.status_code == 303
    assert sessions(served.data) == []
    progress = served.client.get(ann["progress_api"]).json()  # the reader stays
    assert progress["person"] == "Ann" and progress["exercises"] == {}


# --- the coach's readers -----------------------------------------------------------------------

def login(served: Served) -> None:
    add_coach(served.data, "coach", PASSWORD)
    page = served.client.get("/coach/login")
    answer = served.client.post("/coach/login", data={
        "name": "coach", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False)
    assert answer.status_code == 303


def test_the_coach_lists_readers_who_asked_for_a_review_and_opens_their_progress(
        served: Served, tmp_path: Path) -> None:
    ann = served.upload(name="Ann", consent_review="on").json()
    served.upload(name="<b>Bo</b>", consent_review="on",
                  data=tiny_clip(tmp_path / "b.mp4", seed=7).read_bytes())
    cy = served.upload(name="Cy", data=tiny_clip(tmp_path / "c.mp4", seed=8).read_bytes()
                       ).json()  # no review asked
    served.wait_status(cy["token"], "graded")
    ann_id, cy_id = person_of(served, ann["token"]), person_of(served, cy["token"])
    assert served.client.get("/coach/readers", follow_redirects=False).status_code == 303
    assert served.client.get(f"/coach/readers/{ann_id}",
                             follow_redirects=False).status_code == 303
    login(served)
    listing = served.client.get("/coach/readers").text
    assert f'href="/coach/readers/{ann_id}"' in listing
    assert "&lt;b&gt;Bo&lt;/b&gt;" in listing and "<b>Bo</b>" not in listing
    assert ">Cy<" not in listing and "1 more whose uploads did not ask for a review" in listing
    assert served.client.get(f"/coach/readers/{cy_id}").status_code == 404
    page = served.client.get(f"/coach/readers/{ann_id}").text
    assert "Ann: progress" in page and "<svg" in page
    assert "rule <code>start</code>" in page  # each session's rule, and its clip
    with SubmissionStore(served.data) as store:
        submission_id = store.get(ann["token"]).id  # type: ignore[union-attr]
    assert f'href="/coach/s/{submission_id}"' in page
    review = served.client.get(f"/coach/s/{submission_id}").text
    assert f'href="/coach/readers/{ann_id}"' in review
    csrf = csrf_of(page)
    into_hidden = served.client.post(f"/coach/readers/{ann_id}/merge",
                                     data={"into": str(cy_id), "csrf_token": csrf})
    assert into_hidden.status_code == 400 and "choose a reader" in into_hidden.text
    hidden_one = served.client.post(f"/coach/readers/{cy_id}/rename",
                                    data={"name": "Cy 2", "csrf_token": csrf})
    assert hidden_one.status_code == 404
    assert set(person_names(served.data).values()) >= {"Ann", "Cy"}


def test_the_coach_renames_and_merges_readers_with_the_csrf_token(served: Served,
                                                                  tmp_path: Path) -> None:
    ann = served.upload(name="Ann", consent_review="on").json()
    bo = served.upload(name="Bo", consent_review="on",
                       data=tiny_clip(tmp_path / "b.mp4", seed=9).read_bytes()).json()
    served.wait_status(bo["token"], "graded")
    served.wait_status(ann["token"], "graded")
    ann_id, bo_id = person_of(served, ann["token"]), person_of(served, bo["token"])
    logged_out = served.client.post(f"/coach/readers/{ann_id}/rename", data={"name": "X"},
                                    follow_redirects=False)
    assert logged_out.status_code == 303 and "/coach/login" in logged_out.headers["location"]
    login(served)
    csrf = csrf_of(served.client.get(f"/coach/readers/{ann_id}").text)

    refused = served.client.post(f"/coach/readers/{ann_id}/rename", data={"name": "Ann L"})
    assert refused.status_code == 403
    forged = served.client.post(f"/coach/readers/{ann_id}/rename",
                                data={"name": "Ann L", "csrf_token": "guess" * 8})
    assert forged.status_code == 403
    assert person_names(served.data)[ann_id] == "Ann"
    renamed = served.client.post(f"/coach/readers/{ann_id}/rename",
                                 data={"name": "Ann L", "csrf_token": csrf},
                                 follow_redirects=False)
    assert renamed.status_code == 303
    assert person_names(served.data)[ann_id] == "Ann L"
    assert "Your progress, Ann L" in served.client.get(ann["progress"]).text
    taken = served.client.post(f"/coach/readers/{ann_id}/rename",
                               data={"name": "bo", "csrf_token": csrf})
    assert taken.status_code == 400 and "Bo is another reader" in taken.text

    refused = served.client.post(f"/coach/readers/{bo_id}/merge", data={"into": str(ann_id)})
    assert refused.status_code == 403 and bo_id in person_names(served.data)
    merged = served.client.post(f"/coach/readers/{bo_id}/merge",
                                data={"into": str(ann_id), "csrf_token": csrf},
                                follow_redirects=False)
    assert merged.status_code == 303
    assert merged.headers["location"] == f"/coach/readers/{ann_id}?done=merged"
    assert bo_id not in person_names(served.data)
    assert {p for p, _, _ in sessions(served.data)} == {ann_id}
    assert len(sessions(served.data)) == 2
    # Bo's link and uploads follow: his page is Ann L's now, his next clip joins it.
    assert "Your progress, Ann L" in served.client.get(bo["progress"]).text
    later = served.upload(data=tiny_clip(tmp_path / "c.mp4", seed=10).read_bytes(),
                          progress_token=bo["progress_token"]).json()
    assert person_of(served, later["token"]) == ann_id
    bo_clip = sha256_of(tmp_path / "b.mp4")
    assert bo_clip in {clip for _, clip, _ in sessions(served.data)}
    assert served.client.delete(f"/api/submissions/{bo['token']}").status_code == 204
    assert bo_clip not in {clip for _, clip, _ in sessions(served.data)}
    self_merge = served.client.post(f"/coach/readers/{ann_id}/merge",
                                    data={"into": str(ann_id), "csrf_token": csrf})
    assert self_merge.status_code == 400
