"""The errors a user can cause, each with the exit code the CLI returns for it.

Anything else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in README.md."""

    OK = 0
    BUG = 1
    USAGE = 2
    BAD_INPUT = 3
    UNGRADABLE = 4
    MODEL = 5


class FormcheckError(Exception):
    """Base class: a problem the user can understand, and usually fix.

    The message is one line that says what happened and, where it can, what to do.
    """

    exit_code: ExitCode = ExitCode.BUG


class UsageError(FormcheckError):
    """A bad option or argument combination."""

    exit_code = ExitCode.USAGE


class InputError(FormcheckError):
    """A missing, unreadable or empty video, or a malformed file given by the user."""

    exit_code = ExitCode.BAD_INPUT


class ModelError(FormcheckError):
    """The pose model file is missing, corrupt or cannot be loaded."""

    exit_code = ExitCode.MODEL
