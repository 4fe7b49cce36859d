"""Keeping native libraries' chatter off the user's terminal.

MediaPipe's C++ code (absl logging, which ignores GLOG_minloglevel) and PortAudio write
straight to file descriptor 2: warnings on loading a model and on its first frame, INFO
lines as it closes, ALSA complaints about absent sound cards. None of it means anything
to a user; it goes to the debug log instead.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress

logger = logging.getLogger(__name__)


@contextmanager
def native_stderr_to_debug(log: logging.Logger = logger) -> Iterator[None]:
    """Send what native code writes to file descriptor 2 meanwhile into ``log`` at debug
    level instead of the user's terminal: PortAudio's ALSA complaints about absent
    cards as it starts, MediaPipe's INFO lines as a model closes. Use while no other
    thread writes to stderr."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no file descriptor 2 (an embedded interpreter)
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            for line in sink.read().decode(errors="replace").splitlines():
                log.debug("native: %s", line)


@contextmanager
def native_stderr_silenced(*, enabled: bool = True) -> Iterator[None]:
    """For the whole run of the command line: file descriptor 2 goes nowhere, and Python's
    ``sys.stderr`` (formcheck's own messages, a bug's traceback) goes to the real stderr
    through a duplicate of it. MediaPipe's ``W0000``/``I0000`` lines, written by C++
    straight to descriptor 2 from any thread at any moment (model load, some frames,
    shutdown), then never reach the user. ``enabled=False`` (``--verbose``) changes
    nothing. Child processes inherit the silenced descriptor 2."""
    if not enabled:
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except (OSError, AttributeError, ValueError):
        yield
        return
    python_stderr = sys.stderr
    real = open(saved, "w", encoding=getattr(python_stderr, "encoding", None) or "utf-8",  # noqa: SIM115
                errors="backslashreplace", buffering=1, closefd=False)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = real
    try:
        yield
    finally:
        with suppress(OSError, ValueError):
            real.flush()
        sys.stderr = python_stderr
        os.dup2(saved, 2)
        os.close(saved)
        real.close()
