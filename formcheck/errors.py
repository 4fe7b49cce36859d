"""The errors a user can cause, each with the exit code the CLI returns for it and a
machine-readable code for the ``--json`` error object.

Anything else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in README.md."""

    OK = 0
    BUG = 1
    USAGE = 2
    BAD_INPUT = 3
    UNGRADABLE = 4
    MODEL = 5
    INTERRUPTED = 130
    #: stdout was closed by its reader (``formcheck analyse clip | head -1``): what a
    #: program killed by SIGPIPE returns (128 + 13).
    BROKEN_PIPE = 141


class ErrorCode(StrEnum):
    """The ``error.code`` of a ``--json`` error object (a contract: never renamed)."""

    USAGE = "usage"
    MISSING = "missing"
    UNREADABLE = "unreadable"
    NOT_A_VIDEO = "not_a_video"
    TRUNCATED = "truncated"
    TOO_SHORT = "too_short"
    TIMEOUT = "timeout"
    MODEL = "model"
    INTERRUPTED = "interrupted"
    BUG = "bug"


class FormcheckError(Exception):
    """Base class: a problem the user can understand, and usually fix.

    The message is one line that says what happened and, where it can, what to do.

    Args:
        message: The line shown to the user.
        code: The machine-readable code; the class's default when None.
    """

    exit_code: ExitCode = ExitCode.BUG
    code: ErrorCode = ErrorCode.BUG

    def __init__(self, message: str, *, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class UsageError(FormcheckError):
    """A bad option or argument combination, or an output folder that does not exist."""

    exit_code = ExitCode.USAGE
    code = ErrorCode.USAGE


class InputError(FormcheckError):
    """A missing, unreadable, cut-off or empty video, or a malformed file given by the user.

    ``code`` says which (``missing``, ``unreadable``, ``not_a_video``, ``truncated``).
    """

    exit_code = ExitCode.BAD_INPUT
    code = ErrorCode.UNREADABLE


class TooShortError(FormcheckError):
    """The clip was read but is too short to hold a rep (one frame, a fraction of a
    second): it cannot be graded."""

    exit_code = ExitCode.UNGRADABLE
    code = ErrorCode.TOO_SHORT


class TimeLimitError(FormcheckError):
    """Decoding or analysing a clip took longer than its time limit, or the decoder
    stopped producing frames: the clip is abandoned."""

    exit_code = ExitCode.BAD_INPUT
    code = ErrorCode.TIMEOUT


class ModelError(FormcheckError):
    """The pose model file is missing, corrupt or cannot be loaded."""

    exit_code = ExitCode.MODEL
    code = ErrorCode.MODEL
