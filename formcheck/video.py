"""Frame sources: video files (PyAV) and cameras (OpenCV), one frame at a time.

Files are decoded with PyAV because it exposes each frame's presentation timestamp
and the display-matrix rotation that phones write, and because its wheels can also
encode H.264 for browser-playable output (OpenCV's bundled FFmpeg cannot). Cameras
go through OpenCV, which knows the platform capture back-ends.

Frames are yielded one at a time, upright and in RGB, so memory stays bounded
whatever the clip's length.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Self

# isort: off
# OpenCV before PyAV: both wheels bundle xcb libraries under the same names, whichever
# loads first serves both, and OpenCV's window (formcheck live) hangs on PyAV's copy.
import cv2
import av
# isort: on
import numpy as np

from formcheck.errors import ErrorCode, InputError
from formcheck.fileio import new_file_mode, readable_input, require_folder

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoInfo:
    """What is known about a source before (or while) it is read.

    Attributes:
        path: File path, or ``camera:N`` for a camera.
        width: Width of the upright frames, pixels (after rotation).
        height: Height of the upright frames, pixels (after rotation).
        fps: Average frame rate, frames per second (a float: phones use 29.97,
            variable rates, ...). 0.0 when unknown (cameras before reading).
        duration_s: Duration in seconds, 0.0 when unknown (cameras).
        frame_count: Number of frames the container declares, or None.
        codec: Codec name, e.g. ``h264``.
        rotation_deg: Counter-clockwise rotation applied to make frames upright.
    """

    path: str
    width: int
    height: int
    fps: float
    duration_s: float
    frame_count: int | None
    codec: str
    rotation_deg: int = 0

    def decoded(self, frame_count: int, first_t_s: float, last_t_s: float) -> VideoInfo:
        """This description corrected by what decoding every frame showed.

        Containers written by some phones and editors declare durations and rates
        that do not match their frames; the timestamps are the truth.
        """
        if frame_count < 2 or last_t_s <= first_t_s:
            return replace(self, frame_count=frame_count)
        fps = (frame_count - 1) / (last_t_s - first_t_s)
        return replace(self, frame_count=frame_count, fps=fps,
                       duration_s=last_t_s - first_t_s + 1.0 / fps)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "duration_s": self.duration_s,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
            "frame_count": self.frame_count,
            "codec": self.codec,
            "rotation_deg": self.rotation_deg,
        }


@dataclass(frozen=True)
class Frame:
    """One decoded frame.

    Attributes:
        index: 0-based position in the decoded stream.
        t_s: Presentation time, seconds from the stream's start.
        image: ``(H, W, 3)`` uint8 RGB, upright.
        source_size: ``(width, height)`` of the upright frame as stored, pixels, when
            ``image`` was scaled down from it; None when ``image`` is full size.
        analysed: False for a frame decoded only to be shown, between the frames
            picked for the pose model (see :mod:`formcheck.speed`).
    """

    index: int
    t_s: float
    image: np.ndarray
    source_size: tuple[int, int] | None = None
    analysed: bool = True

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` of the upright frame as stored, pixels: what landmarks are
        measured in, whatever size ``image`` was scaled to."""
        if self.source_size is not None:
            return self.source_size
        height, width = self.image.shape[:2]
        return width, height


def _upright(image: np.ndarray, rotation_deg: int) -> np.ndarray:
    """Rotate ``image`` counter-clockwise by ``rotation_deg`` (a multiple of 90)."""
    quarter_turns = (rotation_deg // 90) % 4
    if quarter_turns == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=quarter_turns))


def _to_rgb(av_frame: av.VideoFrame, max_side_px: int | None) -> np.ndarray:
    """``av_frame`` as ``(H, W, 3)`` uint8 RGB (as stored, before rotation), scaled down
    to ``max_side_px`` on its long side when larger.

    Planar 4:2:0 video (nearly every H.264/HEVC file) is converted by OpenCV, three to
    four times faster than FFmpeg's swscale as PyAV calls it (0.8 ms against 3.3 ms for a
    1280x720 frame on this project's test machine); other formats go through swscale.
    """
    width, height = av_frame.width, av_frame.height
    if av_frame.format.name == "yuv420p" and width % 2 == 0 and height % 2 == 0:
        rgb = cv2.cvtColor(av_frame.to_ndarray(format="yuv420p"), cv2.COLOR_YUV2RGB_I420)
    else:
        rgb = av_frame.to_ndarray(format="rgb24")
    if max_side_px is not None and max(width, height) > max_side_px:
        scale = max_side_px / max(width, height)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    return rgb


