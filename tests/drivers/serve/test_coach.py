"""The coach's desk in-process (no model): login, sessions, CSRF, the queue, reviews and the
count they give, the gallery's refusals, the labels file."""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path

import itsdangerous
import pytest
from typer.testing import CliRunner

from formcheck.analysis.review import RepReview, ReviewError, check_reps, corrected
from formcheck.cli import app as cli
from formcheck.drivers.serve.app import SESSION_COOKIE
from formcheck.drivers.serve.desk import add_coach
from formcheck.drivers.serve.passwords import hash_password, verify_password
from tests.drivers.serve.conftest import Served, synthetic_report_json

PASSWORD = "correct horse battery"
runner = CliRunner()


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF field in the page"
    return found.group(1)


def login(served: Served, name: str = "coach", password: str = PASSWORD):
    page = served.client.get("/coach/login")
    return served.client.post("/coach/login", data={
        "name": name, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False)


@pytest.fixture
def desk(served: Served) -> Served:
    add_coach(served.data, "coach", PASSWORD)
    served.client.app.state.service.failed_login_delay_s = 0.0  # type: ignore[attr-defined]
    return served


def graded_submission(served: Served, name: str = "Ann", **fields: str) -> tuple[str, int]:
    token = served.upload(name=name, consent_review="on", **fields).json()["token"]
    served.wait_status(token, "graded")
    from formcheck.store.submissions import SubmissionStore

    with SubmissionStore(served.data) as store:
        found = store.get(token)
    assert found is not None
    return token, found.id


# --- the review's count (pure) --------------------------------------------------------------

def test_the_corrected_count_stops_at_the_coachs_first_bad_rep() -> None:
    report = json.loads(synthetic_report_json("clip.mp4"))  # reps: good, bad, good
    agree = corrected(report, check_reps(report, []))
    assert (agree.good_reps, agree.first_bad_rep) == (1, 2)
    mended = corrected(report, check_reps(report, [RepReview(2, "borderline")]))
    assert (mended.good_reps, mended.first_bad_rep) == (3, None)
    earlier = corrected(report, check_reps(report, [
        RepReview(1, "bad", "sldl.partial_range", "not deep enough")]))
    assert (earlier.good_reps, earlier.first_bad_rep) == (0, 1)
    assert earlier.reps[0].faults == ("sldl.partial_range",) and earlier.reps[0].changed
    with pytest.raises(ReviewError, match="fault code"):
        check_reps(report, [RepReview(1, "bad", "bridge.rushed")])
    with pytest.raises(ReviewError, match="not one of the clip's 3 reps"):
        check_reps(report, [RepReview(4, "good")])


def test_passwords_are_scrypt_hashed_and_checked() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    assert verify_password(PASSWORD, stored)
    assert not verify_password(PASSWORD + "x", stored)
    assert not verify_password(PASSWORD, None)


# --- accounts on the command line -------------------------------------------------------------

def test_coach_add_reads_the_password_from_stdin_and_remove_removes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    added = runner.invoke(cli, ["coach", "add", "maria", "--data", str(data)],
                          input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    short = runner.invoke(cli, ["coach", "add", "bob", "--data", str(data)], input="short\n")
    assert short.exit_code == 2 and "shorter than" in short.output
    bad_name = runner.invoke(cli, ["coach", "add", "a b", "--data", str(data)],
                             input=PASSWORD + "\n")
    assert bad_name.exit_code == 2
    removed = runner.invoke(cli, ["coach", "remove", "maria", "--data", str(data)])
    assert removed.exit_code == 0
    again = runner.invoke(cli, ["coach", "remove", "maria", "--data", str(data)])
    assert again.exit_code == 2 and "no coach named 'maria'" in again.output


# --- login, sessions, CSRF ---------------------------------------------------------------------

def test_every_coach_page_without_a_session_redirects_to_the_login(desk: Served) -> None:
    _, submission_id = graded_submission(desk)
    for path in ("/coach", f"/coach/s/{submission_id}", f"/coach/s/{submission_id}/video.mp4",
                 "/coach/anything/else"):
        answer = desk.client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/coach/login")
    for path in (f"/coach/s/{submission_id}/review", f"/coach/s/{submission_id}/feature"):
        answer = desk.client.post(path, data={"note": "x"}, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith(
            "/coach/login")


def test_a_wrong_password_is_refused_and_repeated_failures_are_slowed(desk: Served) -> None:
    wrong = login(desk, password="wrong password")
    assert wrong.status_code == 401 and "wrong name or password" in wrong.text
    assert desk.client.get("/coach", follow_redirects=False).status_code == 303
    unknown = login(desk, name="nobody")
    assert unknown.status_code == 401
    for _ in range(3):
        login(desk, password="wrong again")
    blocked = login(desk)  # even the right password, after 5 failures in 15 minutes
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


def test_login_logout_and_csrf(desk: Served) -> None:
    page = desk.client.get("/coach/login")
    no_token = desk.client.post("/coach/login", data={"name": "coach", "password": PASSWORD},
                                follow_redirects=False)
    assert no_token.status_code == 403
    ok = desk.client.post("/coach/login", data={"name": "coach", "password": PASSWORD,
                                                "csrf_token": csrf_of(page.text)},
                          follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/coach"
    queue = desk.client.get("/coach")
    assert queue.status_code == 200 and "Log out coach" in queue.text
    # A POST without the token is refused, even with the session.
    _, submission_id = graded_submission(desk)
    refused = desk.client.post(f"/coach/s/{submission_id}/review", data={"note": "hi"},
                               follow_redirects=False)
    assert refused.status_code == 403
    out = desk.client.post("/coach/logout", data={"csrf_token": csrf_of(queue.text)},
                           follow_redirects=False)
    assert out.status_code == 303
    assert desk.client.get("/coach", follow_redirects=False).status_code == 303


def test_a_csrf_token_from_another_session_is_refused(desk: Served) -> None:
    from starlette.testclient import TestClient

    _, submission_id = graded_submission(desk)
    assert login(desk).status_code == 303
    other = TestClient(desk.client.app, base_url="http://testserver")
    foreign = csrf_of(other.get("/coach/login").text)
    refused = desk.client.post(f"/coach/s/{submission_id}/review",
                               data={"note": "x", "csrf_token": foreign},
                               follow_redirects=False)
    assert refused.status_code == 403


def _session_cookie(desk: Served, data: dict) -> str:
    key = (desk.data / "session.key").read_text().strip()
    signer = itsdangerous.TimestampSigner(key)
    return signer.sign(base64.b64encode(json.dumps(data).encode())).decode()


def test_a_stale_session_and_a_tampered_cookie_go_to_the_login(desk: Served) -> None:
    assert login(desk).status_code == 303
    cookie = desk.client.cookies[SESSION_COOKIE]
    assert desk.client.get("/coach", follow_redirects=False).status_code == 200
    tampered = cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB")
    desk.client.cookies.set(SESSION_COOKIE, tampered)
    assert desk.client.get("/coach", follow_redirects=False).status_code == 303
    # A session signed with the right key, but from 13 hours ago.
    from formcheck.store.coaching import CoachStore

    with CoachStore(desk.data) as store:
        stored = store.password_hash("coach")
    import hashlib

    account = hashlib.sha256(str(stored).encode()).hexdigest()[:32]
    stale = _session_cookie(desk, {"coach": "coach", "login_at": int(time.time()) - 13 * 3600,
                                   "account": account, "csrf": "x" * 43})
    desk.client.cookies.set(SESSION_COOKIE, stale)
    assert desk.client.get("/coach", follow_redirects=False).status_code == 303
    fresh = _session_cookie(desk, {"coach": "coach", "login_at": int(time.time()),
                                   "account": account, "csrf": "x" * 43})
    desk.client.cookies.set(SESSION_COOKIE, fresh)
    assert desk.client.get("/coach", follow_redirects=False).status_code == 200
    # Removing the account ends its sessions.
    with CoachStore(desk.data) as store:
        store.remove_coach("coach")
    assert desk.client.get("/coach", follow_redirects=False).status_code == 303


# --- the queue and the review -----------------------------------------------------------------

def test_the_queue_lists_verdicts_and_escapes_names_and_filters(desk: Served) -> None:
    graded_submission(desk, name="<script>alert(1)</script>")
    hidden = desk.upload(name="Private").json()["token"]  # no consent to review
    desk.wait_status(hidden, "graded")
    assert login(desk).status_code == 303
    queue = desk.client.get("/coach").text
    assert "<script>alert(1)</script>" not in queue
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in queue
    assert "Private" not in queue and "1 more whose reader did not ask" in queue
    assert "stopped at rep 2" in queue and "1 good" in queue
    assert 'data-id="' in desk.client.get("/coach?q=SCRIPT").text
    assert 'data-id="' not in desk.client.get("/coach?q=nobody").text
    assert 'data-id="' not in desk.client.get("/coach?reviewed=yes").text
    assert 'data-id="' in desk.client.get("/coach?verdict=stopped&exercise=sldl").text
    assert 'data-id="' not in desk.client.get("/coach?verdict=all_good").text
    assert 'data-id="' not in desk.client.get("/coach?status=failed").text


def test_a_review_overrides_a_rep_and_the_reader_sees_the_corrected_count(
        desk: Served) -> None:
    token, submission_id = graded_submission(desk)
    assert login(desk).status_code == 303
    page = desk.client.get(f"/coach/s/{submission_id}")
    assert page.status_code == 200 and 'name="rep-2-verdict"' in page.text
    assert "bad: stance knee bend" in page.text  # the exercise's own codes
    saved = desk.client.post(f"/coach/s/{submission_id}/review", data={
        "csrf_token": csrf_of(page.text), "rep-2-verdict": "borderline",
        "rep-2-note": "knee <b>just</b> past: fine for now", "note": "Good work, Ann!"},
        follow_redirects=False)
    assert saved.status_code == 303
    api = desk.client.get(f"/api/submissions/{token}").json()
    review = api["review"]
    assert (review["good_reps"], review["first_bad_rep"], review["note"]) == (
        3, None, "Good work, Ann!")
    assert review["reps"][1]["verdict"] == "borderline" and review["reps"][1]["changed"]
    reader = desk.client.get(f"/s/{token}").text
    assert "Reviewed by your coach" in reader and "Good work, Ann!" in reader
    assert "3 good reps" in reader
    assert "knee &lt;b&gt;just&lt;/b&gt; past" in reader
    bad = desk.client.post(f"/coach/s/{submission_id}/review", data={
        "csrf_token": csrf_of(page.text), "rep-1-verdict": "bad:bridge.rushed"})
    assert bad.status_code == 400 and "fault code" in bad.text


# --- the gallery's refusals ---------------------------------------------------------------------

def test_the_gallery_refuses_clips_not_featured_and_publishing_not_allowed(
        desk: Served) -> None:
    _, private = graded_submission(desk, name="Nope")
    assert login(desk).status_code == 303
    page = desk.client.get(f"/coach/s/{private}")
    refused = desk.client.post(f"/coach/s/{private}/feature",
                               data={"csrf_token": csrf_of(page.text)})
    assert refused.status_code == 400 and "did not allow" in refused.text
    for public_id in ("A" * 16, "nothing-here1", "..%2f..%2fresults"):
        assert desk.client.get(f"/gallery/{public_id}.mp4").status_code == 404
    gallery = desk.client.get("/gallery")
    assert gallery.status_code == 200 and "Nothing here yet" in gallery.text


def test_labels_from_reviews(desk: Served, tmp_path: Path) -> None:
    _, submission_id = graded_submission(desk)
    assert login(desk).status_code == 303
    page = desk.client.get(f"/coach/s/{submission_id}")
    desk.client.post(f"/coach/s/{submission_id}/review", data={
        "csrf_token": csrf_of(page.text), "rep-3-verdict": "bad:sldl.rushed"})
    labels = tmp_path / "labels.json"
    written = runner.invoke(cli, ["results", str(desk.data), "--labels", str(labels)])
    assert written.exit_code == 0, written.output
    clips = json.loads(labels.read_text())["clips"]
    assert len(clips) == 1
    clip = clips[0]
    assert (clip["exercise"], clip["total_reps"], clip["good_reps"], clip["first_bad_rep"]) == (
        "sldl", 3, 1, 2)
    assert [r["faults"] for r in clip["reps"]] == [
        [], [{"code": "sldl.stance_knee_bend"}], [{"code": "sldl.rushed"}]]
    assert (labels.parent / clip["file"]).resolve().is_file()


def _featured(desk: Served, submission_id: int) -> str:
    """Feature through the form; the fake engine stands in for the worker that blurs."""
    from formcheck.store.coaching import CoachStore
    from formcheck.store.submissions import SubmissionStore

    with SubmissionStore(desk.data) as store:
        submission = store.by_id(submission_id)
    assert submission is not None
    outputs = desk.data / "uploads" / submission.hash / submission.exercise
    (outputs / "annotated.mp4").write_bytes(b"annotated")  # as the grading would have
    (outputs / "heads.json").write_text('{"t_s": [], "boxes": []}')
    page = desk.client.get(f"/coach/s/{submission_id}")
    answer = desk.client.post(f"/coach/s/{submission_id}/feature",
                              data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert answer.status_code == 303
    deadline = time.monotonic() + 20
    while True:
        with CoachStore(desk.data) as store:
            feature = store.feature_of(submission_id)
        assert feature is not None and feature.status != "failed", feature
        if feature.status == "ready":
            return feature.public_id
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_unfeaturing_or_the_readers_deletion_removes_the_clip_from_the_gallery_at_once(
        desk: Served) -> None:
    first_token, first = graded_submission(desk, name="Ann", consent_publish="on",
                                           consent_name="on")
    assert login(desk).status_code == 303
    public_id = _featured(desk, first)
    shown = desk.client.get("/gallery").text
    assert f"/gallery/{public_id}.mp4" in shown and "by Ann" in shown
    assert desk.client.get(f"/gallery/{public_id}.mp4").content == b"blurred video"
    page = desk.client.get(f"/coach/s/{first}")
    desk.client.post(f"/coach/s/{first}/unfeature", data={"csrf_token": csrf_of(page.text)})
    assert desk.client.get(f"/gallery/{public_id}.mp4").status_code == 404
    assert f"/gallery/{public_id}.mp4" not in desk.client.get("/gallery").text
    assert not (desk.data / "gallery" / f"{public_id}.mp4").exists()

    again = _featured(desk, first)
    assert desk.client.get(f"/gallery/{again}.mp4").status_code == 200
    assert desk.client.delete(f"/api/submissions/{first_token}").status_code == 204
    assert desk.client.get(f"/gallery/{again}.mp4").status_code == 404
    assert not (desk.data / "gallery" / f"{again}.mp4").exists()


def test_no_name_in_the_gallery_unless_the_reader_agreed(desk: Served) -> None:
    _, submission_id = graded_submission(desk, name="Secret Sam", consent_publish="on")
    assert login(desk).status_code == 303
    _featured(desk, submission_id)
    assert "Secret Sam" not in desk.client.get("/gallery").text


def test_the_queue_shows_each_submissions_warnings_and_why_one_was_not_graded(
        served_with) -> None:
    from formcheck import __version__
    from formcheck.drivers.batch.jobs import ClipJob
    from formcheck.store.results import ClipResult, ClipStatus

    def cut_off(job: ClipJob) -> ClipResult:
        report = json.loads(synthetic_report_json(job.path))
        if job.exercise == "bridge":
            return ClipResult(hash=job.hash, status=ClipStatus.UNGRADABLE,
                              reason="no person found in the first 5 s: film from the side",
                              report_json=None, exercise=job.exercise, seconds=0.1,
                              formcheck_version=__version__, model_sha256=None)
        report["warnings"] = [{"code": "truncated", "message": "the file ends at 1.8 s of its"
                               " 13.1 s: it looks cut off; send the whole clip", "at_s": 1.8,
                               "reps": []}]
        return ClipResult(hash=job.hash, status=ClipStatus.GRADED, reason=None,
                          report_json=json.dumps(report), exercise=job.exercise, seconds=0.1,
                          formcheck_version=__version__, model_sha256=None)

    with served_with(grade=cut_off) as desk:
        add_coach(desk.data, "coach", PASSWORD)
        first = desk.upload(name="Ann", consent_review="on").json()["token"]
        second = desk.upload(name="Bo", consent_review="on", exercise="bridge").json()["token"]
        desk.wait_status(first, "graded")
        desk.wait_status(second, "ungradable")
        assert login(desk).status_code == 303
        queue = desk.client.get("/coach").text
        assert 'data-code="truncated"' in queue and "looks cut off" in queue
        assert "no person found in the first 5 s" in queue
        assert "Bo" in desk.client.get("/coach?verdict=not_graded").text
        assert "Bo" not in desk.client.get("/coach?verdict=stopped").text
