"""The live driver: a camera (or a video file played like one) through the same session as
``formcheck analyse``, drawn in a window as it happens, with sounds and keys.

It moves frames and nothing else: the grading is the session fed one pose at a time
through a :class:`~formcheck.drivers.run.ClipRun`, exactly as for a file::

    capture thread:  source.frames() -> [newest-frame slot] (a stale frame is dropped)
    main thread:     slot -> PoseEstimator (VIDEO mode) -> ClipRun.feed -> Overlay.draw
                     -> window (highgui), sounds, keys

Capture runs in its own thread and always hands over the newest frame: when the model is
slower than the camera, the frame waiting in the slot is replaced (and counted as
dropped), so the window shows the present, never a backlog. Processing stays on the main
thread because OpenCV's highgui must. A video file (``--source``) is played at its own
pace: the capture thread sleeps until each frame's timestamp; ``--fast`` hands over every
frame and waits until it was taken, so nothing is dropped and the result is exactly that
of ``formcheck analyse``.

Each processed frame's latency runs from the moment the capture thread got it (from the
camera or the decoder, after the pacing sleep) to the moment the drawn overlay was handed
to the window (``imshow`` and ``waitKey``'s repaint), or drawn when there is no window.

Keys: ``q`` (or Esc, or closing the window) quits, ``r`` starts a new set, space pauses.
"""

from formcheck.drivers.live.capture import Captured, CaptureThread, NewestFrame, Recorder
from formcheck.drivers.live.panels import LiveView, SetOver, draw_live, mirrored_state
from formcheck.drivers.live.runner import LiveResult, LiveRunner, LiveStats, run_live
from formcheck.drivers.live.settings import (
    EXIT_INTERRUPTED,
    FALLBACK_FPS,
    JOIN_TIMEOUT_S,
    POLL_S,
    RATE_WINDOW_S,
    SOURCE_ERRORS,
    Ending,
    LiveSettings,
    has_display,
)
from formcheck.drivers.live.window import Display, Window, xcb_conflict
from formcheck.drivers.run import PoseModel

__all__ = [
    "EXIT_INTERRUPTED", "FALLBACK_FPS", "JOIN_TIMEOUT_S", "POLL_S", "RATE_WINDOW_S",
    "SOURCE_ERRORS", "CaptureThread", "Captured", "Display", "Ending", "LiveResult",
    "LiveRunner", "LiveSettings", "LiveStats", "LiveView", "NewestFrame", "PoseModel",
    "Recorder", "SetOver", "Window", "draw_live", "has_display", "mirrored_state",
    "run_live", "xcb_conflict",
]
