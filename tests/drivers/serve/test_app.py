"""formcheck serve in-process (no model): the reader's pages, the API, and every kind of bad
input and abuse the issue lists."""

from __future__ import annotations

import re
import time
from pathlib import Path

from formcheck.drivers.batch.jobs import ClipJob
from formcheck.store.results import ClipResult, ClipStatus
from formcheck.store.submissions import SubmissionStore
from tests.drivers.serve.conftest import SAMPLE, Served

TOKEN_IN_URL = re.compile(r"/s/([A-Za-z0-9_-]+)")


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF field in the page"
    return found.group(1)


# --- the service ---------------------------------------------------------------------------

def test_healthz_answers_200_when_ready_and_the_session_key_is_private(served: Served) -> None:
    answer = served.client.get("/healthz")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"
    key = served.data / "session.key"
    assert key.stat().st_mode & 0o777 == 0o600


def test_home_shows_how_to_film_before_the_form_with_a_csrf_token(served: Served) -> None:
    page = served.client.get("/")
    assert page.status_code == 200
    text = page.text
    assert text.index('id="how-to-film"') < text.index('id="upload-form"')
    assert "/static/film_sldl_side.jpg" in text and "hip height" in text
    assert 'name="consent_review"' in text and 'name="consent_publish"' in text
    csrf_of(text)
    picture = served.client.get("/static/film_bridge_side.jpg")
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"
    headers = page.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"
    cookie = headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


# --- submissions through the API ------------------------------------------------------------

def test_an_upload_is_queued_graded_and_shown(served: Served) -> None:
    answer = served.upload(exercise="sldl", consent_review="on")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    token = body["token"]
    assert len(token) >= 22 and body["status"] == "queued"  # >= 128 bits, url-safe
    assert body["url"] == f"/s/{token}" and body["api"] == f"/api/submissions/{token}"
    done = served.wait_status(token, "graded")
    assert done["status"] == "graded" and done["review"] is None
    assert done["report"]["schema"] == "formcheck.report/1"
    assert (done["report"]["total_reps"], done["report"]["good_reps"],
            done["report"]["first_bad_rep"]) == (3, 1, 2)
    assert done["report"]["video"]["path"] == SAMPLE.name  # the reader's name, not ours
    page = served.client.get(f"/s/{token}")
    assert page.status_code == 200
    assert "1 good rep" in page.text and "stance knee bent" in page.text
    with SubmissionStore(served.data) as store:
        submission = store.get(token)
    assert submission is not None and submission.consent_review and not submission.consent_publish
    assert submission.exercise == "sldl"


def test_the_same_bytes_from_two_readers_are_two_submissions_and_one_grading(
        served: Served) -> None:
    first = served.upload(name="Ann").json()["token"]
    second = served.upload(name="Bob", filename="other name.mov").json()["token"]
    assert first != second
    served.wait_status(first, "graded")
    assert served.wait_status(second, "graded")["status"] == "graded"
    assert len(served.engine.submitted) == 1
    with SubmissionStore(served.data) as store:
        assert len(store.gradings()) == 1 and len(store.all()) == 2


def test_the_page_shows_queued_then_grading_with_a_progress_figure(served: Served) -> None:
    served.engine.release.clear()
    token = served.upload().json()["token"]
    deadline = time.monotonic() + 10
    while served.client.get(f"/api/submissions/{token}").json()["progress"] == 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    page = served.client.get(f"/s/{token}").text
    assert "Grading: <span id=\"progress-figure\">42</span>% done" in page
    assert 'http-equiv="refresh"' in page and "/static/result.js" in page
    served.engine.release.set()
    served.wait_status(token, "graded")
    assert 'http-equiv="refresh"' not in served.client.get(f"/s/{token}").text


def test_a_failed_grading_says_why_on_the_readers_page(served_with) -> None:
    def crash(job: ClipJob) -> ClipResult:
        return job.failed("worker crashed (exit code 70)", 1.0)

    with served_with(grade=crash) as served:
        token = served.upload().json()["token"]
        answer = served.wait_status(token, "failed")
        assert answer["reason"] == "worker crashed (exit code 70)"
        page = served.client.get(f"/s/{token}").text
        assert "The grading failed: worker crashed (exit code 70)" in page


