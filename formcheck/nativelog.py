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
from contextlib import contextmanager

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
