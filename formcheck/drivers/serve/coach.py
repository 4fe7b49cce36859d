"""The coach's desk (``/coach``) and the public gallery (``/gallery``).

- ``/coach/login`` (fields ``name``, ``password``, ``csrf_token``): a signed session; the
  login ends after :data:`COACH_SESSION_S`, on logout, or when the account is removed or
  its password changed. Failed logins are slowed down (each answered after
  ``FAILED_LOGIN_DELAY_S``; past ``MAX_FAILED_LOGINS`` in 15 minutes for a name or an
  address, refused with 429 until the window passes: ``LoginThrottle``). Any ``/coach``
  page without a session is a redirect (303) to the login; every POST needs the
  session's CSRF token (403 without it).
- ``/coach``: the queue; ``/coach/s/<id>``: a submission's report beside its video, the
  per-rep review form, featuring.
- ``/coach/readers``: the readers (people) the coach may see; ``/coach/readers/<id>``: a
  reader's progress (the progress template's body, with each session's rule and a link to
  its submission), and the forms to rename the reader (``name``) or merge them into
  another (``into``, a person's id). A reader all of whose uploads were sent without
  "my coach may review this" is not listed (404), nor are the sessions of such uploads.
- ``/gallery``: featured clips (faces blurred), no login; ``/gallery/<id>.mp4`` is 404
  unless the clip is featured and its blurred video made.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from formcheck.analysis.review import ReviewError
from formcheck.drivers.serve.desk import (
    FILTERS,
    QueueFilters,
    parse_review_form,
    queue_rows,
    rep_choices,
    review_view,
)
from formcheck.drivers.serve.passwords import verify_password
from formcheck.drivers.serve.reader import client_address, service_of
from formcheck.drivers.serve.security import (
    CSRF_FIELD,
    LoginThrottle,
    csrf_ok,
    csrf_token,
)
from formcheck.drivers.serve.service import Service
from formcheck.errors import InputError, UsageError
from formcheck.reporters.progress import progress_context

#: How long a coach's login lasts, s.
COACH_SESSION_S = 12 * 3600


def _fingerprint(password_hash: str) -> str:
    """What the session keeps of the account: a password change or removal ends it."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


def current_coach(request: Request) -> str | None:
    """The logged-in coach, or None (no session, stale, or the account changed)."""
    session = request.session
    name = session.get("coach")
    login_at = session.get("login_at")
    if not isinstance(name, str) or not isinstance(login_at, int | float):
        return None
    if not 0 <= time.time() - login_at <= COACH_SESSION_S:
        session.pop("coach", None)
        return None
    stored = service_of(request).coaching().password_hash(name)
    if stored is None or session.get("account") != _fingerprint(stored):
        session.pop("coach", None)
        return None
    return name


def to_login(request: Request) -> Response:
    target = request.url.path
    return RedirectResponse("/coach/login?" + urlencode({"next": target}), status_code=303)


def _safe_next(value: str | None) -> str:
    """Only a path of this site's coach pages (no open redirect)."""
    if value and value.startswith("/coach") and "//" not in value and "\\" not in value:
        return value
    return "/coach"


def forbidden(service: Service, request: Request) -> Response:
    return service.render(request, "serve/message.html.j2", status_code=403,
                          heading="Refused", message="The form had expired or came from"
                          " elsewhere (no valid CSRF token): open the page again.")


# --- login -----------------------------------------------------------------------------------

def login_page(request: Request) -> Response:
    service = service_of(request)
    if current_coach(request):
        return RedirectResponse("/coach", status_code=303)
    return service.render(request, "serve/coach_login.html.j2", error=None, coach=None,
                          next=_safe_next(request.query_params.get("next")))


