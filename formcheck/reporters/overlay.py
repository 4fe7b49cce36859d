"""Drawing one frame's analysis state onto the frame: the annotated video's overlay.

An :class:`Overlay` follows a session frame by frame: it is told each frame's
:class:`~formcheck.analysis.session.FrameState` and events (:meth:`Overlay.update`), which it
needs for what outlives a frame (the fault banner, the rep where the count
stopped), and draws a frame (:meth:`Overlay.draw`) without touching the input::

    overlay = Overlay()
    for frame, pose in zip(frames, poses):
        events = session.feed(pose)
        overlay.update(session.state, events)
        annotated = overlay.draw(frame.image, session.state)

It draws the skeleton with the joints the exercise's checks read highlighted, the
count of good reps with the rep and its phase (and, from the first bad rep on, where
the count stopped), one line per live readout, and a banner with the fault and its
cue after a bad rep (after a rep read past a limit by no more than the measurement's
margin, the borderline reading and its cue in the hint's colour; a setup hint in the same
place before the first rep). A readout
is red while past its limit during a rep and green within it; between reps, when
nothing is judged, readouts are grey (a trunk short of the depth limit while
standing is not a fault).

Everything is sized from the image (height, capped by width for portrait clips), and
text sits on a dark translucent box so that it reads on any background. Images are
RGB; cv2 only draws ASCII, so every text is made ASCII first.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import cv2
import numpy as np

from formcheck.analysis.events import (
    CountStopped,
    Event,
    ExerciseChanged,
    FrameState,
    Readout,
    RepGraded,
    RepStarted,
    SetupHint,
    exercise_changed_message,
)
from formcheck.analysis.grading import Borderline, Fault, applicable
from formcheck.exercises import EXERCISES, Exercise
from formcheck.pose.landmarks import SKELETON

Colour = tuple[int, int, int]  # RGB

GOOD: Colour = (90, 230, 110)
BAD: Colour = (255, 70, 70)
WARN: Colour = (255, 196, 50)
TEXT: Colour = (245, 245, 245)
MUTED: Colour = (185, 185, 185)
BONE: Colour = (235, 235, 235)
JOINT: Colour = (235, 235, 235)
KEY_JOINT: Colour = (0, 215, 255)
OUTLINE: Colour = (20, 20, 20)
PANEL: Colour = (0, 0, 0)
FAULT_PANEL: Colour = (120, 0, 0)

FONT = cv2.FONT_HERSHEY_SIMPLEX
#: Joints seen less surely than this are not drawn.
MIN_VISIBILITY = 0.3
#: Phases in which no rep is under way: readouts are previews of nothing then.
IDLE_PHASES = frozenset({"no person", "recognising", "rest"})

_LABELS: Mapping[str, str] = MappingProxyType({
    "trunk_incl_bottom_deg": "trunk lean",
    "leg_trunk_angle_deg": "free leg drop",
})
_UNIT_WORDS = frozenset({"deg", "s", "ratio", "px", "m", "pct"})
_QUALIFIERS = frozenset({"img", "world", "bottom", "top", "change", "flexion", "incl"})
_PUNCTUATION: Mapping[str, str] = MappingProxyType({
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
    "\u2014": "-", "\u2212": "-", "\u2026": "...", "\u00b0": " deg", "\u00d7": "x",
    "\u2192": "->", "\u00b7": "-", "\u2264": "<=", "\u2265": ">=",
})


def ascii_text(text: str) -> str:
    """``text`` in printable ASCII (cv2.putText draws nothing else): accents dropped,
    typographic punctuation replaced, anything else removed."""
    text = "".join(_PUNCTUATION.get(char, char) for char in text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(char if char.isprintable() else " " for char in text)


def readout_label(metric: str) -> str:
    """A short human label for a metric name: ``stance_knee_flexion_img_deg`` ->
    ``stance knee``."""
    if metric in _LABELS:
        return _LABELS[metric]
    words = metric.split("_")
    if len(words) > 1 and words[-1] in _UNIT_WORDS:
        words = words[:-1]
    kept = [word for word in words if word not in _QUALIFIERS]
    return " ".join(kept or words)


def _number(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "--"
    if unit == "deg":
        return f"{value:.0f}"
    if unit == "s":
        return f"{value:.1f}"
    if unit == "ratio":
        return f"{value:.2f}"
    return f"{value:.3g}"


def readout_text(readout: Readout) -> tuple[str, str]:
    """``(label, value)`` of one readout line: ``("stance knee", "58 / max 55 deg")``."""
    limits = sorted(readout.limits, key=lambda pair: (pair[0] != "below", pair[1]))
    bounds = ", ".join(f"{'min' if when == 'below' else 'max'} {_number(limit, readout.unit)}"
                       for when, limit in limits)
    unit = "" if readout.unit == "ratio" else f" {readout.unit}"
    value = _number(readout.value, readout.unit)
    text = f"{value} / {bounds}" if bounds else value
    return ascii_text(readout_label(readout.metric)), ascii_text(text + unit)


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels: columns ``x0 <= x < x1``, rows ``y0 <= y < y1``."""

    x0: int
    y0: int
    x1: int
    y1: int

    def crop(self, image: np.ndarray) -> np.ndarray:
        """The part of ``image`` inside the box (a view)."""
        return image[max(self.y0, 0):max(self.y1, 0), max(self.x0, 0):max(self.x1, 0)]


