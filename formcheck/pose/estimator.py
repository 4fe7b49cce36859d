"""MediaPipe Pose Landmarker: the only module that imports mediapipe.

Files run in VIDEO mode: the landmarker tracks the person from frame to frame
and skips the detector while tracking holds, which roughly halves the cost.
Timestamps given to MediaPipe must strictly increase, so a repeated or
decreasing presentation time is nudged forward by a millisecond; the sample
keeps the true time.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import TracebackType

import numpy as np

from formcheck.errors import ModelError
from formcheck.fileio import sha256_of
from formcheck.nativelog import native_stderr_to_debug
from formcheck.pose.landmarks import NUM_LANDMARKS
from formcheck.pose.model import DEFAULT_MODEL, MODELS, resolve_model
from formcheck.pose.series import PoseSample
from formcheck.sources.frames import Frame

logger = logging.getLogger(__name__)


class PoseEstimator:
    """Runs the pose model on frames, one at a time, in time order.

    Args:
        model: A model name (``full``) or a path to a ``.task`` file.
        min_detection_confidence: Detector score needed to start tracking a person.
        min_tracking_confidence: Landmark score needed to keep tracking without
            running the detector again.
    """

    def __init__(self, model: str | Path = DEFAULT_MODEL, *,
                 min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5) -> None:
        from mediapipe.tasks.python import vision
        from mediapipe.tasks.python.core.base_options import BaseOptions

        if Path(str(model)).suffix == ".task":
            path = Path(model)
            if not path.is_file():
                raise ModelError(f"pose model {path} not found")
            self.model_sha256 = sha256_of(path)
        else:
            path = resolve_model(str(model))  # checks the sha256
            self.model_sha256 = MODELS[str(model)].sha256
        self.model_name = path.name
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=1,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        try:
            with native_stderr_to_debug(logger):
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError, FileNotFoundError) as exc:
            raise ModelError(f"cannot load pose model {path}: {exc}") from exc
        self._last_ms = -1
        self._first_frame = True

    def estimate(self, frame: Frame) -> PoseSample:
        """Landmarks of the most prominent person in ``frame`` (RGB, upright)."""
        import mediapipe as mp

        t_ms = max(round(frame.t_s * 1000.0), self._last_ms + 1)
        self._last_ms = t_ms
        # mp.Image copies the pixels once into its own buffer; a contiguous uint8 array
        # (what the decoder gives) goes in without a conversion first.
        image = mp.Image(image_format=mp.ImageFormat.SRGB,
                         data=np.ascontiguousarray(frame.image, dtype=np.uint8))
        if self._first_frame:  # MediaPipe warns on the first inference too
            self._first_frame = False
            with native_stderr_to_debug(logger):
                result = self._landmarker.detect_for_video(image, t_ms)
        else:
            result = self._landmarker.detect_for_video(image, t_ms)
        if not result.pose_landmarks:
            return PoseSample.missing(frame.t_s)
        # Normalised coordinates times the stored frame's size: a frame scaled down for
        # the model still gives landmarks in the original frame's pixels.
        width, height = frame.size
        normalised = result.pose_landmarks[0]
        world = result.pose_world_landmarks[0]
        if len(normalised) != NUM_LANDMARKS:
            raise ModelError(f"pose model gave {len(normalised)} landmarks, expected 33")
        image = np.array([(lm.x, lm.y, lm.z, lm.visibility or 0.0, lm.presence or 0.0)
                          for lm in normalised], dtype=np.float64)
        image_px = (image[:, :3] * (width, height, width)).astype(np.float32)
        world_m = np.array([(lm.x, lm.y, lm.z) for lm in world], dtype=np.float32)
        visibility = image[:, 3].astype(np.float32)
        presence = image[:, 4].astype(np.float32)
        return PoseSample(frame.t_s, image_px, world_m, visibility, presence, detected=True)

    def close(self) -> None:
        with native_stderr_to_debug(logger):  # its INFO lines as it shuts down
            self._landmarker.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