async def login(request: Request) -> Response:
    service = service_of(request)
    form = await request.form(max_files=0, max_fields=8)
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    if not csrf_ok(request.session, fields.get(CSRF_FIELD)):
        return forbidden(service, request)
    name = fields.get("name", "").strip()[:40]
    password = fields.get("password", "")
    address = client_address(request)
    throttle: LoginThrottle = service.login_throttle
    wait_s = throttle.blocked(name, address)
    if wait_s > 0:
        response = service.render(request, "serve/coach_login.html.j2", status_code=429,
                                  error=f"too many failed logins: try again in"
                                        f" {max(1.0, wait_s / 60):.0f} min", next="/coach",
                                  coach=None)
        response.headers["retry-after"] = f"{wait_s:.0f}"
        return response
    stored = await run_in_threadpool(lambda: service.coaching().password_hash(name))
    if not await run_in_threadpool(verify_password, password, stored) or stored is None:
        throttle.failed(name, address)
        await asyncio.sleep(service.failed_login_delay_s)
        return service.render(request, "serve/coach_login.html.j2", status_code=401,
                              error="wrong name or password", coach=None,
                              next=_safe_next(fields.get("next")))
    request.session.clear()  # a fresh session: no fixation
    request.session.update({"coach": name, "login_at": int(time.time()),
                            "account": _fingerprint(stored)})
    csrf_token(request.session)
    return RedirectResponse(_safe_next(fields.get("next")), status_code=303)


async def logout(request: Request) -> Response:
    service = service_of(request)
    form = await request.form(max_files=0, max_fields=4)
    sent = form.get(CSRF_FIELD)
    if not csrf_ok(request.session, sent if isinstance(sent, str) else None):
        return forbidden(service, request)
    request.session.clear()
    return RedirectResponse("/coach/login", status_code=303)


# --- the queue and the review ------------------------------------------------------------------

def queue(request: Request) -> Response:
    service = service_of(request)
    coach = current_coach(request)
    if coach is None:
        return to_login(request)
    filters = QueueFilters.parse(dict(request.query_params))
    coaching = service.coaching()
    submissions = service.store().all()
    rows = queue_rows(submissions, coaching.reviewed_ids(),
                      {f.submission_id for f in coaching.features()}, filters)
    hidden = sum(1 for s in submissions if not s.consent_review)
    return service.render(request, "serve/coach_queue.html.j2", coach=coach, rows=rows,
                          filters=filters, choices=FILTERS, hidden=hidden)


def _submission_page(service: Service, request: Request, coach: str, submission_id: int,
                     *, error: str | None = None, status_code: int = 200) -> Response:
    submission = service.store().by_id(submission_id)
    if submission is None or not submission.consent_review:
        return service.render(request, "serve/message.html.j2", status_code=404,
                              heading="Nothing here", message="No such submission.")
    view = service.view(submission)
    coaching = service.coaching()
    review = coaching.review(submission.id)
    given = {rep.index: rep for rep in review.reps} if review else {}
    report = submission.grading.report
    video_src = f"/coach/s/{submission.id}/video.mp4" if view.has_video else None
    context: dict[str, Any] = {"report": None, **service.report_context(view, video_src)}
    return service.render(
        request, "serve/coach_review.html.j2", status_code=status_code, coach=coach,
        submission=submission, status=submission.grading.status.value, error=error,
        review=review, given=given, choices=rep_choices(report) if report else [],
        corrected=review_view(review, report), feature=coaching.feature_of(submission.id),
        saved=request.query_params.get("saved") == "1", **context)


def submission_page(request: Request) -> Response:
    service = service_of(request)
    coach = current_coach(request)
    if coach is None:
        return to_login(request)
    return _submission_page(service, request, coach, int(request.path_params["id"]))


def submission_video(request: Request) -> Response:
    service = service_of(request)
    if current_coach(request) is None:
        return to_login(request)
    submission = service.store().by_id(int(request.path_params["id"]))
    if submission is None or not submission.consent_review:
        return Response(status_code=404)
    path = service.folder.annotated(submission.hash, submission.exercise)
    if not path.is_file():
        return Response(status_code=404)
    return FileResponse(path, media_type="video/mp4")


async def _coach_post(request: Request) -> tuple[str, dict[str, str]] | Response:
    """A coach's form POST: the coach and the form's fields, or the answer to give instead
    (the login without a session, 403 without a valid CSRF token)."""
    coach = await run_in_threadpool(current_coach, request)
    if coach is None:
        return to_login(request)
    form = await request.form(max_files=0, max_fields=400)
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    if not csrf_ok(request.session, fields.get(CSRF_FIELD)):
        return forbidden(service_of(request), request)
    return coach, fields


