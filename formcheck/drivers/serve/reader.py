"""The reader's pages: how to film and the upload form, the private result page, the
annotated video (with HTTP Range), deletion, and the reader's progress page. Each route
parses the request, calls the library (:mod:`~formcheck.drivers.serve.submit`, the store)
and renders a template.

A reader is known by a progress token: made on their first upload, kept in a cookie
(:data:`~formcheck.drivers.serve.security.READER_COOKIE`) and shown as a link to bookmark
(``/progress/<token>``); opening the link on another browser puts the token in that
browser's cookie too, so its uploads join the same progress.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from formcheck.drivers.serve.security import (
    CSRF_FIELD,
    csrf_ok,
    reader_token,
    set_reader_cookie,
)
from formcheck.drivers.serve.service import TOKEN_PATTERN, Service
from formcheck.drivers.serve.submit import check_form
from formcheck.drivers.serve.uploads import UploadError, receive_upload
from formcheck.exercises import EXERCISES
from formcheck.reporters.progress import progress_context
from formcheck.store.people import Person
from formcheck.store.submissions import Submission


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def client_address(request: Request) -> str:
    """The client's address (uvicorn puts a trusted proxy's X-Forwarded-For here)."""
    return request.client.host if request.client else "unknown"


def exercise_options() -> list[tuple[str, str]]:
    return [("auto", "Recognise it for me"),
            *((name, exercise.title) for name, exercise in EXERCISES.items())]


def progress_url(request: Request, token: str) -> str:
    """The reader's progress link, absolute (to bookmark or copy)."""
    return str(request.url_for("progress", token=token))


def current_reader(request: Request) -> Person | None:
    """The reader whose token this browser's cookie holds, or None (blocking)."""
    return service_of(request).reader(reader_token(request))


def _home(service: Service, request: Request, reader: Person | None, *,
          error: str | None = None, status_code: int = 200,
          values: dict[str, object] | None = None) -> Response:
    settings = service.settings
    shown = {"name": "", "exercise": "auto", "consent_review": False, "consent_publish": False,
             "consent_name": False, "new_reader": False}
    shown.update(values or {})
    return service.render(request, "serve/home.html.j2", status_code=status_code, error=error,
                          exercises=exercise_options(), values=shown, reader=reader,
                          max_upload_mb=settings.max_upload_mb,
                          max_duration_s=settings.max_duration_s)


def home(request: Request) -> Response:
    return _home(service_of(request), request, current_reader(request))


async def submit(request: Request) -> Response:
    """The upload form's target: the same as ``POST /api/submissions``, then a redirect to
    the private page (303), or the form again with the error."""
    service = service_of(request)
    reader = await run_in_threadpool(current_reader, request)
    allowed, retry_after = service.upload_limit.allow(client_address(request))
    if not allowed:
        response = _home(service, request, reader, status_code=429, error=(
            f"too many uploads from your address: try again in {retry_after / 60:.0f} min"))
        response.headers["retry-after"] = f"{retry_after:.0f}"
        return response
    try:
        upload = await receive_upload(request, service.folder, service.settings)
    except UploadError as exc:
        return _home(service, request, reader, error=exc.message, status_code=exc.status)
    fields = upload.fields
    values = {"name": fields.get("name", "")[:80], "exercise": fields.get("exercise", "auto"),
              "consent_review": fields.get("consent_review") == "on",
              "consent_publish": fields.get("consent_publish") == "on",
              "consent_name": fields.get("consent_name") == "on",
              "new_reader": fields.get("new_reader") == "on"}
    if not csrf_ok(request.session, fields.get(CSRF_FIELD)):
        upload.discard()
        return _home(service, request, reader, status_code=403, values=values, error=(
            "the form had expired: choose the clip and send it again"))
    try:
        form = check_form(fields)
        added = await run_in_threadpool(service.submit, upload, form, reader_token(request))
    except UploadError as exc:
        upload.discard()
        return _home(service, request, reader, error=exc.message, status_code=exc.status,
                     values=values)
    service.dispatcher.wake()
    response = RedirectResponse(f"/s/{added.token}", status_code=303)
    set_reader_cookie(response, request, added.progress_token,
                      https_only=service.settings.https_only)
    return response


def find_submission(request: Request) -> Submission | None:
    """The submission of the path's token, or None (404)."""
    token = request.path_params["token"]
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    return service_of(request).store().get(token)


def not_found(service: Service, request: Request, message: str = (
        "No clip is at this link: it was deleted, or the link is not complete.")) -> Response:
    return service.render(request, "serve/message.html.j2", status_code=404,
                          heading="Nothing here", message=message)


