"""What the live window adds to the annotated video's overlay: the big set counter, the
processing rate and latency, the key help, and "set over"; mirroring for a camera."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from formcheck.analysis.events import FrameState
from formcheck.reporters.overlay import (
    FAULT_PANEL,
    FONT,
    GOOD,
    MUTED,
    PANEL,
    TEXT,
    WARN,
    Box,
    Colour,
    ascii_text,
)

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------- the driver


@dataclass(frozen=True)
class SetOver:
    good: int
    rep: int | None


@dataclass(frozen=True)
class LiveView:
    """What the live panels show on top of the overlay (all display, no grading).

    Attributes:
        good: Good reps counted in the current set.
        set_index: The current set, 1-based.
        set_over: Good reps when the current set had its first bad rep, or None.
        rest_s: Seconds since the last rep ended while resting, or None.
        next_set: The rest is longer than the set break: the next rep opens a new set.
        paused: The user paused.
        fps: Frames processed per second over the last second.
        latency_ms: Median capture-to-overlay latency over the last second, ms.
        dropped: Frames dropped so far.
        keys: Show the key help (a window is open).
    """

    good: int
    set_index: int
    set_over: int | None = None
    rest_s: float | None = None
    next_set: bool = False
    paused: bool = False
    fps: float = 0.0
    latency_ms: float = math.nan
    dropped: int = 0
    keys: bool = False


def mirrored_state(state: FrameState, width: int) -> FrameState:
    """``state`` with its landmarks mirrored left-right, for an image shown mirrored."""
    points = np.array(state.landmarks_px, dtype=np.float64, copy=True)
    points[:, 0] = width - points[:, 0]
    return replace(state, landmarks_px=points)


# -------------------------------------------------------------------- live panels


def _scale_unit(height: int, width: int) -> float:
    # As the overlay sizes its text: from the height, capped by the width.
    return max(0.35, min(height / 720.0, width / 700.0))


def _box_size(lines: list[tuple[str, float, int, Colour]], pad: int) -> tuple[int, int]:
    """Width and height of the box :func:`_boxed_lines` draws for ``lines``, pixels."""
    sizes = [cv2.getTextSize(text, FONT, scale, thick) for text, scale, thick, _ in lines]
    gap = max(2, pad // 2)
    width = max(w for (w, _), _ in sizes) + 2 * pad
    height = sum(h + b for (_, h), b in sizes) + gap * (len(lines) - 1) + 2 * pad
    return width, height


def body_box(state: FrameState, shape: tuple[int, ...], margin: int = 0) -> Box | None:
    """The bounding box of the seen landmarks (with ``margin``), clipped to the image; None
    without a person."""
    points = np.asarray(state.landmarks_px, dtype=np.float64)
    seen = np.isfinite(points).all(axis=1) & (np.asarray(state.visibility) >= 0.3)
    if not seen.any():
        return None
    height, width = int(shape[0]), int(shape[1])
    x0, y0 = np.floor(points[seen].min(axis=0)).astype(int) - margin
    x1, y1 = np.ceil(points[seen].max(axis=0)).astype(int) + margin
    return Box(max(0, int(x0)), max(0, int(y0)), min(width, int(x1)), min(height, int(y1)))


def _overlap(a: Box, b: Box) -> int:
    return max(0, min(a.x1, b.x1) - max(a.x0, b.x0)) * max(0, min(a.y1, b.y1) - max(a.y0, b.y0))


def _boxed_lines(out: np.ndarray, lines: list[tuple[str, float, int, Colour]], *,
                 right: int | None = None, centre: int | None = None, top: int | None = None,
                 bottom: int | None = None, fill: Colour = PANEL, alpha: float = 0.65,
                 pad: int = 8) -> Box:
    """Draw ``(text, scale, thickness, colour)`` lines on a translucent box anchored by
    its right edge or centre, and its top or bottom; returns the box."""
    sizes = [cv2.getTextSize(text, FONT, scale, thick) for text, scale, thick, _ in lines]
    gap = max(2, pad // 2)
    width, height = _box_size(lines, pad)
    x0 = (right - width) if right is not None else (centre or 0) - width // 2
    y0 = top if top is not None else (bottom or 0) - height
    x0, y0 = max(0, x0), max(0, y0)
    box = Box(x0, y0, x0 + width, y0 + height)
    region = box.crop(out)
    if region.size:
        tint = np.empty_like(region)
        tint[:] = fill
        region[:] = cv2.addWeighted(region, 1.0 - alpha, tint, alpha, 0.0)
    cursor = y0 + pad
    for (text, scale, thick, colour), ((w, h), b) in zip(lines, sizes, strict=True):
        cursor += h
        x = x0 + (width - w) // 2 if centre is not None else x0 + width - pad - w
        cv2.putText(out, text, (x, cursor), FONT, scale, colour, thick, cv2.LINE_AA)
        cursor += b + gap
    return box


def draw_live(out: np.ndarray, view: LiveView, *, above: Box | None = None,
              body: Box | None = None) -> None:
    """Draw the live panels onto ``out`` (``(H, W, 3)`` uint8 RGB, in place): the large
    count of the set's good reps with the set, the rest and the processing rate (top
    right), "set over" where it covers the least of the person (above the banner, at the
    top, or to either side), and "paused" in the middle.

    Args:
        out: The drawn frame.
        view: What to show.
        above: The overlay's banner, which the "set over" panel sits above.
        body: The person's bounding box (:func:`body_box`), which the "set over" panel
            keeps off where it can.
    """
    height, width = out.shape[:2]
    unit = _scale_unit(height, width)
    pad, margin = max(3, round(8 * unit)), max(4, round(12 * unit))
    thick = max(1, round(1.5 * unit))
    small = 0.55 * unit
    lines: list[tuple[str, float, int, Colour]] = [
        (str(view.good), 3.2 * unit, max(2, round(7 * unit)),
         WARN if view.set_over is not None else GOOD),
        (f"good rep{'s' if view.good != 1 else ''}, set {view.set_index}", 0.7 * unit,
         max(1, round(2 * unit)), TEXT),
    ]
    if view.rest_s is not None:
        rest = f"rest {int(view.rest_s) // 60}:{int(view.rest_s) % 60:02d}"
        if view.next_set:
            rest += f": next rep opens set {view.set_index + 1}"
        lines.append((rest, small, thick, MUTED))
    rate = f"{view.fps:.0f} fps" if view.fps > 0 else "-- fps"
    latency = f"{view.latency_ms:.0f} ms" if math.isfinite(view.latency_ms) else "-- ms"
    lines.append((f"{rate}, {latency}, {view.dropped} dropped", small, thick, MUTED))
    if view.keys:
        lines.append(("q quit, r new set, space pause", small, thick, MUTED))
    _boxed_lines(out, lines, right=width - margin, top=margin, pad=pad)

    if view.set_over is not None:
        reps = f"{view.set_over} good rep{'s' if view.set_over != 1 else ''}"
        over: list[tuple[str, float, int, Colour]] = [
            (ascii_text(f"set over: {reps}"), 1.1 * unit, max(2, round(3 * unit)), TEXT)]
        if view.keys:
            over.append(("rest, then go again (r starts a new set now)", small, thick, TEXT))
        bottom = (above.y0 if above is not None else height) - margin
        box_w, box_h = _box_size(over, pad)
        # Candidate places, in order of preference: (centre x, top y).
        places = [(width // 2, bottom - box_h), (width // 2, margin),
                  (margin + box_w // 2, (height - box_h) // 2),
                  (width - margin - box_w // 2, (height - box_h) // 2)]

        def covered(place: tuple[int, int]) -> int:
            x, y = place
            box = Box(max(0, x - box_w // 2), max(0, y), max(0, x - box_w // 2) + box_w,
                      max(0, y) + box_h)
            return _overlap(box, body) if body is not None else 0

        x, y = min(places, key=covered)  # the first of the least covered
        _boxed_lines(out, over, centre=x, top=max(0, y), fill=FAULT_PANEL, alpha=0.8,
                     pad=pad)
    if view.paused:
        _boxed_lines(out, [("paused", 1.4 * unit, max(2, round(3 * unit)), WARN),
                           ("space to go on", small, thick, TEXT)],
                     centre=width // 2, top=height // 2 - round(40 * unit), pad=pad)
