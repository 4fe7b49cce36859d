"""A corpus of awkward inputs, written at test time from the sample clips (nothing large
is committed): what phones, messaging apps and editors produce, and what users send by
mistake. Each builder writes one file (or folder) into a given folder and returns its
path; clips are short (a few seconds at 15 frames per second) to keep the model cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fractions import Fraction
from pathlib import Path

# isort: off
import cv2  # before av: see formcheck.sources.file
import av
# isort: on
import numpy as np

from tests.conftest import SAMPLE_VIDEOS

DEADLIFT = SAMPLE_VIDEOS / "sldl_side_knee_breaks_rep3.mp4"  # reps 1.75-4.67 s, 5.17-8.08 s
BRIDGE = SAMPLE_VIDEOS / "bridge_side_good.mp4"  # reps 0.97-3.97 s, 4.77-7.77 s
CORPUS_FPS = 15.0


def sample_frames(path: Path, start_s: float, end_s: float, fps: float = CORPUS_FPS
                  ) -> list[np.ndarray]:
    """Upright RGB frames of ``path`` between two times, resampled to ``fps``."""
    from formcheck.sources.file import VideoFile

    wanted = list(np.arange(start_s, end_s, 1.0 / fps))
    frames: list[np.ndarray] = []
    with VideoFile(path) as video:
        for frame in video.frames():
            while wanted and frame.t_s >= wanted[0] - 1e-6:
                frames.append(frame.image)
                wanted.pop(0)
            if not wanted:
                break
    return frames


def write_clip(path: Path, frames: Iterable[np.ndarray], times_s: Iterable[float] | None = None,
               *, fps: float = CORPUS_FPS, time_base: Fraction = Fraction(1, 1000),
               faststart: bool = False, rotation_deg: int = 0) -> Path:
    """Write RGB frames as H.264 MP4 at the given presentation times.

    Args:
        path: Output file.
        frames: ``(H, W, 3)`` uint8 RGB, even sizes.
        times_s: Presentation time of each frame, seconds; ``i / fps`` when None.
        fps: The declared rate.
        time_base: The stream's time base (1/1000: millisecond timestamps).
        faststart: Put the index (moov) at the front, as phones do; else at the end.
        rotation_deg: Display rotation to declare (the pixels are stored as given).
    """
    options = {"movflags": "faststart"} if faststart else {}
    frames = list(frames)
    times = list(times_s) if times_s is not None else [i / fps for i in range(len(frames))]
    with av.open(str(path), "w", format="mp4", options=options) as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001),
                                      options={"crf": "28", "preset": "ultrafast"})
        height, width = frames[0].shape[:2]
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        if rotation_deg:
            stream.set_display_rotation(rotation_deg)
        for image, t_s in zip(frames, times, strict=True):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            frame.pts = round(t_s / time_base)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_audio_only(path: Path, seconds: float = 2.0) -> Path:
    """An M4A file with a tone and no video stream."""
    rate = 44100
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=rate)
        stream.layout = "mono"
        t = np.arange(int(seconds * rate)) / rate
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for start in range(0, len(tone), 1024):
            chunk = tone[start:start + 1024][None, :]
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def cut(source: Path, target: Path, share: float) -> Path:
    """The first ``share`` of ``source``'s bytes, as a copy interrupted part-way would be."""
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * share)])
    return target


