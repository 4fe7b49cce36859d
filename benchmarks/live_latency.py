"""Does the live mode keep up with a camera? Frames per second, drops and latency.

    python benchmarks/live_latency.py                 # sldl_side_good.mp4, headless
    python benchmarks/live_latency.py --window        # with the OpenCV window (needs a display)
    python benchmarks/live_latency.py --source CLIP   # another clip

A 640x480, 30 fps sample clip is played as if it were a camera (``formcheck live
--source``, at its real pace, so frames arrive every 33 ms whatever the processing
does) through the live driver: the capture thread, the pose model, the session, the
overlay drawn on every processed frame. Reported:

- frames processed per second, and frames dropped (replaced in the newest-frame slot
  before the model could take them), of the frames captured;
- the latency from capture (the moment the capture thread handed the frame over, after
  sleeping to its timestamp) to the drawn overlay (handed to the window, or drawn when
  headless): median, 95th percentile and maximum, in milliseconds.

Not a test: timings on shared machines vary, so the numbers go in the README with the
date, the machine's load and this command. Sound is off.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import cv2  # noqa: F401  (before PyAV: see formcheck.drivers.live.xcb_conflict)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_videos" / "sldl_side_good.mp4"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=SAMPLE, help="clip to play")
    parser.add_argument("--window", action="store_true", help="show the OpenCV window")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args()

    from formcheck.drivers.live import LiveRunner, LiveSettings
    from formcheck.sources.file import VideoFile

    with VideoFile(args.source) as video:
        info = video.info
    settings = LiveSettings(source=args.source, window=args.window, sound=False)
    started = time.perf_counter()
    result = LiveRunner(settings).run()
    wall_s = time.perf_counter() - started
    stats = result.stats
    numbers = {
        "source": str(args.source),
        "resolution": f"{info.width}x{info.height}",
        "source_fps": round(info.fps, 2),
        "source_duration_s": round(info.duration_s, 2),
        "window": args.window,
        "wall_s": round(wall_s, 2),
        "frames_captured": stats.frames_captured,
        "frames_processed": stats.frames_processed,
        "frames_dropped": stats.frames_dropped,
        "processed_per_s": round(stats.fps, 1),
        "latency_median_ms": round(stats.latency_percentile_ms(50), 1),
        "latency_p95_ms": round(stats.latency_percentile_ms(95), 1),
        "latency_max_ms": round(float(stats.latency_ms.max()), 1) if stats.latency_ms.size
        else None,
        "reps": result.report.total_reps,
        "good_reps": result.report.good_reps,
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    if args.json:
        print(json.dumps(numbers))
        return
    width = max(len(key) for key in numbers)
    for key, value in numbers.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    sys.exit(main())
