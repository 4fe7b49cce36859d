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
from collections.abc import Callable, Iterator
from pathlib import Path

# isort: off
# OpenCV before PyAV: both wheels bundle xcb libraries under the same names, whichever
# loads first serves both, and OpenCV's window (formcheck live) hangs on PyAV's copy.
import cv2
import av
# isort: on
import numpy as np

from formcheck.errors import ErrorCode, InputError
from formcheck.fileio import readable_input
from formcheck.sources.frames import Frame, FrameSource, VideoInfo, upright

logger = logging.getLogger(__name__)


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
                    image = upright(_to_rgb(av_frame, max_side_px), self.info.rotation_deg)
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