async def save_review(request: Request) -> Response:
    service = service_of(request)
    posted = await _coach_post(request)
    if isinstance(posted, Response):
        return posted
    coach, fields = posted
    submission_id = int(request.path_params["id"])

    def save() -> Response:
        submission = service.store().by_id(submission_id)
        report = submission.grading.report if submission else None
        if submission is None or not submission.consent_review or report is None \
                or report.get("status") != "graded":
            return service.render(request, "serve/message.html.j2", status_code=404,
                                  heading="Nothing to review",
                                  message="No graded submission has this number.")
        try:
            note, reps = parse_review_form(fields, report)
        except ReviewError as exc:
            return _submission_page(service, request, coach, submission_id, error=str(exc),
                                    status_code=400)
        service.coaching().save_review(submission_id, coach, note, reps)
        return RedirectResponse(f"/coach/s/{submission_id}?saved=1", status_code=303)

    return await run_in_threadpool(save)


async def set_feature(request: Request) -> Response:
    service = service_of(request)
    posted = await _coach_post(request)
    if isinstance(posted, Response):
        return posted
    coach, _ = posted
    submission_id = int(request.path_params["id"])
    featured = request.url.path.endswith("/feature")

    def change() -> Response:
        submission = service.store().by_id(submission_id)
        if submission is None or not submission.consent_review:
            return Response(status_code=404)
        if featured:
            if not submission.consent_publish:
                return _submission_page(service, request, coach, submission_id,
                                        status_code=400,
                                        error="the reader did not allow publishing this clip")
            if submission.grading.status.value != "graded":
                return _submission_page(service, request, coach, submission_id,
                                        status_code=400, error="only graded clips go in the"
                                        " gallery")
            service.coaching().feature(submission_id, coach)
            service.dispatcher.wake()
        else:
            gone = service.coaching().unfeature(submission_id)
            if gone is not None:
                service.folder.gallery_video(gone.public_id).unlink(missing_ok=True)
        return RedirectResponse(f"/coach/s/{submission_id}", status_code=303)

    return await run_in_threadpool(change)


# --- readers and their progress ----------------------------------------------------------------

def readers(request: Request) -> Response:
    service = service_of(request)
    coach = current_coach(request)
    if coach is None:
        return to_login(request)
    rows, hidden = service.store().coach_readers()
    return service.render(request, "serve/coach_readers.html.j2", coach=coach, rows=rows,
                          hidden=hidden)


def _reader_page(service: Service, request: Request, coach: str, person_id: int, *,
                 error: str | None = None, done: str | None = None,
                 status_code: int = 200) -> Response:
    store = service.store()
    row = store.coach_reader(person_id)
    if row is None:
        return service.render(request, "serve/message.html.j2", status_code=404,
                              heading="Nothing here", message="No such reader.")
    links = store.coach_clip_links(person_id)
    context = progress_context(
        store.coach_progress(person_id), viewer="coach",
        clip_link=lambda clip: f"/coach/s/{links[clip]}" if clip in links else None)
    return service.render(request, "serve/coach_reader.html.j2", status_code=status_code,
                          coach=coach, person_id=person_id, error=error, done=done,
                          hidden_sessions=row.hidden_sessions,
                          others=[p for p in store.coach_listed()[0] if p.id != person_id],
                          **context)


def reader_page(request: Request) -> Response:
    service = service_of(request)
    coach = current_coach(request)
    if coach is None:
        return to_login(request)
    done = {"renamed": "Renamed.", "merged": "Merged: the sessions are this reader's now."
            }.get(request.query_params.get("done", ""))
    return _reader_page(service, request, coach, int(request.path_params["id"]), done=done)