def _display_rotation(
    stream: av.video.stream.VideoStream, first_frame: av.VideoFrame | None
) -> int:
    """Counter-clockwise rotation (degrees, multiple of 90) that makes frames upright."""
    rotation = getattr(first_frame, "rotation", 0) if first_frame is not None else 0
    if not rotation:
        # Older muxers write a `rotate` tag (clockwise degrees) instead of a display matrix.
        tag = stream.metadata.get("rotate")
        if tag:
            try:
                rotation = -int(float(tag))
            except ValueError:
                rotation = 0
    return round(float(rotation) / 90.0) * 90 % 360


class FrameSource:
    """What the sources share: ``info``, ``frames()`` and closing as a context manager."""

    info: VideoInfo

    def frames(self) -> Iterator[Frame]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


#: Set to a number to cap the decoder's threads (0 or unset: FFmpeg's choice, one per core).
#: Batch workers set it to 1, so that N workers on N cores do not fight over them.
DECODER_THREADS_ENV = "FORMCHECK_DECODER_THREADS"


def decoder_threads() -> int:
    """The decoder thread cap from ``FORMCHECK_DECODER_THREADS`` (0: no cap)."""
    try:
        return max(0, int(os.environ.get(DECODER_THREADS_ENV, "0")))
    except ValueError:
        return 0


#: FFmpeg's demuxers for still pictures: such a file is an image, not a video.
IMAGE_FORMATS = frozenset({"image2", "image2pipe"})


def _ffmpeg_reason(exc: BaseException) -> str:
    """FFmpeg's message without its errno and file name ("Invalid data found when
    processing input")."""
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).rstrip(".")


