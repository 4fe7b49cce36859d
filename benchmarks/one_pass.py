"""What the outputs cost on top of the verdict, from one pass over the clip.

Runs, alternately and ``--rounds`` times each, ``formcheck analyse CLIP --json`` and
``formcheck analyse CLIP --html h.html --annotate a.mp4 -o r.json`` (H.264 encoding and
the HTML report's pictures included), and prints the median wall time of each and their
ratio, measured in the same run, in wall time and in CPU time (user and system of the
process and its threads: steadier than wall time when other work shares the machine).
With ``strace`` on the PATH it also counts how many times the second command opens the
clip (``strace -f -e trace=openat``).

    python benchmarks/one_pass.py [CLIP] [--rounds 3]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = ROOT / "sample_videos" / "sldl_side_good.mp4"
FORMCHECK = [sys.executable, "-m", "formcheck"]


def _timed(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time and CPU time (user + system, the process and its threads), seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([*FORMCHECK, *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def opens_of(clip: Path, args: list[str], cwd: Path) -> int | None:
    """How many times ``formcheck analyse CLIP ARGS`` opens the clip (None: no strace)."""
    if shutil.which("strace") is None:
        return None
    trace = cwd / "strace.txt"
    subprocess.run(["strace", "-f", "-e", "trace=openat", "-o", str(trace), *FORMCHECK,
                    "analyse", str(clip), *args], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    resolved = str(clip.resolve())
    return sum(1 for line in trace.read_text().splitlines()
               if "openat(" in line and f'"{resolved}"' in line and "ENOENT" not in line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", nargs="?", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    clip = options.clip.resolve()
    outputs = ["--html", "h.html", "--annotate", "a.mp4", "-o", "r.json"]
    with tempfile.TemporaryDirectory(prefix="formcheck-one-pass-") as folder:
        cwd = Path(folder)
        verdict, everything = [], []
        for _ in range(options.rounds):
            verdict.append(_timed(["analyse", str(clip), "--json"], cwd))
            everything.append(_timed(["analyse", str(clip), *outputs], cwd))
        opens = opens_of(clip, outputs, cwd)
    print(f"clip: {clip.name}")
    for what, index in (("wall", 0), ("CPU", 1)):
        json_s = statistics.median(run[index] for run in verdict)
        all_s = statistics.median(run[index] for run in everything)
        print(f"{what} time: --json median {json_s:.2f} s"
              f" {[round(run[index], 2) for run in verdict]}; --html --annotate -o median"
              f" {all_s:.2f} s {[round(run[index], 2) for run in everything]}; ratio"
              f" {all_s / json_s:.2f}x")
    if opens is not None:
        print(f"the clip opened {opens} times (strace -f -e trace=openat)")


if __name__ == "__main__":
    main()
