"""Per-frame cleaning of raw landmarks: leg-swap repair, then One Euro smoothing."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from formcheck.pose.series import PoseSample
from formcheck.pose.smoothing import OneEuroFilter
from formcheck.pose.swaps import LegSwapRepair


@dataclass(frozen=True)
class CleaningSettings:
    """Tuning of the cleaner.

    Attributes:
        min_cutoff_hz: One Euro cutoff at rest, Hz.
        beta: One Euro speed coefficient, Hz per (frame heights/s) for image
            landmarks and per (m/s) for world landmarks.
        reset_gap_s: A detection gap longer than this restarts the filters, seconds.

    The filter works on the samples' true timestamps (each step's smoothing factor comes
    from the cutoff in Hz and the interval since the last sample), so its cutoffs, and
    the lag they give, are the same at any analysis rate. What the rate changes is what it
    is given: fewer samples of the same jitter, so a lower rate averages fewer of them
    over the same time, and a speed measured over longer steps.
        repair_swaps: Repair short left/right leg swaps.
        smooth: Smooth with the One Euro filter (off only for already clean input, such
            as synthetic series in tests).
    """

    min_cutoff_hz: float = 1.0
    beta: float = 5.0
    reset_gap_s: float = 0.5
    repair_swaps: bool = True
    smooth: bool = True


class PoseCleaner:
    """Cleans samples one at a time, using only the past (so it serves live mode too).

    Image landmarks are filtered in units of the frame height, so that one
    setting suits every resolution; world landmarks in metres.
    """

    def __init__(self, frame_height: int, settings: CleaningSettings | None = None) -> None:
        self.settings = settings or CleaningSettings()
        self._scale = float(frame_height)
        self._swaps = LegSwapRepair()
        self._image = self._filter()
        self._world = self._filter()
        self._last_seen_s: float | None = None

    def _filter(self) -> OneEuroFilter:
        return OneEuroFilter(self.settings.min_cutoff_hz, self.settings.beta)

    def __call__(self, sample: PoseSample) -> PoseSample:
        if not sample.detected:
            return sample
        gap_s = sample.t_s - self._last_seen_s if self._last_seen_s is not None else 0.0
        if gap_s > self.settings.reset_gap_s:
            self._image.reset()
            self._world.reset()
            self._swaps.reset()
        self._last_seen_s = sample.t_s
        if self.settings.repair_swaps:
            sample = self._swaps(sample)
        if not self.settings.smooth:
            return sample
        image = self._image(sample.t_s, sample.image_px / self._scale) * self._scale
        world = self._world(sample.t_s, sample.world_m)
        return replace(sample, image_px=image.astype(np.float32), world_m=world.astype(np.float32))
