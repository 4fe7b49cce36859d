"""The machine API (documented in the README), which the pages use too:

- ``POST /api/submissions`` (multipart: ``clip``, optional ``name``, ``exercise`` =
  ``auto|sldl|bridge``, ``consent_review``, ``consent_publish`` = ``on``, and
  ``progress_token``, a reader's, to put the clip in their progress): 201
  ``{"token", "status", "url", "api", "progress_token", "progress", "progress_api"}``
  (a new reader's token when none, or a wrong one, was sent);
- ``GET /api/submissions/<token>``: ``{"status", "progress", "reason", "warnings",
  "report", "review"}``;
- ``DELETE /api/submissions/<token>``: 204, and the token is 404 afterwards;
- ``GET /api/progress/<progress token>``: the reader's progress, ``formcheck.progress/1``
  (as ``formcheck progress --json``);
- errors: ``{"error": {"code", "message"}}`` with 400, 404, 408, 413, 415 or 429.

It takes no cookie, so it needs no CSRF token: a token in the path is its only authority.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from formcheck.drivers.serve.reader import client_address, find_submission, service_of
from formcheck.drivers.serve.service import Service
from formcheck.drivers.serve.submit import check_form
from formcheck.drivers.serve.uploads import UploadError, receive_upload
from formcheck.reporters.progress import progress_dict
from formcheck.store.submissions import Submission


def error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status,
                        headers=headers or None)


NOT_FOUND_MESSAGE = "no submission has this token (deleted, or the link is not complete)"


async def create(request: Request) -> Response:
    service = service_of(request)
    allowed, retry_after = service.upload_limit.allow(client_address(request))
    if not allowed:
        return error(429, "rate_limited", f"too many uploads from this address: try again in"
                     f" {retry_after:.0f} s", **{"retry-after": f"{retry_after:.0f}"})
    try:
        upload = await receive_upload(request, service.folder, service.settings)
    except UploadError as exc:
        return error(exc.status, exc.code, exc.message)
    try:
        form = check_form(upload.fields)
        added = await run_in_threadpool(service.submit, upload, form,
                                        upload.fields.get("progress_token") or None)
    except UploadError as exc:
        upload.discard()
        return error(exc.status, exc.code, exc.message)
    service.dispatcher.wake()
    token, reader = added.token, added.progress_token
    return JSONResponse({"token": token, "status": added.submission.grading.status.value,
                         "url": f"/s/{token}", "api": f"/api/submissions/{token}",
                         "progress_token": reader, "progress": f"/progress/{reader}",
                         "progress_api": f"/api/progress/{reader}"}, status_code=201)


def submission_json(service: Service, submission: Submission) -> dict[str, Any]:
    """What ``GET /api/submissions/<token>`` answers."""
    view = service.view(submission)
    grading = submission.grading
    return {
        "status": grading.status.value,
        "progress": grading.progress,
        "reason": grading.reason,
        "warnings": [w.to_dict() for w in view.report.warnings] if view.report else [],
        "report": view.report.to_dict() if view.report else None,
        "review": service.review_json(submission),
    }


def show(request: Request) -> Response:
    service = service_of(request)
    submission = find_submission(request)
    if submission is None:
        return error(404, "not_found", NOT_FOUND_MESSAGE)
    return JSONResponse(submission_json(service, submission))


async def remove(request: Request) -> Response:
    service = service_of(request)
    submission = await run_in_threadpool(find_submission, request)
    if submission is None:
        return error(404, "not_found", NOT_FOUND_MESSAGE)
    await run_in_threadpool(service.delete, submission)
    return Response(status_code=204)


NO_PROGRESS_MESSAGE = "no reader has this progress token (or the link is not complete)"


def progress(request: Request) -> Response:
    """A reader's progress, ``formcheck.progress/1``."""
    service = service_of(request)
    reader = service.reader(request.path_params["token"])
    if reader is None:
        return error(404, "not_found", NO_PROGRESS_MESSAGE)
    return JSONResponse(progress_dict(service.store().reader_progress(reader.id)))


ROUTES = [
    Route("/api/submissions", create, methods=["POST"]),
    Route("/api/submissions/{token}", show, methods=["GET"]),
    Route("/api/submissions/{token}", remove, methods=["DELETE"]),
    Route("/api/progress/{token}", progress, methods=["GET"]),
]
