"""Causal landmark smoothing with the One Euro filter.

MediaPipe's Tasks API dropped the old ``smooth_landmarks`` option, and its raw
landmarks jitter by several pixels from frame to frame. The One Euro filter
(Casiez, Roussel and Vogel, "1 Euro Filter: A Simple Speed-based Low-pass Filter
for Noisy Input in Interactive Systems", CHI 2012) is a low-pass filter whose
cutoff rises with speed: slow movement is smoothed hard (little jitter), fast
movement gets a high cutoff (little lag). It needs only the past, so files and
live camera frames go through the same code.
"""

from __future__ import annotations

import math

import numpy as np


def _alpha(cutoff_hz: np.ndarray | float, dt_s: float) -> np.ndarray | float:
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz))
    return 1.0 / (1.0 + tau / dt_s)


class OneEuroFilter:
    """One Euro filter over an array of values, updated one timestamp at a time.

    Args:
        min_cutoff_hz: Cutoff at rest, Hz. Lower means less jitter, more lag.
        beta: How fast the cutoff rises with speed, Hz per (unit/s) of the input.
        d_cutoff_hz: Cutoff of the speed estimate, Hz.
    """

    def __init__(self, min_cutoff_hz: float = 1.0, beta: float = 5.0,
                 d_cutoff_hz: float = 1.0) -> None:
        if min_cutoff_hz <= 0 or d_cutoff_hz <= 0 or beta < 0:
            raise ValueError("cutoffs must be positive and beta non-negative")
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.d_cutoff_hz = d_cutoff_hz
        self._t_s: float | None = None
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None

    def reset(self) -> None:
        """Forget the past (after a gap in detection)."""
        self._t_s = None
        self._x = None
        self._dx = None

    def __call__(self, t_s: float, x: np.ndarray) -> np.ndarray:
        """Filter the values ``x`` observed at time ``t_s`` (seconds); returns a new array."""
        x = np.asarray(x, dtype=np.float64)
        if self._x is None or self._t_s is None or self._dx is None:
            self._t_s, self._x, self._dx = t_s, x.copy(), np.zeros_like(x)
            return x.copy()
        dt_s = t_s - self._t_s
        if dt_s <= 0:  # a repeated timestamp: nothing new to integrate
            return self._x.copy()
        dx = (x - self._x) / dt_s
        self._dx = self._dx + _alpha(self.d_cutoff_hz, dt_s) * (dx - self._dx)
        cutoff = self.min_cutoff_hz + self.beta * np.abs(self._dx)
        self._x = self._x + _alpha(cutoff, dt_s) * (x - self._x)
        self._t_s = t_s
        return self._x.copy()
