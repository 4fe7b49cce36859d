"""Does ``formcheck batch`` go faster with two workers? One against two, same inbox.

    python benchmarks/batch_speed.py        # about 1-2 minutes on 2 cores

The inbox is the four smallest sample clips (bridges, 66 s of video together). Each
run is a fresh ``formcheck batch`` process with ``--force`` into a new results folder,
so both pay the same start-up. With the model single-threaded per worker, two
workers on two free cores should come close to 2x; the cores being shared, or the
pose model's own threads, bring it down.

Not a test: timings on shared machines vary, so the numbers go in BENCHMARKS.md
with the date and this command.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLIPS = ("bridge_side_incomplete_lockout.mp4", "bridge_side_hyperextension_feet.mp4",
         "bridge_single_leg_pelvic_drop_oblique.mp4", "bridge_side_good.mp4")


def batch_seconds(inbox: Path, results: Path, workers: int) -> float:
    """Wall time of one ``formcheck batch`` run, s."""
    command = [sys.executable, "-m", "formcheck", "batch", str(inbox), "-o", str(results),
               "--workers", str(workers), "--force"]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        inbox = Path(folder) / "inbox"
        inbox.mkdir()
        for name in CLIPS:
            shutil.copyfile(ROOT / "sample_videos" / name, inbox / name)
        one = batch_seconds(inbox, Path(folder) / "one", 1)
        two = batch_seconds(inbox, Path(folder) / "two", 2)
    sys.stdout.write(
        f"{len(CLIPS)} clips, {os.cpu_count()} cores: 1 worker {one:.1f} s,"
        f" 2 workers {two:.1f} s, speed-up {one / two:.2f}x\n")


if __name__ == "__main__":
    main()
