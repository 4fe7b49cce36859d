"""The entry point of the `formcheck` script and of `python -m formcheck`.

Ctrl-C while the command line loads (about a second of imports: rich, typer, numpy,
OpenCV, PyAV...) leaves at once with one line; then the command runs with the process's
plumbing (:mod:`formcheck.console`). Only the standard library is imported before the
guard is in place.
"""

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress

#: The one JSON object ``--json`` promises, for a Ctrl-C before anything else could run.
_INTERRUPTED_JSON = (b'{"schema": "formcheck.report/1", "status": "error", "error": {"code":'
                     b' "interrupted", "message": "interrupted (Ctrl-C)"}}\n')
_EXIT_INTERRUPTED = 130  # formcheck.errors.ExitCode.INTERRUPTED, not imported yet


def _interrupted_while_starting(signum: int, frame: object) -> None:
    """Ctrl-C while the imports run: leave at once, one line, no traceback (and the error
    object under --json)."""
    if "--json" in sys.argv[1:]:
        os.write(1, _INTERRUPTED_JSON)
    os.write(2, b"formcheck: interrupted\n")
    os._exit(_EXIT_INTERRUPTED)


@contextmanager
def guarded_startup() -> Iterator[None]:
    """While the block runs (the command line's imports), Ctrl-C leaves at once with one
    line; afterwards Python's own handler is back. Nothing is installed where signals
    cannot be set (not the main thread) or where SIGINT is ignored or handled by an
    embedding program."""
    previous = None
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        with suppress(ValueError):
            previous = signal.signal(signal.SIGINT, _interrupted_while_starting)
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def main() -> None:
    """Run the command line on ``sys.argv`` and exit with its code."""
    with guarded_startup():
        from formcheck import console
        from formcheck.cli import run  # the slow imports: typer, numpy, OpenCV, PyAV...
    console.leave(console.exit_code_of(run, sys.argv[1:]))


if __name__ == "__main__":
    main()
