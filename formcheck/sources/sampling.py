"""The analysis rate's time grid: which decoded frames the pose model is given.

A frame is analysed when a grid point (every ``1 / fps`` seconds from time 0) falls after
the previous decoded frame and at or before this one. The choice depends only on a
frame's time and the previous frame's, so a chunk decoded from any earlier point picks
exactly the frames the whole clip would, and a variable-frame-rate clip keeps its true
timestamps.
"""

from __future__ import annotations

import math

#: Below this fraction of the source's rate, frames are skipped; above it every frame is
#: analysed (a 30 fps clip asked for 29 gains nothing, and millisecond timestamps would
#: otherwise drop a frame now and then).
_SKIP_BELOW = 0.9
#: Tolerance on grid points, in grid periods: timestamps exact to 1e-6 of a period.
_GRID_EPS = 1e-6


def grid_index(t_s: float, fps: float) -> int:
    """The last grid point at or before ``t_s`` (grid points every ``1/fps`` s from 0)."""
    return math.floor(t_s * fps + _GRID_EPS)


def on_grid(previous_t_s: float | None, t_s: float, fps: float | None) -> bool:
    """Whether the frame at ``t_s``, decoded after one at ``previous_t_s``, is analysed
    at ``fps`` frames a second (None: every frame; the first frame always is)."""
    if fps is None or previous_t_s is None:
        return True
    return grid_index(t_s, fps) > grid_index(previous_t_s, fps)


class FrameSelector:
    """Picks the frames to analyse, in decoding order, and counts every frame decoded.

    Args:
        fps: The analysis rate (None: every frame).

    Attributes:
        decoded: Frames seen so far, analysed or not.
        first_t_s: Time of the first frame seen, seconds (None before any).
        last_t_s: Time of the last frame seen, seconds.
    """

    def __init__(self, fps: float | None) -> None:
        self.fps = fps
        self.decoded = 0
        self.first_t_s: float | None = None
        self.last_t_s: float | None = None

    def __call__(self, t_s: float) -> bool:
        """Count the frame at ``t_s``; True when it is to be analysed."""
        keep = on_grid(self.last_t_s, t_s, self.fps)
        self.decoded += 1
        if self.first_t_s is None:
            self.first_t_s = t_s
        self.last_t_s = t_s
        return keep
