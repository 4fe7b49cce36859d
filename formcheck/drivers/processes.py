"""Worker processes: one way to start them, sharing the machine fairly.

Both kinds of worker (a batch's clip workers, a clip's chunk workers) are started here:
``spawn`` processes (a fresh interpreter: nothing of this process's threads is inherited,
and a package's ``__main__`` is not run again), each with one thread per native library
(FFmpeg's decoder, OpenCV, the numeric libraries' pools), so that N processes on N cores
do not fight over them.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.process import BaseProcess
from typing import Any

from formcheck.sources.file import DECODER_THREADS_ENV

#: Thread-count variables, read by the native libraries as they start.
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
              "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "TF_NUM_INTRAOP_THREADS",
              "TF_NUM_INTEROP_THREADS", DECODER_THREADS_ENV)


def context() -> Any:
    """The ``spawn`` multiprocessing context every worker is started from."""
    return multiprocessing.get_context("spawn")


def start(target: Callable[..., None], *args: Any, name: str) -> BaseProcess:
    """Start ``target(*args)`` in a spawned, single-threaded worker process (a daemon: it
    dies with this process)."""
    process = context().Process(target=target, args=args, daemon=True, name=name)
    with single_thread_env():
        process.start()
    return process


def limit_threads(threads: int = 1) -> None:
    """Cap this process's native thread pools: OpenCV now; the numeric libraries and
    TFLite through their variables, which take effect only when set before those
    libraries start (as :func:`start` does for a worker)."""
    import cv2

    for name in THREAD_ENV:
        os.environ.setdefault(name, str(threads))
    cv2.setNumThreads(threads)


@contextmanager
def single_thread_env() -> Iterator[None]:
    """Set :data:`THREAD_ENV` to 1 while workers are started, so that each worker has
    them before its first import (a spawned child imports the parent's main module, which
    loads numpy and OpenCV before any worker code runs); then put them back."""
    saved = {name: os.environ.get(name) for name in THREAD_ENV}
    os.environ.update({name: "1" for name in THREAD_ENV})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