def _open_error(path: Path, exc: BaseException) -> InputError:
    """Why FFmpeg could not open ``path``, in words, with its error code."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        size, head = -1, b""
    if size == 0:
        return InputError(f"{path} is empty (0 bytes): send the clip itself",
                          code=ErrorCode.NOT_A_VIDEO)
    if head[4:8] == b"ftyp" and b"moov" not in head:
        # An MP4/MOV whose index (moov) would come at the end, and never arrived.
        return InputError(f"{path} looks cut off: its index is missing (the recording or the"
                          " copy did not finish); send the whole clip", code=ErrorCode.TRUNCATED)
    return InputError(f"cannot read {path} as a video ({_ffmpeg_reason(exc)}): is it a video"
                      " file?", code=ErrorCode.NOT_A_VIDEO)


class VideoFile(FrameSource):
    """A video file read with PyAV, yielding upright RGB frames with true timestamps.

    Use as a context manager or call :meth:`close`. ``info`` is known after opening.

    Args:
        path: The file.
        threads: Threads for FFmpeg's decoder; None: ``FORMCHECK_DECODER_THREADS``, else
            FFmpeg's choice.
    """

    def __init__(self, path: str | Path, *, threads: int | None = None) -> None:
        self.path = readable_input(path)
        #: Why decoding stopped before the end of the stream, if it did (a damaged tail).
        self.decode_error: str | None = None
        self._abandoned = False
        try:
            self._container = av.open(str(self.path))
        except (av.FFmpegError, UnicodeDecodeError) as exc:
            raise _open_error(self.path, exc) from exc
        format_name = self._container.format.name
        if format_name in IMAGE_FORMATS or format_name.endswith("_pipe"):
            self._container.close()
            raise InputError(f"{self.path} is a still image ({format_name.removesuffix('_pipe')}),"
                             " not a video: send the clip itself", code=ErrorCode.NOT_A_VIDEO)
        if not self._container.streams.video:
            audio = " (only sound)" if self._container.streams.audio else ""
            self._container.close()
            raise InputError(f"{self.path} has no video stream{audio}: send the clip itself",
                             code=ErrorCode.NOT_A_VIDEO)
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        if threads is None:
            threads = decoder_threads()
        if threads:
            self._stream.codec_context.thread_count = threads
        self._frames = self._decode()
        self._first: av.VideoFrame | None
        try:
            self._first = next(self._frames)
        except StopIteration:
            self._first = None
        except av.FFmpegError as exc:
            self.close()
            raise InputError(f"cannot decode {self.path}: {_ffmpeg_reason(exc)}: the file is"
                             " damaged", code=ErrorCode.UNREADABLE) from exc
        if self._first is None:
            self.close()
            raise InputError(f"{self.path} has no decodable frames: the file is damaged or"
                             " cut off", code=ErrorCode.UNREADABLE)
        self.info = self._make_info()

    def _decode(self) -> Iterator[av.VideoFrame]:
        yield from self._container.decode(self._stream)

    def seek(self, t_s: float) -> None:
        """Start :meth:`frames` at the keyframe at or before ``t_s`` seconds (frames are
        then decoded forward from it; their times say where they are, their indexes count
        from it)."""
        stream = self._stream
        if stream.time_base is None:
            raise InputError(f"{self.path}: cannot seek in a stream without a time base")
        start = stream.start_time or 0
        self._container.seek(start + int(t_s / stream.time_base), stream=stream,
                             backward=True, any_frame=False)
        self._frames = self._decode()
        try:
            self._first = next(self._frames)
        except StopIteration:
            self._first = None
        except av.FFmpegError as exc:
            raise InputError(f"cannot decode {self.path} after seeking: {exc}") from exc

    def _make_info(self) -> VideoInfo:
        stream = self._stream
        rotation = _display_rotation(stream, self._first)
        width, height = stream.codec_context.width, stream.codec_context.height
        if rotation in (90, 270):
            width, height = height, width
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif self._container.duration is not None:
            duration = self._container.duration / 1_000_000
        else:
            duration = 0.0
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        frame_count = int(stream.frames) if stream.frames else None
        if fps == 0.0 and frame_count and duration > 0:
            fps = frame_count / duration
        return VideoInfo(
            path=str(self.path),
            width=int(width),
            height=int(height),
            fps=fps,
            duration_s=duration,
            frame_count=frame_count,
            codec=stream.codec_context.name,
            rotation_deg=rotation,
        )

    def frames(self, *, max_side_px: int | None = None,
               select: Callable[[float], bool] | None = None,
               unselected: bool = False) -> Iterator[Frame]:
        """Yield the frames in presentation order; can be iterated once.

        Args:
            max_side_px: Scale frames whose long side is larger down to this, pixels
                (``Frame.source_size`` keeps the full size).
            select: Told each decoded frame's time (in order); a frame it refuses is
                not converted to RGB, and not yielded unless ``unselected``.
            unselected: Yield refused frames too, converted, marked ``analysed=False``
                (for a driver that draws every frame).
        """
        if self._first is None:
            return
        stream = self._stream
        start = stream.start_time if stream.start_time is not None else None
        time_base = float(stream.time_base) if stream.time_base is not None else None
        frame_period = 1.0 / self.info.fps if self.info.fps > 0 else 1.0 / 30.0
        pending = [self._first]
        self._first = None
        index = 0
        last_t = -frame_period
        try:
            while True:
                if pending:
                    av_frame = pending.pop()
                else:
                    try:
                        av_frame = next(self._frames)
                    except StopIteration:
                        return
                pts = av_frame.pts
                if pts is not None and time_base is not None:
                    t_s = (pts - (start or 0)) * time_base
                else:  # no timestamp: step on from the last one
                    t_s = last_t + frame_period
                last_t = t_s
                analysed = select is None or select(float(t_s))
                if analysed or unselected:
                    image = _upright(_to_rgb(av_frame, max_side_px), self.info.rotation_deg)
                    full = (self.info.width, self.info.height)
                    yield Frame(index, float(t_s), image,
                                None if image.shape[1::-1] == full else full, analysed)
                index += 1
        except av.FFmpegError as exc:
            # A truncated or damaged tail: keep what decoded, say where it stopped.
            self.decode_error = _ffmpeg_reason(exc)
            logger.info("decoding stopped at frame %d of %s: %s", index, self.path, exc)

    def abandon(self) -> None:
        """Give up on this file without closing it: a decoder that stopped answering may
        still be inside it on another thread, and closing under it could crash."""
        self._abandoned = True

    def close(self) -> None:
        if not self._abandoned:
            self._container.close()


class Camera(FrameSource):
    """A live camera read with OpenCV; timestamps come from the monotonic clock.

    Args:
        index: OpenCV camera index (0 is the default webcam).
        width: Requested capture width, pixels (the camera may choose another).
        height: Requested capture height, pixels.
    """

    def __init__(self, index: int = 0, width: int = 1280, height: int = 720) -> None:
        self._capture = cv2.VideoCapture(index)
        if not self._capture.isOpened():
            raise InputError(
                f"cannot open camera {index}: is a webcam connected and not in use?"
            )
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self.info = VideoInfo(
            path=f"camera:{index}",
            width=int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            height=int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            fps=float(self._capture.get(cv2.CAP_PROP_FPS) or 0.0),
            duration_s=0.0,
            frame_count=None,
            codec="camera",
        )

    def frames(self) -> Iterator[Frame]:
        """Yield frames until the camera stops delivering them."""
        start = time.monotonic()
        index = 0
        while True:
            ok, bgr = self._capture.read()
            if not ok:
                return
            yield Frame(index, time.monotonic() - start, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            index += 1

    def close(self) -> None:
        self._capture.release()


class VideoWriter:
    """Writes RGB frames to an H.264 (yuv420p) MP4 that browsers play.

    Each frame may carry its own timestamp, so variable-frame-rate timing is kept.
    The file is written under a temporary name and moved into place on
    :meth:`close`, so an interrupted run never leaves a half-written video.

    Args:
        path: Output ``.mp4`` path.
        width: Frame width, pixels (even).
        height: Frame height, pixels (even).
        fps: Nominal frame rate, used for frames given without a timestamp.
        rotation_deg: Counter-clockwise display rotation to record in the file
            (as a phone does); the pixels are stored as given.
        crf: x264 quality, 0 (lossless) to 51; 23 is x264's default.
    """

    _TIME_BASE_DEN = 1000  # millisecond timestamps

    def __init__(self, path: str | Path, width: int, height: int, fps: float, *,
                 rotation_deg: int = 0, crf: int = 23) -> None:
        from fractions import Fraction

        if width % 2 or height % 2:
            raise ValueError(f"H.264 needs even frame sizes, got {width}x{height}")
        self.path = Path(path)
        require_folder(self.path)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}.", suffix=".mp4",
                                   dir=self.path.parent)
        os.close(fd)
        self._tmp = Path(tmp)
        self._fps = fps
        self._container = av.open(str(self._tmp), "w")
        self._stream = self._container.add_stream(
            "libx264", rate=Fraction(fps).limit_denominator(1001),
            options={"crf": str(crf), "preset": "veryfast"})
        self._stream.width, self._stream.height = width, height
        self._stream.pix_fmt = "yuv420p"
        self._stream.time_base = Fraction(1, self._TIME_BASE_DEN)
        self._stream.codec_context.time_base = Fraction(1, self._TIME_BASE_DEN)
        if rotation_deg:
            self._stream.set_display_rotation(rotation_deg)
        self._count = 0
        self._last_pts = -1

    def write(self, image: np.ndarray, t_s: float | None = None) -> None:
        """Append one ``(H, W, 3)`` uint8 RGB frame shown at ``t_s`` seconds."""
        if t_s is None:
            t_s = self._count / self._fps
        pts = max(round(t_s * self._TIME_BASE_DEN), self._last_pts + 1)
        self._last_pts = pts
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
        frame.pts = pts
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self._count += 1

    def close(self) -> None:
        """Flush the encoder and move the finished file into place."""
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()
        self._tmp.chmod(new_file_mode())  # mkstemp made it private
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        """Drop the partial file."""
        self._container.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