def test_delete_removes_the_row_the_clip_and_every_derived_file(served: Served) -> None:
    token = served.upload().json()["token"]
    served.wait_status(token, "graded")
    with SubmissionStore(served.data) as store:
        submission = store.get(token)
    assert submission is not None
    outputs = served.data / "uploads" / submission.hash
    (outputs / "auto" / "annotated.mp4").write_bytes(b"x")  # as a worker would have
    assert served.client.delete(f"/api/submissions/{token}").status_code == 204
    assert served.client.get(f"/api/submissions/{token}").status_code == 404
    assert served.client.get(f"/s/{token}").status_code == 404
    assert served.client.delete(f"/api/submissions/{token}").status_code == 404
    assert not outputs.exists()
    with SubmissionStore(served.data) as store:
        assert store.all() == [] and store.gradings() == []


def test_deleting_one_of_two_readers_keeps_the_others_clip(served: Served) -> None:
    first = served.upload(name="Ann").json()["token"]
    second = served.upload(name="Bob").json()["token"]
    served.wait_status(second, "graded")
    assert served.client.delete(f"/api/submissions/{first}").status_code == 204
    assert served.client.get(f"/api/submissions/{second}").json()["status"] == "graded"
    assert any(p.endswith("/clip") for p in files_under(served.data / "uploads"))


# --- the form, without JavaScript ------------------------------------------------------------

