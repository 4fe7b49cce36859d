"""The pictures of the HTML report, kept from the one pass over the clip.

A rep's key frame (where its first fault was measured, else its peak: the bottom of a
deadlift, the top of a bridge) is known only once the rep is graded, which can be up to a
minute after it (recognition waits for evidence), so :class:`KeyFrames` keeps small JPEG
copies of the recent analysed frames and, when a rep is graded, keeps its key frame for
good. It also keeps one frame every ``every_s`` for the whole clip, for a clip that could
not be graded ("what the pose model saw"). No reporter opens the source a second time.

Memory stays bounded: the recent frames cover ``keep_s`` (the session's own history), at
about 25 KB a 480-pixel JPEG.
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np

from formcheck.analysis.events import Event, FrameState, RepGraded
from formcheck.analysis.grading import GradedRep
from formcheck.sources.frames import Frame

#: Width of the pictures, pixels (a phone's screen; larger frames are scaled down).
THUMB_WIDTH_PX = 480
#: JPEG quality of the kept copies (they are drawn on and encoded again for the page).
_KEEP_QUALITY = 92
#: Phases in which no rep is under way (see FrameState.phase).
_NOT_IN_A_REP = frozenset({"rest", "no person"})


def key_time(graded: GradedRep) -> float:
    """The frame that shows a rep best: where its first fault was measured, else its peak
    (the bottom of a deadlift, the top of a bridge)."""
    return graded.faults[0].at_s if graded.faults else graded.rep.peak_s


@dataclass(frozen=True)
class Thumbnail:
    """A kept frame.

    Attributes:
        t_s: Its time, seconds.
        jpeg: The picture, JPEG bytes, ``THUMB_WIDTH_PX`` wide at most.
        scale: Its size over the frame's: landmarks in the frame's pixels times this are
            in the picture's.
    """

    t_s: float
    jpeg: bytes
    scale: float

    def image(self) -> np.ndarray:
        """``(H, W, 3)`` uint8 RGB."""
        decoded = cv2.imdecode(np.frombuffer(self.jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
        if decoded is None:
            raise ValueError("a kept key frame does not decode")
        return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)


@dataclass
class KeyFrames:
    """A sink (see :class:`formcheck.drivers.run.FrameSink`) that keeps the report's pictures.

    Args:
        keep_s: How far back a key frame may lie behind the moment its rep is graded,
            seconds (the session keeps 60 s of frames while it decides).
        every_s: Spacing of the frames kept for the whole clip, seconds.
    """

    keep_s: float = 75.0
    every_s: float = 0.5
    _recent: deque[Thumbnail] = field(default_factory=deque)
    _sparse: list[Thumbnail] = field(default_factory=list)
    _chosen: dict[float, Thumbnail] = field(default_factory=dict)

    def add(self, state: FrameState, events: list[Event], frame: Frame | None) -> None:
        if frame is not None and frame.analysed:
            sparse_due = not self._sparse or frame.t_s - self._sparse[-1].t_s >= self.every_s
            # Once the exercise is known, a frame at rest is no rep's key frame (the
            # nearest frame of the rep stands in for its last one): not encoded.
            candidate = state.exercise is None or state.phase not in _NOT_IN_A_REP
            if candidate or sparse_due:
                thumb = _thumbnail(frame)
                if candidate:
                    self._recent.append(thumb)
                    while self._recent and thumb.t_s - self._recent[0].t_s > self.keep_s:
                        self._recent.popleft()
                if sparse_due:
                    self._sparse.append(thumb)
        for event in events:
            if isinstance(event, RepGraded):
                wanted = key_time(event.graded)
                found = _nearest(list(self._recent), wanted)
                if found is not None:
                    self._chosen[wanted] = found

    def at(self, t_s: float) -> Thumbnail | None:
        """The kept frame for a rep's key time, else the nearest of the frames kept for
        the whole clip (None when nothing was kept)."""
        if t_s in self._chosen:
            return self._chosen[t_s]
        return _nearest(self._sparse, t_s)


def _thumbnail(frame: Frame) -> Thumbnail:
    height, width = frame.image.shape[:2]
    image = frame.image
    if width > THUMB_WIDTH_PX:
        size = (THUMB_WIDTH_PX, max(2, round(height * THUMB_WIDTH_PX / width)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    # Landmarks are in the pixels of the full upright frame, which may be larger than the
    # decoded one (a frame scaled down for the model).
    full_width = frame.source_size[0] if frame.source_size is not None else width
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                               [cv2.IMWRITE_JPEG_QUALITY, _KEEP_QUALITY])
    if not ok:
        raise ValueError("could not encode a key frame")
    return Thumbnail(frame.t_s, encoded.tobytes(), image.shape[1] / full_width)


def _nearest(thumbs: list[Thumbnail], t_s: float) -> Thumbnail | None:
    if not thumbs:
        return None
    times = [t.t_s for t in thumbs]
    i = bisect.bisect_left(times, t_s)
    candidates = [thumbs[j] for j in (i - 1, i) if 0 <= j < len(thumbs)]
    return min(candidates, key=lambda thumb: abs(thumb.t_s - t_s))
