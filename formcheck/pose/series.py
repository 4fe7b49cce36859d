"""Typed containers for pose landmarks over time.

A :class:`PoseSample` is one frame's landmarks, as the estimator and the live
pipeline pass them along; a :class:`PoseSeries` stacks samples into arrays for a
whole clip; a :class:`PoseRecording` keeps a clip's raw and cleaned series with
the video's description.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.errors import ErrorCode, InputError
from formcheck.fileio import atomic_path, write_text_atomic
from formcheck.pose.landmarks import NAMES, NUM_LANDMARKS
from formcheck.sources.frames import VideoInfo

SCHEMA = "formcheck.poses/1"


def _check_shape(name: str, array: np.ndarray, expected: tuple[int | None, ...]) -> None:
    ok = array.ndim == len(expected) and all(
        want is None or got == want for got, want in zip(array.shape, expected, strict=True)
    )
    if not ok:
        shown = ", ".join("T" if want is None else str(want) for want in expected)
        raise ValueError(f"{name}: expected ({shown}), got {tuple(array.shape)}")


@dataclass(frozen=True)
class PoseSample:
    """One frame's pose.

    Attributes:
        t_s: Presentation time, seconds.
        image_px: ``(33, 3)`` x, y in pixels of the upright frame; z is MediaPipe's
            relative depth scaled like x (pixels), smaller is nearer the camera.
        world_m: ``(33, 3)`` metres, origin between the hips, y pointing down.
        visibility: ``(33,)`` 0-1, likelihood the landmark is visible (not occluded).
        presence: ``(33,)`` 0-1, likelihood the landmark is in the frame.
        detected: False when no person was found; the arrays are then NaN.
        swapped: True when the left/right legs were exchanged to repair a model swap.
    """

    t_s: float
    image_px: np.ndarray
    world_m: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    detected: bool
    swapped: bool = False

    def __post_init__(self) -> None:
        _check_shape("image_px", self.image_px, (NUM_LANDMARKS, 3))
        _check_shape("world_m", self.world_m, (NUM_LANDMARKS, 3))
        _check_shape("visibility", self.visibility, (NUM_LANDMARKS,))
        _check_shape("presence", self.presence, (NUM_LANDMARKS,))

    @classmethod
    def missing(cls, t_s: float) -> PoseSample:
        """A frame in which no person was found."""
        nan3 = np.full((NUM_LANDMARKS, 3), np.nan, dtype=np.float32)
        zeros = np.zeros(NUM_LANDMARKS, dtype=np.float32)
        return cls(t_s, nan3, nan3.copy(), zeros, zeros.copy(), detected=False)


@dataclass(frozen=True)
class PoseSeries:
    """Landmarks of one person over a clip.

    Attributes:
        t_s: ``(T,)`` float64 presentation times, seconds, strictly as decoded.
        image_px: ``(T, 33, 3)`` float32, pixels (see :class:`PoseSample`).
        world_m: ``(T, 33, 3)`` float32, metres, hip-centred, y down.
        visibility: ``(T, 33)`` float32, 0-1.
        presence: ``(T, 33)`` float32, 0-1.
        detected: ``(T,)`` bool, a person was found.
        swapped: ``(T,)`` bool, left/right legs exchanged by the swap repair.
        width: Frame width, pixels.
        height: Frame height, pixels.
    """

    t_s: np.ndarray
    image_px: np.ndarray
    world_m: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    detected: np.ndarray
    swapped: np.ndarray
    width: int
    height: int

    def __post_init__(self) -> None:
        n = self.t_s.shape[0] if self.t_s.ndim == 1 else -1
        _check_shape("t_s", self.t_s, (None,))
        _check_shape("image_px", self.image_px, (n, NUM_LANDMARKS, 3))
        _check_shape("world_m", self.world_m, (n, NUM_LANDMARKS, 3))
        _check_shape("visibility", self.visibility, (n, NUM_LANDMARKS))
        _check_shape("presence", self.presence, (n, NUM_LANDMARKS))
        _check_shape("detected", self.detected, (n,))
        _check_shape("swapped", self.swapped, (n,))
        if n > 1 and np.any(np.diff(self.t_s) < 0):
            raise ValueError("t_s: timestamps must not decrease")

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @property
    def detection_rate(self) -> float:
        """Fraction of frames in which a person was found (0 for an empty series)."""
        return float(self.detected.mean()) if len(self) else 0.0

    @property
    def fps(self) -> float:
        """Average frame rate from the timestamps (frames per second)."""
        if len(self) < 2 or self.t_s[-1] <= self.t_s[0]:
            return 0.0
        return (len(self) - 1) / float(self.t_s[-1] - self.t_s[0])

    def sample(self, i: int) -> PoseSample:
        """The ``i``-th frame as a :class:`PoseSample`."""
        return PoseSample(
            float(self.t_s[i]),
            self.image_px[i],
            self.world_m[i],
            self.visibility[i],
            self.presence[i],
            bool(self.detected[i]),
            bool(self.swapped[i]),
        )

    @classmethod
    def from_samples(cls, samples: Iterable[PoseSample], width: int, height: int) -> PoseSeries:
        """Stack samples (in time order) into a series."""
        items = list(samples)

        def stack(attr: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
            if not items:
                return np.zeros((0, *shape), dtype=dtype)
            return np.stack([np.asarray(getattr(s, attr), dtype=dtype) for s in items])

        return cls(
            t_s=np.array([s.t_s for s in items], dtype=np.float64),
            image_px=stack("image_px", (NUM_LANDMARKS, 3), np.float32),
            world_m=stack("world_m", (NUM_LANDMARKS, 3), np.float32),
            visibility=stack("visibility", (NUM_LANDMARKS,), np.float32),
            presence=stack("presence", (NUM_LANDMARKS,), np.float32),
            detected=np.array([s.detected for s in items], dtype=bool),
            swapped=np.array([s.swapped for s in items], dtype=bool),
            width=width,
            height=height,
        )

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "t_s": self.t_s,
            "image_px": self.image_px,
            "world_m": self.world_m,
            "visibility": self.visibility,
            "presence": self.presence,
            "detected": self.detected,
            "swapped": self.swapped,
        }


@dataclass(frozen=True)
class PoseRecording:
    """A clip's pose series, raw from the model and cleaned (swaps repaired, smoothed).

    Attributes:
        video: The source's description.
        raw: Landmarks exactly as the model gave them.
        clean: Landmarks after left/right swap repair and One Euro smoothing; the
            series the rest of formcheck reads.
        model: Name of the pose model file used.
    """

    video: VideoInfo
    raw: PoseSeries
    clean: PoseSeries
    model: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def raw_samples(self) -> Iterator[PoseSample]:
        """The raw poses, as the model gave them, one at a time (to grade the recording
        again: the session cleans them exactly as it did the first time)."""
        for i in range(len(self.raw)):
            yield self.raw.sample(i)

    def save_npz(self, path: str | Path) -> None:
        """Write both series and the video description to a compressed ``.npz``."""
        arrays: dict[str, Any] = {f"raw_{k}": v for k, v in self.raw.arrays().items()}
        arrays.update(self.clean.arrays())
        header = {"schema": SCHEMA, "video": asdict(self.video), "model": self.model,
                  "landmarks": list(NAMES), "meta": self.meta}
        arrays["header"] = np.array(json.dumps(header))
        with atomic_path(path) as tmp, tmp.open("wb") as fh:
            np.savez_compressed(fh, **arrays)

    @classmethod
    def load_npz(cls, path: str | Path) -> PoseRecording:
        """Read a file written by :meth:`save_npz`."""
        try:
            with np.load(path, allow_pickle=False) as data:
                header = json.loads(str(data["header"]))
                if header.get("schema") != SCHEMA:
                    raise InputError(f"{path}: not a formcheck pose file ({header.get('schema')})")
                video = VideoInfo(**header["video"])
                keys = ("t_s", "image_px", "world_m", "visibility", "presence", "detected",
                        "swapped")
                clean = PoseSeries(**{k: data[k] for k in keys}, width=video.width,
                                   height=video.height)
                raw = PoseSeries(**{k: data[f"raw_{k}"] for k in keys}, width=video.width,
                                 height=video.height)
        except (OSError, KeyError, ValueError, EOFError, TypeError) as exc:
            # EOFError: an empty file; ValueError: not an .npz at all (numpy then speaks
            # of pickles, which would only confuse).
            raise InputError(f"cannot read {path} as a pose recording saved by `formcheck"
                             " pose -o x.npz`: it is empty, damaged or something else",
                             code=ErrorCode.NOT_A_VIDEO) from exc
        return cls(video, raw, clean, header.get("model", ""), header.get("meta", {}))

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready description: per frame, the cleaned landmarks (NaN as null)."""

        def rounded(values: np.ndarray, digits: int) -> list[Any]:
            out = np.round(values.astype(np.float64), digits).astype(object)
            out[np.isnan(values)] = None
            return out.tolist()

        clean = self.clean
        frames = [
            {
                "t_s": round(float(clean.t_s[i]), 4),
                "detected": bool(clean.detected[i]),
                "swapped": bool(clean.swapped[i]),
                "image_px": rounded(clean.image_px[i], 2) if clean.detected[i] else None,
                "world_m": rounded(clean.world_m[i], 4) if clean.detected[i] else None,
                "visibility": rounded(clean.visibility[i], 3) if clean.detected[i] else None,
                "presence": rounded(clean.presence[i], 3) if clean.detected[i] else None,
            }
            for i in range(len(clean))
        ]
        return {
            "schema": SCHEMA,
            "video": self.video.to_dict(),
            "model": self.model,
            "landmarks": list(NAMES),
            "detection_rate": round(clean.detection_rate, 4),
            "swap_repaired_frames": int(clean.swapped.sum()),
            "meta": self.meta,
            "frames": frames,
        }

    def save_json(self, path: str | Path) -> None:
        write_text_atomic(path, json.dumps(self.to_json_dict()))