def _even(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    return image[: height - height % 2, : width - width % 2]


def _scene(height: int, width: int, seed: int) -> np.ndarray:
    """A bright, textured room without anybody in it."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([120 + 60 * np.sin(x / 40.0), 140 + 50 * np.cos(y / 35.0),
                     160 + 30 * np.sin((x + y) / 50.0)], axis=-1)
    noise = rng.normal(0, 6, (height, width, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


# ------------------------------------------------------------------------- builders

Builder = Callable[[Path], Path]


def _deadlift(seconds: float = 5.0) -> list[np.ndarray]:
    return sample_frames(DEADLIFT, 0.0, seconds)


def zero_bytes(folder: Path) -> Path:
    path = folder / "empty.mp4"
    path.write_bytes(b"")
    return path


def random_bytes(folder: Path) -> Path:
    path = folder / "random.mp4"
    path.write_bytes(np.random.default_rng(11).integers(0, 256, 200_000, np.uint8).tobytes())
    return path


def text(folder: Path) -> Path:
    path = folder / "notes.mp4"
    path.write_text("this is not a video\n" * 200)
    return path


def empty_recording(folder: Path) -> Path:
    path = folder / "empty.npz"
    path.write_bytes(b"")
    return path


def random_recording(folder: Path) -> Path:
    path = folder / "random.npz"
    path.write_bytes(np.random.default_rng(12).integers(0, 256, 5000, np.uint8).tobytes())
    return path


def png_image(folder: Path) -> Path:
    path = folder / "photo.png"
    cv2.imwrite(str(path), cv2.cvtColor(_deadlift(0.2)[0], cv2.COLOR_RGB2BGR))
    return path


def png_renamed_mp4(folder: Path) -> Path:
    path = folder / "photo_png.mp4"
    path.write_bytes(png_image(folder).read_bytes())
    return path


def jpeg_renamed_mp4(folder: Path) -> Path:
    path = folder / "photo_jpeg.mp4"
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(_deadlift(0.2)[0], cv2.COLOR_RGB2BGR))
    assert ok
    path.write_bytes(data.tobytes())
    return path


def audio_only(folder: Path) -> Path:
    return write_audio_only(folder / "voice.m4a")


def directory(folder: Path) -> Path:
    path = folder / "a_folder.mp4"
    path.mkdir()
    return path


def missing(folder: Path) -> Path:
    return folder / "never_written.mp4"


def whole_faststart(folder: Path) -> Path:
    path = folder / "whole_faststart.mp4"
    if not path.exists():
        write_clip(path, sample_frames(DEADLIFT, 0.0, 9.0), faststart=True)
    return path


def whole_index_at_end(folder: Path) -> Path:
    path = folder / "whole_index_at_end.mp4"
    if not path.exists():
        write_clip(path, sample_frames(DEADLIFT, 0.0, 9.0), faststart=False)
    return path


def cut_front(share: float) -> Builder:
    def build(folder: Path) -> Path:
        return cut(whole_faststart(folder), folder / f"cut_front_{int(share * 100)}.mp4", share)
    return build


def cut_end(share: float) -> Builder:
    def build(folder: Path) -> Path:
        return cut(whole_index_at_end(folder), folder / f"cut_end_{int(share * 100)}.mp4", share)
    return build


def one_frame(folder: Path) -> Path:
    return write_clip(folder / "one_frame.mp4", _deadlift(0.1)[:1])


def fps_1(folder: Path) -> Path:
    frames = _deadlift(3.0)
    return write_clip(folder / "fps_1.mp4", frames, [float(i) for i in range(len(frames))],
                      fps=1.0)


def fps_1000(folder: Path) -> Path:
    frames = _deadlift(3.0)
    return write_clip(folder / "fps_1000.mp4", frames, [i / 1000 for i in range(len(frames))],
                      fps=1000.0)


def rotated(degrees: int) -> Builder:
    def build(folder: Path) -> Path:
        # The stored pixels are the upright scene turned the other way, as a phone stores them.
        frames = [np.ascontiguousarray(np.rot90(f, k=-degrees // 90)) for f in _deadlift()]
        return write_clip(folder / f"rotated_{degrees}.mp4", frames, rotation_deg=degrees)
    return build


def variable_frame_rate(folder: Path) -> Path:
    frames = sample_frames(DEADLIFT, 0.0, 5.0, fps=30.0)
    rng = np.random.default_rng(3)
    keep = sorted({0, *rng.choice(len(frames), size=len(frames) // 2, replace=False).tolist()})
    return write_clip(folder / "vfr.mp4", [frames[i] for i in keep], [i / 30.0 for i in keep],
                      fps=30.0)


def uhd_4k(folder: Path) -> Path:
    frames = [cv2.resize(f, (3840, 2160), interpolation=cv2.INTER_LINEAR)
              for f in sample_frames(DEADLIFT, 0.0, 1.5, fps=10.0)]
    return write_clip(folder / "uhd.mp4", frames, fps=10.0)


def pure_black(folder: Path) -> Path:
    frames = [np.zeros((240, 320, 3), np.uint8)] * 30
    return write_clip(folder / "black.mp4", frames)


def no_person(folder: Path) -> Path:
    frames = [_scene(240, 320, seed) for seed in range(30)]
    return write_clip(folder / "empty_room.mp4", frames)


def two_people(folder: Path) -> Path:
    left = _deadlift()
    right = sample_frames(SAMPLE_VIDEOS / "sldl_side_good.mp4", 0.0, 5.0)
    frames = [_even(np.hstack([a, b])) for a, b in zip(left, right, strict=False)]
    return write_clip(folder / "two_people.mp4", frames)


def walks_out(folder: Path) -> Path:
    """The person (and the picture with them) slides out of the frame at 3 s; an empty
    room for the last 2 s."""
    frames = _deadlift(3.0)
    last = frames[-1]
    height, width = last.shape[:2]
    room = _scene(height, width, 99)
    for step in range(1, 9):  # 0.5 s of sliding out to the right
        shift = step * width // 8
        moved = room.copy()
        moved[:, shift:] = last[:, : width - shift]
        frames.append(moved)
    frames += [room] * 30
    return write_clip(folder / "walks_out.mp4", frames)


def hard_cut(folder: Path) -> Path:
    """A deadlift, then at once another scene: the empty room."""
    frames = _deadlift(4.0)
    height, width = frames[0].shape[:2]
    frames += [_scene(height, width, 5 + i) for i in range(30)]
    return write_clip(folder / "hard_cut.mp4", frames)


def two_exercises(folder: Path) -> Path:
    """A deadlift set, then a cut to a bridge set."""
    frames = sample_frames(DEADLIFT, 0.0, 5.0) + sample_frames(BRIDGE, 0.0, 4.5)
    return write_clip(folder / "two_exercises.mp4", frames)