#: What a wrong progress link answers, whatever is wrong with it.
NO_PROGRESS = "No progress page is at this link: check that the link is complete."


def result(request: Request) -> Response:
    """The private result page: the state while queued or grading, then the verdict."""
    service = service_of(request)
    submission = find_submission(request)
    if submission is None:
        return not_found(service, request)
    token = request.path_params["token"]
    view = service.view(submission)
    grading = submission.grading
    ahead = 0
    if grading.status.value == "queued":
        ahead = sum(1 for g in service.store().queued(1000) if g.queued_at < grading.queued_at)
    page_url = f"/s/{token}"
    video_src = f"{page_url}/video.mp4" if view.has_video else None
    review = service.review_for(submission)
    context = {"report": None, **service.report_context(view, video_src)}
    # The progress link is shown only to the browser that holds the reader's token: the
    # store keeps its hash alone, and a clip's link must not open its sender's progress.
    progress_link = None
    cookie_token = reader_token(request)
    reader = service.reader(cookie_token)
    if reader is not None and cookie_token and reader.id == submission.person_id:
        progress_link = progress_url(request, cookie_token)
    return service.render(
        request, "serve/result.html.j2", status=view.status, done=grading.status.done,
        progress=grading.progress, reason=grading.reason, ahead=ahead,
        filename=submission.filename, sender=submission.name, page_url=page_url,
        api_url=f"/api/submissions/{token}", review=review, progress_link=progress_link,
        **context)


def video(request: Request) -> Response:
    """The annotated video (H.264 MP4); Starlette's FileResponse answers Range requests."""
    service = service_of(request)
    submission = find_submission(request)
    if submission is None:
        return not_found(service, request)
    path = service.folder.annotated(submission.hash, submission.exercise)
    if not path.is_file():
        return not_found(service, request)
    return FileResponse(path, media_type="video/mp4")


async def delete(request: Request) -> Response:
    """The reader's delete button (a form with the CSRF token)."""
    service = service_of(request)
    form = await request.form(max_files=0, max_fields=4)
    sent = form.get(CSRF_FIELD)
    if not csrf_ok(request.session, sent if isinstance(sent, str) else None):
        return service.render(request, "serve/message.html.j2", status_code=403,
                              heading="Not deleted",
                              message="The form had expired: open your link again and press"
                                      " delete.")
    submission = await run_in_threadpool(find_submission, request)
    if submission is None:
        return not_found(service, request)
    await run_in_threadpool(service.delete, submission)
    return RedirectResponse("/deleted", status_code=303)


def progress(request: Request) -> Response:
    """The reader's progress page (the progress template's body in the site's layout; no
    script). Opening it keeps its token in this browser's cookie, so that the browser's
    uploads join this progress. A wrong token is the same 404 as a wrong clip link."""
    service = service_of(request)
    token = request.path_params["token"]
    reader = service.reader(token)
    if reader is None:
        return not_found(service, request, NO_PROGRESS)
    link = progress_url(request, token)
    context = progress_context(service.store().reader_progress(reader.id), viewer="reader",
                               private_link=link)
    response = service.render(request, "serve/progress.html.j2", **context)
    set_reader_cookie(response, request, token, https_only=service.settings.https_only)
    return response


def my_progress(request: Request) -> Response:
    """``/progress``: this browser's progress page, or how to get one."""
    service = service_of(request)
    token = reader_token(request)
    if token is not None and service.reader(token) is not None:
        return RedirectResponse(f"/progress/{token}", status_code=303)
    return service.render(request, "serve/message.html.j2", heading="No progress here yet",
                          message="This browser has no progress page: send a clip and you"
                                  " get one, or open the private link you were given.")


def deleted(request: Request) -> Response:
    return service_of(request).render(
        request, "serve/message.html.j2", heading="Deleted",
        message="Your clip, its verdict and every file made from it are deleted.")


ROUTES = [
    Route("/", home, methods=["GET"]),
    Route("/submit", submit, methods=["POST"]),
    Route("/s/{token}", result, methods=["GET"]),
    Route("/s/{token}/video.mp4", video, methods=["GET", "HEAD"]),
    Route("/s/{token}/delete", delete, methods=["POST"]),
    Route("/deleted", deleted, methods=["GET"]),
    Route("/progress", my_progress, methods=["GET"]),
    Route("/progress/{token}", progress, methods=["GET"], name="progress"),
]
