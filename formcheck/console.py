"""The command line's plumbing: signals, exit codes, a closed stdout, one-line errors.

Nothing here knows the commands (:mod:`formcheck.cli`) or typer. The entry point
(:func:`formcheck.__main__.main`) guards Ctrl-C while the slow imports run (this module's
among them), then runs the command line through :func:`exit_code_of`; each
command is wrapped by :func:`error_reporter`, which turns what a user can cause into one
line on stderr and a documented exit code. Importing this module installs nothing.
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import sys
from collections.abc import Callable
from contextlib import suppress
from typing import Any, TypeVar

from rich.console import Console
from rich.markup import escape

from formcheck.errors import ErrorCode, ExitCode, FormcheckError
from formcheck.nativelog import native_stderr_silenced

F = TypeVar("F", bound=Callable[..., Any])

#: Where messages go (results go to stdout, through :func:`stdout_console`).
stderr = Console(stderr=True)

def say_error(message: str) -> None:
    """One line on stderr (the message is escaped: it may quote file names)."""
    stderr.print(f"[bold red]formcheck:[/] {escape(' '.join(message.split()))}",
                 highlight=False, soft_wrap=True)


def print_error_json(code: str, message: str) -> None:
    """The error object of ``--json`` on stdout (the report schema's ``error``)."""
    from formcheck.analysis.report import error_dict
    from formcheck.reporters.json import print_json

    try:
        print_json(error_dict(code, " ".join(message.split())), sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:  # nobody reads it: the exit code still says what happened
        quiet_broken_pipe()


def quiet_broken_pipe() -> None:
    """stdout's reader went away: send the rest of stdout nowhere, so that flushing it at
    exit raises nothing more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def error_reporter(exit_with: Callable[[int], BaseException],
                   passthrough: tuple[type[BaseException], ...]) -> Callable[[F], F]:
    """A decorator for commands: a :class:`FormcheckError` becomes one line on stderr and
    its exit code, Ctrl-C one line and 130, a closed stdout a quiet 141; with ``--json``
    (a command's ``as_json``) the error object is printed on stdout too, so that stdout
    always holds exactly one JSON object.

    Args:
        exit_with: Makes the front end's exception that exits with a code (typer's
            ``Exit``).
        passthrough: Exceptions that carry the front end's own exit (typer's ``Exit``,
            click's errors): raised on untouched.
    """

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            as_json = bool(kwargs.get("as_json", False))
            try:
                return command(*args, **kwargs)
            except passthrough:
                raise
            except FormcheckError as exc:
                if as_json:
                    print_error_json(exc.code.value, str(exc))
                say_error(str(exc))
                raise exit_with(int(exc.exit_code)) from None
            except KeyboardInterrupt:
                with suppress(ValueError):  # a second Ctrl-C changes nothing
                    signal.signal(signal.SIGINT, signal.SIG_IGN)
                if as_json:
                    print_error_json(ErrorCode.INTERRUPTED.value, "interrupted (Ctrl-C)")
                say_error("interrupted")
                raise exit_with(int(ExitCode.INTERRUPTED)) from None
            except BrokenPipeError:
                quiet_broken_pipe()
                raise exit_with(int(ExitCode.BROKEN_PIPE)) from None
            except Exception as exc:
                if as_json:  # a bug: the traceback follows on stderr
                    print_error_json(ErrorCode.BUG.value, f"a bug in formcheck:"
                                     f" {type(exc).__name__}: {exc}; please report it")
                if isinstance(exc, EOFError):  # click would take it for an aborted prompt
                    raise RuntimeError("an EOFError escaped (see above)") from exc
                raise

        return wrapper  # type: ignore[return-value]

    return decorate


class ResultConsole(Console):
    """rich's console for results, except that a closed stdout raises
    :class:`BrokenPipeError` (a quiet 141) where rich would exit with 1, the code of a
    bug."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


def stdout_console() -> Console:
    """The console for results: the terminal's width, or wide when piped to a file."""
    console = ResultConsole()
    return console if console.is_terminal else ResultConsole(width=160)


def exit_code_of(run: Callable[[list[str]], int], args: list[str]) -> int:
    """Run the command line (``run(args)`` gives its exit code) with the process's plumbing:
    native libraries' log lines kept off the terminal unless ``--verbose``, a closed stdout
    a quiet exit (141), Ctrl-C at any moment 130 without a traceback."""
    try:
        verbose = "--verbose" in args
        if not verbose:
            logging.getLogger().addHandler(logging.NullHandler())  # no "lastResort" lines
            sys.unraisablehook = _unraisable_to_debug
        with native_stderr_silenced(enabled=not verbose):
            code = run(args)
            try:
                sys.stdout.flush()
            except BrokenPipeError:
                quiet_broken_pipe()
                code = int(ExitCode.BROKEN_PIPE)
    except KeyboardInterrupt:
        with suppress(ValueError):
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        say_error("interrupted")
        code = int(ExitCode.INTERRUPTED)
    with suppress(ValueError):  # the work is done and said: a late Ctrl-C changes nothing
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    return code


def leave(code: int) -> None:
    """Exit with ``code``. After an interrupt, at once: finalising the interpreter then is
    where native objects' ``__del__`` print "Exception ignored in ..." tracebacks."""
    if code == ExitCode.INTERRUPTED:
        for stream in (sys.stdout, sys.stderr):
            with suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
    sys.exit(code)


def _unraisable_to_debug(unraisable: Any) -> None:
    """An exception in a finaliser (``__del__``) while shutting down is not the user's
    business: the debug log gets it (``--verbose`` shows it)."""
    logging.getLogger(__name__).debug("ignored in %r: %r", unraisable.object,
                                      unraisable.exc_value)
