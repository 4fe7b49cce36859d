"""Repair short left/right leg swaps, frame by frame.

Filmed from the side, the two legs overlap and MediaPipe sometimes hands the
left leg's landmarks to the right leg for a few frames. A real leg cannot jump
across the body between two frames, so when the labelled legs leap by a large
fraction of the torso and exchanging them explains the new positions far better,
the frame is repaired by exchanging them back. A swap that lasts longer than
``max_swap_s`` is taken to be real (the person turned round) and left alone.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from formcheck.pose.landmarks import LEG_PAIRS, Landmark
from formcheck.pose.series import PoseSample

_LEFT = np.array([pair[0] for pair in LEG_PAIRS])
_RIGHT = np.array([pair[1] for pair in LEG_PAIRS])
# The hips barely move apart in a side view; the lower leg tells the two legs apart.
_TRACKED = slice(1, None)


def swap_legs(sample: PoseSample) -> PoseSample:
    """Return ``sample`` with the left and right leg landmarks exchanged."""
    order = np.arange(sample.image_px.shape[0])
    order[_LEFT], order[_RIGHT] = _RIGHT, _LEFT
    return replace(
        sample,
        image_px=sample.image_px[order],
        world_m=sample.world_m[order],
        visibility=sample.visibility[order],
        presence=sample.presence[order],
        swapped=not sample.swapped,
    )


def _torso_px(image_px: np.ndarray) -> float:
    shoulders = image_px[[Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER], :2].mean(axis=0)
    hips = image_px[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP], :2].mean(axis=0)
    return float(np.linalg.norm(shoulders - hips))


class LegSwapRepair:
    """Causal detector and repairer of short left/right leg swaps.

    Args:
        max_jump: A leg moving more than this many torso lengths between two
            frames (mean over knee, ankle, heel and toe) counts as a jump. A distance
            between consecutive analysed frames, not a speed: a swap is a jump across the
            body whatever the rate. At a lower rate real movement covers more of it between
            frames, but it is repaired only when the exchanged legs also fit the previous
            frame ``explain_ratio`` times better, which a leg moving on its own does not.
        explain_ratio: The exchanged legs must fit the previous frame at least
            this much better (cost ratio) for the jump to count as a swap.
        max_swap_s: Longest swap repaired, seconds; a longer one is accepted as real.
    """

    def __init__(self, max_jump: float = 0.2, explain_ratio: float = 0.5,
                 max_swap_s: float = 1.0) -> None:
        self.max_jump = max_jump
        self.explain_ratio = explain_ratio
        self.max_swap_s = max_swap_s
        self._previous: PoseSample | None = None
        self._swap_started_s: float | None = None

    def reset(self) -> None:
        self._previous = None
        self._swap_started_s = None

    def __call__(self, sample: PoseSample) -> PoseSample:
        if not sample.detected:
            self.reset()
            return sample
        previous, self._previous = self._previous, sample
        if previous is None:
            return sample
        torso = _torso_px(sample.image_px)
        if not np.isfinite(torso) or torso <= 0:
            return sample
        now, before = sample.image_px[:, :2], previous.image_px[:, :2]
        left, right = _LEFT[_TRACKED], _RIGHT[_TRACKED]
        keep = (np.linalg.norm(now[left] - before[left], axis=1)
                + np.linalg.norm(now[right] - before[right], axis=1)).mean() / 2
        exchanged = (np.linalg.norm(now[left] - before[right], axis=1)
                     + np.linalg.norm(now[right] - before[left], axis=1)).mean() / 2
        # `previous` is this repairer's own output, so a swap that persists keeps
        # matching the exchanged legs frame after frame until the model swaps back.
        if keep > self.max_jump * torso and exchanged < self.explain_ratio * keep:
            if self._swap_started_s is None:
                self._swap_started_s = sample.t_s
            if sample.t_s - self._swap_started_s <= self.max_swap_s:
                repaired = swap_legs(sample)
                self._previous = repaired
                return repaired
            return sample  # too long to be a glitch: accept the model's labels
        self._swap_started_s = None
        return sample
