"""Contact sheets: a grid of frames of a clip, with their timestamps, as one PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from formcheck.errors import InputError


def _decode_frames(video: Path, times_s: list[float]) -> list[tuple[float, np.ndarray]]:
    import av

    wanted = sorted(times_s)
    frames: list[tuple[float, np.ndarray]] = []
    try:
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            index = 0
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                while index < len(wanted) and frame.time >= wanted[index] - 1e-6:
                    frames.append((float(frame.time), frame.to_ndarray(format="rgb24")))
                    index += 1
                if index >= len(wanted):
                    break
    except (OSError, av.error.FFmpegError) as exc:
        raise InputError(f"{video}: cannot read the video ({exc})") from None
    return frames


def _duration_s(video: Path) -> float:
    import av

    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        return float(container.duration or 0) / 1e6


def contact_sheet(
    video: Path, out_png: Path, times_s: list[float] | None = None, columns: int = 4, count: int = 8
) -> Path:
    """Save a grid of frames of ``video`` as a PNG, each captioned with its time in seconds.

    Args:
        video: the clip.
        out_png: where to write the sheet.
        times_s: the frames to show; default ``count`` evenly spaced over the clip.
        columns: frames per row.
        count: number of frames when ``times_s`` is not given.
    """
    from PIL import Image, ImageDraw

    video, out_png = Path(video), Path(out_png)
    if times_s is None:
        duration = _duration_s(video)
        times_s = list(np.linspace(0.0, max(duration - 0.05, 0.0), count))
    frames = _decode_frames(video, times_s)
    if not frames:
        raise InputError(f"{video}: no frames at the requested times")
    height, width = frames[0][1].shape[:2]
    scale = min(1.0, 320.0 / width)
    tile_w, tile_h = int(width * scale), int(height * scale)
    rows = (len(frames) + columns - 1) // columns
    sheet = Image.new("RGB", (tile_w * min(columns, len(frames)), tile_h * rows), "white")
    draw = ImageDraw.Draw(sheet)
    for n, (t, rgb) in enumerate(frames):
        tile = Image.fromarray(rgb).resize((tile_w, tile_h))
        x, y = (n % columns) * tile_w, (n // columns) * tile_h
        sheet.paste(tile, (x, y))
        draw.rectangle([x, y, x + 58, y + 14], fill="black")
        draw.text((x + 3, y + 2), f"{t:6.2f} s", fill="white")
    out_png.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out_png)
    return out_png
