"""A received upload becomes a submission: the form checked, the bytes judged by content
exactly as ``formcheck batch`` judges a file, the clip kept under its sha256, the grading
queued (once per clip and exercise, however many readers send it), for the reader whose
progress token came with it (or a new reader)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime

from formcheck.drivers.serve.files import DataFolder, exercise_choices
from formcheck.drivers.serve.settings import ServeSettings
from formcheck.drivers.serve.uploads import ReceivedUpload, UploadError
from formcheck.errors import UsageError
from formcheck.sources.dates import ClipDate, DateSource, clip_date
from formcheck.sources.sniff import probe_duration_s, sniff_video
from formcheck.store.people import MAX_NAME_CHARS, clean_name
from formcheck.store.submissions import Added, Submission, SubmissionStore


@dataclass(frozen=True)
class SubmitForm:
    """The text fields of an upload, checked.

    Attributes:
        name: The name or handle typed (None: none; a new reader then gets a neutral one).
        new_reader: The reader asked for a new progress page ("this is not me"), whatever
            progress token came with the upload.
    """

    name: str | None
    exercise: str
    consent_review: bool
    consent_publish: bool
    consent_name: bool = False
    new_reader: bool = False


def check_form(fields: dict[str, str]) -> SubmitForm:
    """The form's fields, or an :class:`UploadError` (400) that says what is wrong."""
    name = " ".join(fields.get("name", "").split()) or None
    if name is not None and len(name) > MAX_NAME_CHARS:
        raise UploadError(400, "bad_form", f"the name is longer than {MAX_NAME_CHARS}"
                          " characters")
    if name is not None:
        try:
            name = clean_name(name)
        except UsageError:
            raise UploadError(400, "bad_form", "the name: use letters, digits, spaces or"
                              " punctuation (no control characters)") from None
    exercise = fields.get("exercise", "auto").strip() or "auto"
    if exercise not in exercise_choices():
        raise UploadError(400, "bad_form", f"exercise {exercise[:40]!r} is not one of"
                          f" {', '.join(exercise_choices())}")
    return SubmitForm(name=name, exercise=exercise,
                      consent_review=fields.get("consent_review") == "on",
                      consent_publish=fields.get("consent_publish") == "on",
                      consent_name=fields.get("consent_name") == "on",
                      new_reader=fields.get("new_reader") == "on")


def submit_upload(upload: ReceivedUpload, form: SubmitForm, folder: DataFolder,
                  store: SubmissionStore, settings: ServeSettings,
                  progress_token: str | None = None) -> Added:
    """Judge the uploaded bytes and store the submission (blocking: run off the event
    loop), for the reader of ``progress_token`` (None, a wrong one, or the form's "this is
    not me": a new reader). The temporary file is moved into place or removed, whatever
    happens. The session's date is the clip's creation time from its container, else now
    (``upload``).

    Returns:
        The private link's token, the submission, and the reader with their token.

    Raises:
        UploadError: 400 (no clip, an empty file), 415 (not a video), 413 (longer than
            ``max_duration_s``).
    """
    try:
        if upload.path is None:
            raise UploadError(400, "bad_form", "choose a clip to send (the form's clip field)")
        if upload.size == 0:
            raise UploadError(400, "empty", "the file is empty (0 bytes): send the clip"
                              " itself")
        if not sniff_video(upload.path):
            raise UploadError(415, "not_a_video", "not a video: send the clip as your phone"
                              " recorded it (MP4, MOV, WebM, ...)")
        duration = probe_duration_s(upload.path)
        if duration is not None and duration > settings.max_duration_s:
            raise UploadError(413, "too_long", f"the clip is {duration:.0f} s long; the limit"
                              f" is {settings.max_duration_s:.0f} s: send one set")
        target = folder.clip(upload.sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_file():
            upload.discard()  # the same bytes are kept already
        else:
            os.replace(upload.path, target)
            upload.path = None
        filmed = clip_date(target, fallback=ClipDate(datetime.now(UTC), DateSource.UPLOAD))
        return store.add(hash_hex=upload.sha256, exercise=form.exercise, name=form.name,
                         filename=upload.filename, consent_review=form.consent_review,
                         consent_publish=form.consent_publish, duration_s=duration,
                         consent_name=form.consent_name, filmed=filmed,
                         progress_token=None if form.new_reader else progress_token)
    finally:
        upload.discard()


def delete_submission(submission: Submission, folder: DataFolder,
                      store: SubmissionStore) -> None:
    """Delete a submission: its row, and its grading, outputs and clip when no other
    submission shares them."""
    removed = store.delete(submission.id)
    if removed is None:
        return
    if removed.grading_removed:
        folder.remove_outputs(removed.hash, removed.exercise)
    if removed.clip_unreferenced:
        folder.remove_clip(removed.hash)
