"""Speed of formcheck's stages on one clip, measured in one run, as ratios.

    python tools/bench_speed.py sample_videos/sldl_side_good.mp4 [--repeat 3]

Prints, for decoding alone, decoding + pose estimation + cleaning, and the whole
analysis: seconds, frames per second, and the ratio to the clip's own duration
(above 1 is faster than real time). Ratios between stages in the same run are
what to compare across machines; absolute numbers depend on the CPU.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from formcheck.drivers.file import analyse_recording, extract_poses
from formcheck.sources.file import VideoFile


def _decode(path: Path) -> int:
    with VideoFile(path) as video:
        return sum(1 for _ in video.frames())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    timings: dict[str, float] = {}
    frames = 0
    duration = 0.0
    for _ in range(args.repeat):
        start = time.perf_counter()
        frames = _decode(args.video)
        timings["decode"] = min(timings.get("decode", 1e9), time.perf_counter() - start)
        start = time.perf_counter()
        recording = extract_poses(args.video)
        timings["decode + pose + clean"] = min(timings.get("decode + pose + clean", 1e9),
                                               time.perf_counter() - start)
        start = time.perf_counter()
        analyse_recording(recording)
        grading = time.perf_counter() - start
        timings["rules and report"] = min(timings.get("rules and report", 1e9), grading)
        duration = recording.video.duration_s
    timings["whole analysis"] = timings["decode + pose + clean"] + timings["rules and report"]
    print(f"{args.video}: {frames} frames, {duration:.1f} s, best of {args.repeat}")
    print(f"{'stage':24} {'seconds':>8} {'frames/s':>9} {'x real time':>12}")
    for stage, seconds in timings.items():
        print(f"{stage:24} {seconds:8.2f} {frames / seconds:9.0f} {duration / seconds:12.2f}")


if __name__ == "__main__":
    main()