@dataclass(frozen=True)
class _Text:
    text: str
    x: int
    y: int  # baseline
    scale: float
    thickness: int
    colour: Colour


@dataclass(frozen=True)
class _Panel:
    name: str
    box: Box
    fill: Colour
    alpha: float
    texts: tuple[_Text, ...]


@dataclass(frozen=True)
class _Sizes:
    """Font scales, thicknesses and spacing for one image size."""

    unit: float

    @classmethod
    def for_image(cls, height: int, width: int) -> _Sizes:
        # From the height; capped by the width so a portrait clip's lines still fit.
        return cls(max(0.35, min(height / 720.0, width / 700.0)))

    def scale(self, factor: float) -> float:
        return factor * self.unit

    def thick(self, factor: float) -> int:
        return max(1, round(factor * self.unit))

    @property
    def margin(self) -> int:
        return max(4, round(12 * self.unit))

    @property
    def pad(self) -> int:
        return max(3, round(8 * self.unit))


@dataclass(frozen=True)
class _Banner:
    t_s: float
    lines: tuple[tuple[str, bool], ...]  # (text, is_headline)
    fault: bool  # a fault (dark red) rather than a setup hint


class Overlay:
    """Draws a session's frame state onto frames.

    Args:
        banner_s: How long the fault banner stays after a bad rep is graded (and a setup
            hint after it is given), seconds.
        exercises: The exercise registry the session ran with (for the joints each
            exercise's checks read).
        panel_alpha: Opacity of the dark box behind text, 0-1.
    """

    def __init__(self, *, banner_s: float = 3.0, exercises: Mapping[str, Exercise] | None = None,
                 panel_alpha: float = 0.65) -> None:
        self.banner_s = banner_s
        self.panel_alpha = panel_alpha
        self._exercises = dict(EXERCISES if exercises is None else exercises)
        self._banner: _Banner | None = None
        self._stopped_at: int | None = None
        self._key_joints: dict[tuple[str, str], frozenset[int]] = {}

    # ---------------------------------------------------------------- following

    def update(self, state: FrameState, events: Iterable[Event]) -> None:
        """Take one frame's state and the events it brought, in stream order."""
        for event in events:
            if isinstance(event, RepGraded) and event.graded.faults:
                self._banner = self._fault_banner(event.t_s, event.index, event.graded.faults)
            elif isinstance(event, RepGraded) and event.graded.borderline:
                self._banner = self._borderline_banner(event.t_s, event.index,
                                                       event.graded.borderline)
            elif (isinstance(event, RepStarted) and self._banner is not None
                  and self._banner.fault):
                self._banner = None  # a rep's banner shows until the next rep starts
            elif isinstance(event, CountStopped):
                if self._stopped_at is None:
                    self._stopped_at = event.rep_index
            elif isinstance(event, SetupHint) and not self._fault_showing(event.t_s):
                self._banner = _Banner(event.t_s, ((ascii_text(event.message), True),),
                                       fault=False)
            elif isinstance(event, ExerciseChanged):
                self._banner = _Banner(event.t_s, ((ascii_text(exercise_changed_message(
                    event, self._exercises)), True),), fault=False)
        if state.count_stopped and self._stopped_at is None:
            # Told of the stop only by the state (a driver that skipped events).
            self._stopped_at = state.good_reps + 1

    @property
    def stopped_at(self) -> int | None:
        """The rep at which the count stopped (the first bad one), or None."""
        return self._stopped_at

    def banner_text(self, t_s: float) -> tuple[str, ...]:
        """The banner's lines (before wrapping) at ``t_s`` seconds; empty when none shows."""
        banner = self._banner
        if banner is None or not banner.t_s <= t_s < banner.t_s + self.banner_s:
            return ()
        return tuple(text for text, _ in banner.lines)

    def _fault_showing(self, t_s: float) -> bool:
        banner = self._banner
        return (banner is not None and banner.fault
                and banner.t_s <= t_s < banner.t_s + self.banner_s)

    @staticmethod
    def _fault_banner(t_s: float, rep: int, faults: Sequence[Fault]) -> _Banner:
        first = faults[0]
        more = len(faults) - 1
        extra = f" (+{more} more fault{'s' if more > 1 else ''})" if more else ""
        message = ascii_text(f"Rep {rep}: {first.message}{extra}")
        cue = ascii_text(first.cue)
        return _Banner(t_s, ((message, True), (cue[:1].upper() + cue[1:], False)), fault=True)

    @staticmethod
    def _borderline_banner(t_s: float, rep: int, near: Sequence[Borderline]) -> _Banner:
        """A rep read near a limit: shown in the hint's colour, the count goes on."""
        first = near[0]
        message = ascii_text(f"Rep {rep}: {first.message}")
        cue = ascii_text(first.cue)
        return _Banner(t_s, ((message, True), (cue[:1].upper() + cue[1:], False)), fault=False)

    # ------------------------------------------------------------------ drawing

    def draw(self, image_rgb: np.ndarray, state: FrameState) -> np.ndarray:
        """A copy of ``image_rgb`` (``(H, W, 3)`` uint8 RGB) with ``state`` drawn on it."""
        if image_rgb.ndim != 3 or image_rgb.shape[2] != 3 or image_rgb.dtype != np.uint8:
            raise ValueError(f"expected an (H, W, 3) uint8 image, got {image_rgb.shape}"
                             f" {image_rgb.dtype}")
        out = np.array(image_rgb, dtype=np.uint8, order="C", copy=True)
        sizes = _Sizes.for_image(*out.shape[:2])
        self._draw_skeleton(out, state, sizes)
        for panel in self._layout(state, out.shape[0], out.shape[1], sizes):
            self._draw_panel(out, panel)
        return out

    def draw_pose(self, image_rgb: np.ndarray, state: FrameState) -> np.ndarray:
        """A copy of ``image_rgb`` with only the skeleton and the checked joints: for still
        pictures whose caption says the rest (the HTML report's key frames)."""
        out = np.array(image_rgb, dtype=np.uint8, order="C", copy=True)
        self._draw_skeleton(out, state, _Sizes.for_image(*out.shape[:2]))
        return out

    def regions(self, state: FrameState, shape: tuple[int, ...]) -> dict[str, Box]:
        """Where :meth:`draw` puts its text on an image of ``shape``, by name:
        ``counter``, ``readouts``, ``readout:<metric>`` for each readout line,
        ``banner`` while a banner shows."""
        height, width = int(shape[0]), int(shape[1])
        out: dict[str, Box] = {}
        for panel in self._layout(state, height, width, _Sizes.for_image(height, width)):
            out[panel.name] = panel.box
        return out

    def _highlighted(self, state: FrameState) -> frozenset[int]:
        name = state.exercise or state.assumed
        if name is None or state.view is None:
            return frozenset()
        key = (name, str(state.view))
        if key not in self._key_joints:
            exercise = self._exercises.get(name)
            checks = applicable(exercise.checks, state.view) if exercise is not None else ()
            self._key_joints[key] = frozenset(int(lm) for c in checks for lm in c.landmarks)
        return self._key_joints[key]

    def _draw_skeleton(self, out: np.ndarray, state: FrameState, sizes: _Sizes) -> None:
        points = np.asarray(state.landmarks_px, dtype=np.float64)
        if points.shape != (33, 2):
            return
        height, width = out.shape[:2]
        seen = (np.isfinite(points).all(axis=1)
                & (np.asarray(state.visibility, dtype=np.float64) >= MIN_VISIBILITY))
        if not seen.any():
            return
        limit = 4.0 * max(height, width)  # keeps wild points within int range
        pixels = np.clip(np.nan_to_num(points), -limit, limit).round().astype(np.int32)
        bone, edge = sizes.thick(3), sizes.thick(3) + sizes.thick(2)
        bones = [(tuple(pixels[a]), tuple(pixels[b])) for a, b in SKELETON if seen[a] and seen[b]]
        for start, end in bones:  # a dark edge first: the bones show on light backgrounds
            cv2.line(out, start, end, OUTLINE, edge, cv2.LINE_AA)
        for start, end in bones:
            cv2.line(out, start, end, BONE, bone, cv2.LINE_AA)
        key = self._highlighted(state)
        joints = {int(a) for pair in SKELETON for a in pair}
        small, big = max(2, round(4 * sizes.unit)), max(4, round(8 * sizes.unit))
        for index in sorted(joints - key):
            if seen[index]:
                centre = (int(pixels[index, 0]), int(pixels[index, 1]))
                cv2.circle(out, centre, small + 1, OUTLINE, -1, cv2.LINE_AA)
                cv2.circle(out, centre, small, JOINT, -1, cv2.LINE_AA)
        for index in sorted(key):
            if seen[index]:
                centre = (int(pixels[index, 0]), int(pixels[index, 1]))
                cv2.circle(out, centre, big + sizes.thick(2), OUTLINE, -1, cv2.LINE_AA)
                cv2.circle(out, centre, big, KEY_JOINT, -1, cv2.LINE_AA)

    @staticmethod
    def _text_size(text: str, scale: float, thickness: int) -> tuple[int, int, int]:
        (w, h), baseline = cv2.getTextSize(text, FONT, scale, thickness)
        return w, h, baseline

    def _layout(self, state: FrameState, height: int, width: int,
                sizes: _Sizes) -> list[_Panel]:
        panels: list[_Panel] = []
        margin, pad = sizes.margin, sizes.pad

        # Top left: the count, the rep and its phase, and where the count stopped.
        stopped = self._stopped_at if state.count_stopped else None
        if stopped is None and state.count_stopped:
            stopped = state.good_reps + 1  # the first bad rep follows the good ones
        rows: list[tuple[str, float, int, Colour]] = [
            (f"{state.good_reps} good", sizes.scale(1.5), sizes.thick(3.5),
             WARN if stopped is not None else GOOD)]
        phase = ascii_text(state.phase)
        rows.append((f"rep {state.rep}: {phase}" if state.rep else phase,
                     sizes.scale(0.75), sizes.thick(2), TEXT))
        if state.assumed is not None:
            exercise = self._exercises.get(state.assumed)
            title = exercise.title if exercise is not None else state.assumed
            rows.append((ascii_text(f"recognising: {title}?"), sizes.scale(0.6),
                         sizes.thick(1.5), MUTED))
        if stopped is not None:
            rows.append((f"count stopped at rep {stopped}", sizes.scale(0.75),
                         sizes.thick(2), BAD))
        counter = self._stack("counter", rows, margin, margin, pad, sizes)
        panels.append(counter)

        # Below it: one line per readout, label and value in two columns.
        if state.readouts:
            panels.extend(self._readouts(state, counter.box.y1 + margin // 2, sizes))

        # Across the bottom: the fault (or setup hint) banner.
        banner = self._banner
        if banner is not None and banner.t_s <= state.t_s < banner.t_s + self.banner_s:
            panels.append(self._banner_panel(banner, height, width, sizes))
        return panels

    def _stack(self, name: str, rows: Sequence[tuple[str, float, int, Colour]], x: int,
               y: int, pad: int, sizes: _Sizes) -> _Panel:
        texts: list[_Text] = []
        widest, cursor = 0, y + pad
        gap = max(2, round(6 * sizes.unit))
        for text, scale, thickness, colour in rows:
            w, h, baseline = self._text_size(text, scale, thickness)
            cursor += h
            texts.append(_Text(text, x + pad, cursor, scale, thickness, colour))
            cursor += baseline + gap
            widest = max(widest, w)
        box = Box(x, y, x + widest + 2 * pad, cursor - gap + pad)
        return _Panel(name, box, PANEL, self.panel_alpha, tuple(texts))

    def _readouts(self, state: FrameState, y: int, sizes: _Sizes) -> list[_Panel]:
        margin, pad = sizes.margin, sizes.pad
        scale, thickness = sizes.scale(0.65), sizes.thick(1.5)
        idle = state.phase in IDLE_PHASES
        lines = [(readout, *readout_text(readout)) for readout in state.readouts]
        label_w = max(self._text_size(label, scale, thickness)[0] for _, label, _ in lines)
        value_w = max(self._text_size(value, scale, thickness)[0] for _, _, value in lines)
        _, line_h, baseline = self._text_size("Xg", scale, thickness)
        row_h = line_h + baseline + max(2, round(4 * sizes.unit))
        column = max(6, round(14 * sizes.unit))
        x0, x1 = margin, margin + 2 * pad + label_w + column + value_w
        panels: list[_Panel] = []
        cursor = y + pad
        for readout, label, value in lines:
            if idle:
                colour = MUTED  # between reps nothing is being judged
            elif readout.beyond_limit:
                colour = BAD
            else:
                colour = GOOD
            baseline_y = cursor + line_h
            texts = (_Text(label, x0 + pad, baseline_y, scale, thickness, colour),
                     _Text(value, x0 + pad + label_w + column, baseline_y, scale, thickness,
                           colour))
            panels.append(_Panel(f"readout:{readout.metric}",
                                 Box(x0, cursor, x1, cursor + row_h), PANEL, 0.0, texts))
            cursor += row_h
        whole = _Panel("readouts", Box(x0, y, x1, cursor + pad), PANEL, self.panel_alpha, ())
        return [whole, *panels]

    def _wrap(self, text: str, scale: float, thickness: int, width: int) -> list[str]:
        lines: list[str] = []
        current = ""
        for word in text.split():
            trial = f"{current} {word}" if current else word
            if current and self._text_size(trial, scale, thickness)[0] > width:
                lines.append(current)
                current = word
            else:
                current = trial
        if current:
            lines.append(current)
        return lines

    def _banner_panel(self, banner: _Banner, height: int, width: int,
                      sizes: _Sizes) -> _Panel:
        pad = sizes.pad * 2
        inner = width - 2 * pad
        rows: list[tuple[str, float, int]] = []
        for text, headline in banner.lines:
            scale = sizes.scale(0.8 if headline else 0.7)
            thickness = sizes.thick(2 if headline else 1.5)
            rows.extend((line, scale, thickness)
                        for line in self._wrap(text, scale, thickness, inner))
        gap = max(2, round(8 * sizes.unit))
        heights = [self._text_size(line, scale, thick)[1:] for line, scale, thick in rows]
        total = sum(h + b for h, b in heights) + gap * (len(rows) - 1) + 2 * pad
        y0 = max(0, height - total)
        texts: list[_Text] = []
        cursor = y0 + pad
        for (line, scale, thick), (h, b) in zip(rows, heights, strict=True):
            cursor += h
            texts.append(_Text(line, pad, cursor, scale, thick, TEXT if banner.fault else WARN))
            cursor += b + gap
        fill = FAULT_PANEL if banner.fault else PANEL
        return _Panel("banner", Box(0, y0, width, height), fill, 0.75, tuple(texts))

    @staticmethod
    def _draw_panel(out: np.ndarray, panel: _Panel) -> None:
        if panel.alpha > 0:
            region = panel.box.crop(out)
            if region.size:
                fill = np.empty_like(region)
                fill[:] = panel.fill
                region[:] = cv2.addWeighted(region, 1.0 - panel.alpha, fill, panel.alpha, 0.0)
        for text in panel.texts:
            cv2.putText(out, text.text, (text.x, text.y), FONT, text.scale, text.colour,
                        text.thickness, cv2.LINE_AA)
