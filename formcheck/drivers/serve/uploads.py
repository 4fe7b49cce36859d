"""Receiving an upload: the multipart body streamed to a file in ``DIR/incoming``, hashed
as it arrives, under a size limit and two time limits.

OWASP's file-upload rules: the size is capped while streaming (a declared length over the
limit is refused before a byte is read, and a body that passes it is refused at that
byte, the rest never read); the client's file name is kept only as text to show; the
bytes are judged by content later (:mod:`formcheck.drivers.serve.submit`). An upload that
stalls (nothing for ``upload_idle_s``) or drags on (past ``upload_total_s``) is dropped;
whatever way it ends without success, its partial file is removed.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from formcheck.drivers.serve.files import DataFolder
from formcheck.drivers.serve.settings import ServeSettings

#: Room for the form's other fields and the multipart framing, bytes.
FORM_OVERHEAD_BYTES = 64 * 1024
#: Longest value of a text field, bytes.
MAX_FIELD_BYTES = 2048
#: Most parts a form may have.
MAX_PARTS = 16
#: The file part's field name.
CLIP_FIELD = "clip"


class UploadError(Exception):
    """An upload refused: the HTTP status, a machine code and one line for the reader."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class ReceivedUpload:
    """A complete upload: the clip's bytes in a temporary file, and the text fields.

    Attributes:
        path: The clip's bytes (in ``DIR/incoming``; the caller moves or removes it), or
            None when the form had no file.
        size: Bytes of the clip.
        sha256: Its sha256, hex.
        filename: The name the client gave it (text to show, never a path).
        fields: The text fields, decoded as UTF-8 (invalid bytes replaced).
    """

    path: Path | None = None
    size: int = 0
    sha256: str = ""
    filename: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


class _Form:
    """The parser's callbacks: one part at a time, the clip to a file, fields to memory."""

    def __init__(self, folder: DataFolder, max_bytes: int) -> None:
        self.upload = ReceivedUpload()
        self._folder = folder
        self._max_bytes = max_bytes
        self._digest = hashlib.sha256()
        self._file: Any = None
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._value = bytearray()
        self._parts = 0

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._part_begin,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_header_field": self._header_field_data,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
        }

    def _part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise UploadError(400, "bad_form", f"the form has more than {MAX_PARTS} parts")
        self._headers = {}
        self._name = ""
        self._value = bytearray()

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = b""
        self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        if self._name == CLIP_FIELD:
            if self.upload.path is not None:
                raise UploadError(400, "bad_form", "send one clip per upload")
            raw_name = options.get(b"filename", b"").decode("utf-8", "replace")
            self.upload.filename = display_name(raw_name)
            fd, name = tempfile.mkstemp(prefix=".upload-", dir=self._folder.incoming)
            self._file = os.fdopen(fd, "wb")
            self.upload.path = Path(name)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._file is not None:
            self.upload.size += len(chunk)
            if self.upload.size > self._max_bytes:
                raise UploadError(413, "too_large", too_large_message(self._max_bytes))
            self._digest.update(chunk)
            self._file.write(chunk)
        else:
            self._value += chunk
            if len(self._value) > MAX_FIELD_BYTES:
                raise UploadError(400, "bad_form",
                                  f"the field {self._name[:40]!r} is too long")

    def _part_end(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            self.upload.sha256 = self._digest.hexdigest()
        elif self._name and self._name not in self.upload.fields:
            self.upload.fields[self._name] = bytes(self._value).decode("utf-8", "replace")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def display_name(raw: str) -> str:
    """The client's file name as text to show: its last path component, no control
    characters, at most 120 characters. Never used to name a file."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:120] or "clip"


def too_large_message(max_bytes: int) -> str:
    return (f"the clip is larger than the limit of {max_bytes / 1e6:g} MB: send a shorter"
            " clip, or film at a lower resolution")


async def receive_upload(request: Request, folder: DataFolder,
                         settings: ServeSettings) -> ReceivedUpload:
    """Stream the multipart body of ``request`` into ``folder.incoming``.

    Raises:
        UploadError: 413 (over the size limit: declared, or as soon as passed), 408 (the
            client stalled or took too long), 400 (not multipart, a broken form, the
            client went away). No partial file is left.
    """
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise UploadError(400, "bad_form", "send the clip as multipart/form-data (a form with"
                          " a file field named clip)")
    max_bytes = settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and (
            int(declared) > max_bytes + FORM_OVERHEAD_BYTES):
        raise UploadError(413, "too_large", too_large_message(max_bytes))
    form = _Form(folder, max_bytes)
    parser = MultipartParser(boundary, form.callbacks())  # type: ignore[arg-type]
    received = 0
    deadline = time.monotonic() + settings.upload_total_s
    stream = request.stream().__aiter__()
    try:
        while True:
            wait_s = min(settings.upload_idle_s, deadline - time.monotonic())
            if wait_s <= 0:
                raise UploadError(408, "timeout", "the upload took too long: try again on a"
                                  " better connection, or send a shorter clip")
            try:
                chunk = await asyncio.wait_for(stream.__anext__(), timeout=wait_s)
            except StopAsyncIteration:
                break
            except TimeoutError:
                raise UploadError(408, "timeout", "the upload stalled: try again on a"
                                  " better connection") from None
            received += len(chunk)
            if received > max_bytes + FORM_OVERHEAD_BYTES:
                raise UploadError(413, "too_large", too_large_message(max_bytes))
            if chunk:
                parser.write(chunk)
        parser.finalize()
    except ClientDisconnect:
        form.close()
        form.upload.discard()
        raise UploadError(400, "aborted", "the upload was interrupted") from None
    except MultipartParseError:
        form.close()
        form.upload.discard()
        raise UploadError(400, "bad_form", "the form could not be read (broken multipart"
                          " body)") from None
    except BaseException:  # an UploadError, a parse error, a cancelled task (shutdown)
        form.close()
        form.upload.discard()
        raise
    form.close()
    if form.upload.path is not None and not form.upload.sha256:
        form.upload.discard()
        raise UploadError(400, "bad_form", "the clip's part of the form never ended: the"
                          " upload is incomplete")
    return form.upload
