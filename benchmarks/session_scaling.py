"""Does the analysis session scale with the clip? Two measurements, in one run, as ratios.

    python benchmarks/session_scaling.py            # both parts (about 5-10 minutes)
    python benchmarks/session_scaling.py --grading  # only the synthetic grading part (~1 min)

1. **Grading time.** Synthetic single-leg deadlift pose series of 1 and 10 minutes
   (a rep every 4 s, one bad rep in ten) are fed frame by frame through a session,
   cleaning included, without the pose model. Linear growth gives a ratio near 10;
   anything that rereads the whole clip per rep would give about 100.
2. **Peak memory.** ``formcheck analyse`` (the real model) on a sample clip and on
   a 4-minute clip made by concatenating it, each in a fresh process; the peak
   resident memory of the two should be within 30% of each other, because the
   session keeps only a bounded window of frames.

Not a test: timings on shared machines vary, so the numbers go in BENCHMARKS.md
with the date and this command.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.factories, the synthetic pose series

SAMPLE = ROOT / "sample_videos" / "sldl_side_good.mp4"
LONG_S = 240.0


def grading_seconds(minutes: float) -> tuple[float, int, int]:
    """Seconds to feed a synthetic series of ``minutes`` through a session; frames; reps."""
    from formcheck.analysis.session import Session
    from formcheck.sources.frames import VideoInfo
    from tests.factories import HingeRep, Script, hinge_series

    reps = int(minutes * 60 / 4.0)
    script = Script([HingeRep(knee_flexion_deg=70.0 if i % 10 == 9 else 18.0)
                     for i in range(reps)], rest_s=1.0, lead_s=0.5)
    series = hinge_series(script)
    samples = [series.sample(i) for i in range(len(series))]
    info = VideoInfo("synthetic", series.width, series.height, 30.0, 0.0, None, "none")
    start = time.perf_counter()
    session = Session(info)
    for sample in samples:
        session.feed(sample)
    report = session.report()
    elapsed = time.perf_counter() - start
    if report.total_reps != reps:
        raise SystemExit(f"{minutes} min: counted {report.total_reps} reps, expected {reps}")
    return elapsed, len(samples), report.total_reps


def concatenated(source: Path, target: Path, duration_s: float) -> float:
    """Write ``source`` end to end until ``duration_s``; returns the real duration."""
    from formcheck.sources.file import VideoFile
    from formcheck.sources.writer import VideoWriter

    with VideoFile(source) as video:
        info = video.info
        frames = [(f.t_s, f.image) for f in video.frames()]
    period = frames[-1][0] - frames[0][0] + 1.0 / info.fps
    offset = 0.0
    with VideoWriter(target, info.width, info.height, info.fps) as writer:
        while offset + period <= duration_s + 1e-6:
            for t_s, image in frames:
                writer.write(image, offset + t_s)
            offset += period
    return offset


PEAK_RSS = """
import resource, sys
from formcheck.drivers.file import analyse_file
report = analyse_file(sys.argv[1])
print(report.total_reps, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_mib(clip: Path) -> tuple[float, int, float]:
    """Peak resident memory (MiB) of analysing ``clip`` in a fresh process; reps; seconds."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", PEAK_RSS, str(clip)], check=True,
                         capture_output=True, text=True).stdout.split()
    return int(out[1]) / 1024.0, int(out[0]), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grading", action="store_true", help="only the grading part")
    args = parser.parse_args()

    one, frames_1, reps_1 = grading_seconds(1.0)
    ten, frames_10, reps_10 = grading_seconds(10.0)
    print("grading synthetic series frame by frame (cleaning, signals, reps, checks):")
    print(f"   1 min: {frames_1:6d} frames, {reps_1:3d} reps, {one:6.2f} s,"
          f" {1000 * one / frames_1:.2f} ms a frame")
    print(f"  10 min: {frames_10:6d} frames, {reps_10:3d} reps, {ten:6.2f} s,"
          f" {1000 * ten / frames_10:.2f} ms a frame")
    print(f"  ratio 10 min / 1 min: {ten / one:.1f} (linear: about 10)")
    if args.grading:
        return

    with tempfile.TemporaryDirectory() as tmp:
        long_clip = Path(tmp) / "long.mp4"
        long_s = concatenated(SAMPLE, long_clip, LONG_S)
        short_mib, short_reps, short_t = peak_rss_mib(SAMPLE)
        long_mib, long_reps, long_t = peak_rss_mib(long_clip)
    print("peak resident memory of analyse (real model), each in a fresh process:")
    print(f"  {SAMPLE.name}: {short_mib:7.1f} MiB, {short_reps} reps, {short_t:.0f} s")
    print(f"  the same, end to end, {long_s:.0f} s: {long_mib:7.1f} MiB, {long_reps} reps,"
          f" {long_t:.0f} s")
    print(f"  ratio: {long_mib / short_mib:.2f} (target: within 1.30)")


if __name__ == "__main__":
    main()