def test_the_form_posts_with_its_csrf_token_and_redirects_to_the_private_page(
        served: Served) -> None:
    csrf = csrf_of(served.client.get("/").text)
    files = {"clip": (SAMPLE.name, SAMPLE.read_bytes(), "video/mp4")}
    refused = served.client.post("/submit", data={"name": "Ann"}, files=files,
                                 follow_redirects=False)
    assert refused.status_code == 403 and "expired" in refused.text
    sent = served.client.post("/submit", data={"name": "Ann", "csrf_token": csrf},
                              files=files, follow_redirects=False)
    assert sent.status_code == 303
    token = TOKEN_IN_URL.fullmatch(sent.headers["location"])
    assert token is not None
    served.wait_status(token.group(1), "graded")
    page = served.client.get(sent.headers["location"])
    assert "1 good rep" in page.text
    gone = served.client.post(f"{sent.headers['location']}/delete",
                              data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/deleted"
    assert served.client.get(sent.headers["location"]).status_code == 404


def test_a_delete_form_without_its_token_is_refused(served: Served) -> None:
    token = served.upload().json()["token"]
    refused = served.client.post(f"/s/{token}/delete", data={"csrf_token": "guess"})
    assert refused.status_code == 403
    assert served.client.get(f"/api/submissions/{token}").status_code == 200


# --- bad input and abuse ---------------------------------------------------------------------

def test_a_text_file_is_not_a_video(served: Served) -> None:
    answer = served.upload(data=b"hello, this is a text file\n" * 20, filename="notes.mp4")
    assert answer.status_code == 415
    assert answer.json()["error"]["code"] == "not_a_video"
    assert "not a video" in answer.json()["error"]["message"]
    assert files_under(served.data / "incoming") == []
    assert files_under(served.data / "uploads") == []


def test_an_empty_file_a_missing_clip_or_a_bad_name_are_400(served: Served) -> None:
    empty = served.upload(data=b"")
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "empty"
    no_clip = served.client.post("/api/submissions", data={"name": "Ann"},
                                 files={"other": ("x", b"y")})
    assert no_clip.status_code == 400 and "choose a clip" in no_clip.json()["error"]["message"]
    control = served.upload(name="Ann\x07")
    assert control.status_code == 400 and "no control characters" in control.text
    too_long = served.upload(name="A" * 81)
    assert too_long.status_code == 400 and "longer than 80" in too_long.text
    bad_exercise = served.upload(exercise="squat")
    assert bad_exercise.status_code == 400
    assert "auto, sldl, bridge" in bad_exercise.json()["error"]["message"]
    not_multipart = served.client.post("/api/submissions", content=b"{}",
                                       headers={"content-type": "application/json"})
    assert not_multipart.status_code == 400
    assert files_under(served.data / "incoming") == []


def test_an_oversize_upload_is_413_declared_or_streamed(served_with) -> None:
    with served_with(max_upload_mb=0.05) as served:  # 50 KB; the sample is 91 KB
        declared = served.upload()
        assert declared.status_code == 413
        assert declared.json()["error"]["code"] == "too_large"
        assert "0.05 MB" in declared.json()["error"]["message"]
        chunks_read = []

        def body():  # chunked: no length declared, the limit is found while streaming
            boundary = b"--x"
            yield boundary + b'\r\nContent-Disposition: form-data; name="name"\r\n\r\nAnn\r\n'
            yield boundary + (b'\r\nContent-Disposition: form-data; name="clip";'
                              b' filename="a.mp4"\r\n\r\n')
            for _ in range(100):  # 100 x 16 KB: far past the limit
                chunks_read.append(1)
                yield bytes(16384)
            yield b"\r\n--x--\r\n"

        streamed = served.client.post("/api/submissions", content=body(),
                                      headers={"content-type": "multipart/form-data; boundary=x"})
        assert streamed.status_code == 413
        assert files_under(served.data / "incoming") == []


def test_a_file_name_with_dots_and_html_names_nothing_on_disk(served: Served) -> None:
    answer = served.upload(filename='../../../etc/<img src=x onerror=alert(1)>.mp4')
    assert answer.status_code == 201
    token = answer.json()["token"]
    served.wait_status(token, "graded")
    tree = files_under(served.data)
    assert all(".." not in path and "<" not in path for path in tree)
    assert not (served.data.parent / "etc").exists()
    page = served.client.get(f"/s/{token}").text
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.mp4" in page


def test_a_script_in_a_name_is_escaped_on_the_readers_page(served: Served) -> None:
    served.engine.release.clear()  # the page shows the name while queued or grading
    token = served.upload(name="<script>alert('x')</script>").json()["token"]
    page = served.client.get(f"/s/{token}").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    served.engine.release.set()


def test_a_wrong_or_guessed_token_is_404(served: Served) -> None:
    served.upload()
    for token in ("A" * 32, "abc", "../../results.sqlite", "%2e%2e%2fresults.sqlite"):
        api = served.client.get(f"/api/submissions/{token}")
        assert api.status_code == 404, token
        if "/" not in token:  # a client folds ../ away: then no API route matches at all
            assert api.json()["error"]["code"] == "not_found"
        assert served.client.get(f"/s/{token}").status_code == 404
        assert served.client.get(f"/s/{token}/video.mp4").status_code == 404
        assert served.client.delete(f"/api/submissions/{token}").status_code == 404
    assert served.client.get("/api/nothing").json()["error"]["code"] == "not_found"


def test_too_many_uploads_from_one_address_get_429(served_with) -> None:
    with served_with(uploads_per_hour=2) as served:
        assert served.upload().status_code == 201
        assert served.upload(data=b"not a video").status_code == 415  # counts too
        third = served.upload()
        assert third.status_code == 429
        assert third.json()["error"]["code"] == "rate_limited"
        assert int(third.headers["retry-after"]) > 0
        form = served.client.post("/submit", data={"name": "Ann"},
                                  files={"clip": ("a.mp4", b"x")})
        assert form.status_code == 429 and "too many uploads" in form.text


def test_a_clip_that_cannot_be_graded_says_why_on_the_readers_page(served_with) -> None:
    from formcheck import __version__

    def cut_off(job: ClipJob) -> ClipResult:
        return ClipResult(hash=job.hash, status=ClipStatus.UNGRADABLE,
                          reason="clip looks cut off: its index is missing; send the whole clip",
                          report_json=None, exercise=job.exercise, seconds=0.1,
                          formcheck_version=__version__, model_sha256=None)

    with served_with(grade=cut_off) as served:
        token = served.upload().json()["token"]
        answer = served.wait_status(token, "ungradable")
        assert answer["report"] is None and "cut off" in answer["reason"]
        page = served.client.get(f"/s/{token}").text
        assert "This clip could not be graded: clip looks cut off" in page


def test_a_bug_in_the_dispatcher_does_not_stop_the_grading(served_with) -> None:
    from tests.drivers.serve.conftest import graded

    calls = []

    def flaky(job: ClipJob) -> ClipResult:
        calls.append(job.hash)
        if len(calls) == 1:
            raise RuntimeError("a bug while grading")
        return graded(job)

    with served_with(grade=flaky) as served:
        token = served.upload().json()["token"]
        assert served.wait_status(token, "graded")["status"] == "graded"
        assert len(calls) == 2  # queued again after the restart, graded once to the end
        assert served.client.get("/healthz").status_code == 200
