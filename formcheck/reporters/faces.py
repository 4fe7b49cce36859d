"""Faces blurred for publishing: where each frame's head is, recorded during the analysis
pass, and a copy of a video with those places blurred.

:class:`HeadBoxes` is a sink of the one pass over the clip: for every frame it keeps the
box around the pose's head landmarks (nose, eyes, ears, mouth) with a margin, or None
when the frame has no pose. :func:`blur_video` then writes a copy of a video of the same
frames (the annotated video) with each box blurred, and every frame without a box (or
whose time matches no recorded frame) blurred whole, so a missed pose never shows a face.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from formcheck.analysis.events import Event, FrameState
from formcheck.fileio import write_text_atomic
from formcheck.sources.frames import Frame

#: MediaPipe's head landmarks: nose, eyes (inner, centre, outer), ears, mouth.
HEAD_LANDMARKS = tuple(range(11))
#: Shoulders and hips, for the body's size.
_SHOULDERS, _HIPS = (11, 12), (23, 24)
#: The box's half-size: at least this share of the torso length, and the head landmarks'
#: own spread times :data:`MARGIN`.
MIN_HALF_TORSO = 0.45
MARGIN = 1.8


def head_box(landmarks_px: np.ndarray) -> tuple[int, int, int, int] | None:
    """``(x0, y0, x1, y1)`` pixels around the head of ``(33, 2)`` landmarks, or None
    when the head or the torso is not placed."""
    head = landmarks_px[list(HEAD_LANDMARKS)]
    head = head[np.isfinite(head).all(axis=1)]
    if len(head) < 3:
        return None
    shoulders = landmarks_px[list(_SHOULDERS)].mean(axis=0)
    hips = landmarks_px[list(_HIPS)].mean(axis=0)
    torso = float(np.linalg.norm(shoulders - hips)) if np.isfinite([*shoulders, *hips]).all() \
        else 0.0
    centre = head.mean(axis=0)
    spread = float(np.max(head.max(axis=0) - head.min(axis=0)))
    half = max(MARGIN * spread / 2, MIN_HALF_TORSO * torso, 12.0)
    x, y = float(centre[0]), float(centre[1])
    return (int(x - half), int(y - half), int(x + half + 1), int(y + half + 1))


class HeadBoxes:
    """A sink recording each shown frame's head box (see :func:`head_box`).

    Args:
        path: Where :meth:`write` puts them (JSON: ``t_s`` and ``boxes``).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.t_s: list[float] = []
        self.boxes: list[tuple[int, int, int, int] | None] = []

    def add(self, state: FrameState, events: list[Event], frame: Frame | None) -> None:
        if frame is None:
            return
        self.t_s.append(float(frame.t_s))
        self.boxes.append(head_box(state.landmarks_px) if state.detected else None)

    def write(self) -> None:
        write_text_atomic(self.path, json.dumps({"t_s": self.t_s, "boxes": self.boxes}))


def _blur(image: np.ndarray, box: tuple[int, int, int, int] | None) -> np.ndarray:
    import cv2

    height, width = image.shape[:2]
    out = image.copy()
    if box is None:
        small = cv2.resize(out, (max(1, width // 24), max(1, height // 24)),
                           interpolation=cv2.INTER_AREA)
        return np.ascontiguousarray(cv2.GaussianBlur(
            cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR), (0, 0), 3))
    x0, y0 = max(0, box[0]), max(0, box[1])
    x1, y1 = min(width, box[2]), min(height, box[3])
    if x1 <= x0 or y1 <= y0:
        return out
    region = out[y0:y1, x0:x1]
    # Pixelate then blur: nothing of a face survives, and it still reads as a head.
    small = cv2.resize(region, (max(1, (x1 - x0) // 10), max(1, (y1 - y0) // 10)),
                       interpolation=cv2.INTER_AREA)
    region = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    out[y0:y1, x0:x1] = cv2.GaussianBlur(region, (0, 0), max(2.0, (x1 - x0) / 12))
    return out


def blur_video(source: str | Path, boxes_path: str | Path, target: str | Path) -> int:
    """Write ``target``: ``source`` (a video of the frames the boxes were recorded on) with
    every face blurred. Returns the frames written.

    A frame is matched to the recorded frame nearest in time, within half a frame's
    interval; a frame with no match, or whose match had no pose, is blurred whole.
    """
    from formcheck.sources.file import VideoFile
    from formcheck.sources.writer import VideoWriter

    data = json.loads(Path(boxes_path).read_text(encoding="utf-8"))
    times = np.asarray(data["t_s"], dtype=float)
    boxes = data["boxes"]
    written = 0
    with VideoFile(source) as video:
        info = video.info
        tolerance = 0.5 / info.fps if info.fps and info.fps > 0 else 0.02
        writer: VideoWriter | None = None
        try:
            for frame in video.frames():
                box = None
                if len(times):
                    nearest = int(np.argmin(np.abs(times - frame.t_s)))
                    if abs(times[nearest] - frame.t_s) <= tolerance and boxes[nearest]:
                        box = tuple(int(v) for v in boxes[nearest])
                image = _blur(frame.image, box)  # type: ignore[arg-type]
                if writer is None:
                    height, width = image.shape[:2]
                    writer = VideoWriter(target, width - width % 2, height - height % 2,
                                         info.fps or 30.0)
                writer.write(image[: image.shape[0] - image.shape[0] % 2,
                                   : image.shape[1] - image.shape[1] % 2], frame.t_s)
                written += 1
        except BaseException:
            if writer is not None:
                writer.abort()
            raise
        if writer is not None:
            writer.close()
    return written