async def change_reader(request: Request) -> Response:
    """The rename and merge forms (with the CSRF token) of a reader's page."""
    service = service_of(request)
    posted = await _coach_post(request)
    if isinstance(posted, Response):
        return posted
    coach, fields = posted
    person_id = int(request.path_params["id"])
    merging = request.url.path.endswith("/merge")

    def change() -> Response:
        store = service.store()
        listed = {person.id for person in store.coach_listed()[0]}
        if person_id not in listed:
            return service.render(request, "serve/message.html.j2", status_code=404,
                                  heading="Nothing here", message="No such reader.")
        try:
            if merging:
                into = fields.get("into", "")
                if not into.isdigit() or int(into) not in listed:
                    raise UsageError("choose a reader to merge into from the list")
                store.merge_people(person_id, int(into))
                return RedirectResponse(f"/coach/readers/{int(into)}?done=merged",
                                        status_code=303)
            name = fields.get("name", "")[:200]
            other = store.person(name) if name.strip() else None
            if other is not None and other.id != person_id:
                raise UsageError(f"{other.name} is another reader: to put the two together,"
                                 " merge them")
            store.rename_person(person_id, name)
        except (UsageError, InputError) as exc:
            return _reader_page(service, request, coach, person_id, error=str(exc),
                                status_code=400)
        return RedirectResponse(f"/coach/readers/{person_id}?done=renamed", status_code=303)

    return await run_in_threadpool(change)


def coach_anything(request: Request) -> Response:
    """Any other ``/coach`` path: the login without a session, else 404."""
    service = service_of(request)
    if current_coach(request) is None:
        return to_login(request)
    return service.render(request, "serve/message.html.j2", status_code=404,
                          heading="Nothing here", message="No such page.")


# --- the gallery -------------------------------------------------------------------------------

def gallery(request: Request) -> Response:
    service = service_of(request)
    items = []
    for feature in service.coaching().features("ready"):
        submission = service.store().by_id(feature.submission_id)
        if submission is None or not submission.consent_publish:
            continue
        report = submission.grading.report or {}
        review = review_view(service.coaching().review(submission.id), report)
        items.append({
            "public_id": feature.public_id,
            "name": submission.name if submission.consent_name else None,
            "title": report.get("exercise"),
            "verdict": review["verdict"] if review else report.get("verdict"),
            "good_reps": review["good_reps"] if review else report.get("good_reps"),
            "note": review["note"] if review else "",
        })
    return service.render(request, "serve/gallery.html.j2", items=items)


def gallery_video(request: Request) -> Response:
    service = service_of(request)
    feature = service.coaching().by_public_id(request.path_params["public_id"])
    submission = service.store().by_id(feature.submission_id) if feature else None
    if feature is None or feature.status != "ready" or submission is None \
            or not submission.consent_publish:
        return Response(status_code=404)
    path = service.folder.gallery_video(feature.public_id)  # the stored id, not the request's
    if not path.is_file():
        return Response(status_code=404)
    return FileResponse(path, media_type="video/mp4",
                        headers={"cache-control": "no-store"})


ROUTES = [
    Route("/coach/login", login_page, methods=["GET"]),
    Route("/coach/login", login, methods=["POST"]),
    Route("/coach/logout", logout, methods=["POST"]),
    Route("/coach", queue, methods=["GET"]),
    Route("/coach/s/{id:int}", submission_page, methods=["GET"]),
    Route("/coach/s/{id:int}/video.mp4", submission_video, methods=["GET", "HEAD"]),
    Route("/coach/s/{id:int}/review", save_review, methods=["POST"]),
    Route("/coach/s/{id:int}/feature", set_feature, methods=["POST"]),
    Route("/coach/s/{id:int}/unfeature", set_feature, methods=["POST"]),
    Route("/coach/readers", readers, methods=["GET"]),
    Route("/coach/readers/{id:int}", reader_page, methods=["GET"]),
    Route("/coach/readers/{id:int}/rename", change_reader, methods=["POST"]),
    Route("/coach/readers/{id:int}/merge", change_reader, methods=["POST"]),
    Route("/coach/{rest:path}", coach_anything, methods=["GET", "POST"]),
    Route("/gallery", gallery, methods=["GET"]),
    Route("/gallery/{public_id}.mp4", gallery_video, methods=["GET", "HEAD"]),
]
