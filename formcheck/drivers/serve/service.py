"""The one object a running web service holds: its settings, data folder, store
connections, dispatcher, rate limit and templates. Routes reach it as
``request.app.state.service``; nothing is kept in module globals."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from formcheck.analysis.report import Report
from formcheck.drivers.serve.dispatcher import Dispatcher, EngineFactory
from formcheck.drivers.serve.files import DataFolder
from formcheck.drivers.serve.security import (
    FAILED_LOGIN_DELAY_S,
    LoginThrottle,
    RateLimiter,
    csrf_token,
)
from formcheck.drivers.serve.settings import ServeSettings
from formcheck.drivers.serve.submit import SubmitForm
from formcheck.drivers.serve.uploads import ReceivedUpload
from formcheck.reporters import pages
from formcheck.reporters.html import ReportParts, report_context
from formcheck.store.coaching import CoachStore
from formcheck.store.people import Person
from formcheck.store.submissions import Added, Submission, SubmissionStore

#: What a token looks like (``secrets.token_urlsafe``); anything else is 404 at once.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{22,128}")


@dataclass(frozen=True)
class SubmissionView:
    """What the reader's page and the API show of a submission."""

    submission: Submission
    report: Report | None
    parts: ReportParts
    has_video: bool

    @property
    def status(self) -> str:
        return self.submission.grading.status.value


class Service:
    """The running service (see the module's docstring)."""

    def __init__(self, settings: ServeSettings,
                 engine_factory: EngineFactory | None = None) -> None:
        self.settings = settings
        self.folder = DataFolder(settings.data)
        self.dispatcher = Dispatcher(settings, engine_factory)
        self.upload_limit = RateLimiter(settings.uploads_per_hour)
        self.templates: jinja2.Environment = pages.environment()
        self.login_throttle = LoginThrottle()
        self.failed_login_delay_s = FAILED_LOGIN_DELAY_S
        self._local = threading.local()
        self._stores: list[SubmissionStore | CoachStore] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        self.folder.create()
        self.folder.sweep()
        self.store()  # migrations applied before the dispatcher's connection opens
        self.dispatcher.start()

    def stop(self) -> None:
        self.dispatcher.stop()
        with self._lock:
            for store in self._stores:
                store.close()
            self._stores.clear()

    def store(self) -> SubmissionStore:
        """This thread's connection to the store (SQLite connections are not shared)."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = SubmissionStore(self.settings.data)
            self._local.store = store
            with self._lock:
                self._stores.append(store)
        return store

    def coaching(self) -> CoachStore:
        """This thread's connection to the coach's tables."""
        store = getattr(self._local, "coaching", None)
        if store is None:
            store = CoachStore(self.settings.data)
            self._local.coaching = store
            with self._lock:
                self._stores.append(store)
        return store

    def render(self, request: Request, template: str, status_code: int = 200,
               **context: Any) -> HTMLResponse:
        """A page from ``templates/serve``, with the session's CSRF token."""
        text = self.templates.get_template(template).render(
            csrf_token=csrf_token(request.session), **context)
        return HTMLResponse(text, status_code=status_code)

    def view(self, submission: Submission) -> SubmissionView:
        """The submission with its report (shown under the reader's file name) and the
        page parts its grading made."""
        grading = submission.grading
        report = None
        parts = ReportParts()
        has_video = False
        data = grading.report
        if data is not None and grading.status.done:
            report = Report.from_dict(data)
            report = replace(report, video=replace(report.video, path=submission.filename))
            parts_file = self.folder.parts(submission.hash, submission.exercise)
            if parts_file.is_file():
                parts = ReportParts.from_json(parts_file.read_text(encoding="utf-8"))
            has_video = self.folder.annotated(submission.hash, submission.exercise).is_file()
        return SubmissionView(submission, report, parts, has_video)

    def report_context(self, view: SubmissionView, video_src: str | None) -> dict[str, Any]:
        if view.report is None:
            return {}
        return report_context(view.report, view.parts, video_src=video_src)

    def review_for(self, submission: Submission) -> dict[str, Any] | None:
        """The coach's review of ``submission`` as the reader sees it, or None."""
        from formcheck.drivers.serve.desk import review_view

        return review_view(self.coaching().review(submission.id), submission.grading.report)

    def review_json(self, submission: Submission) -> dict[str, Any] | None:
        """The API's ``review`` field: null until the coach reviews."""
        return self.review_for(submission)

    def submit(self, upload: ReceivedUpload, form: SubmitForm,
               progress_token: str | None = None) -> Added:
        """Judge an upload and store the submission for the reader of ``progress_token``
        (or a new reader), on the calling thread's own connection (call it off the event
        loop: SQLite connections are not shared between threads)."""
        from formcheck.drivers.serve.submit import submit_upload

        return submit_upload(upload, form, self.folder, self.store(), self.settings,
                             progress_token)

    def reader(self, progress_token: str | None) -> Person | None:
        """The reader of a progress token (a cookie's, a link's), or None: no token, or
        one of the wrong shape or that no reader has (call it off the event loop)."""
        if progress_token is None or not TOKEN_PATTERN.fullmatch(progress_token):
            return None
        return self.store().reader(progress_token)

    def delete(self, submission: Submission) -> None:
        """Delete a submission and every file made from it (the gallery's copy too)."""
        from formcheck.drivers.serve.submit import delete_submission

        feature = self.coaching().feature_of(submission.id)
        delete_submission(submission, self.folder, self.store())
        if feature is not None:
            self.folder.gallery_video(feature.public_id).unlink(missing_ok=True)
