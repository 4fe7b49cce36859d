"""Save the pose model's output for every clip of a rendered split, so that grading can be
tried again and again without the model.

For ``SPLIT/labels.json`` (written by ``formcheck render``), writes ``SPLIT/poses/<clip>.npz``
(``formcheck pose``'s recording of the frames ``formcheck analyse`` gives the model at its
default analysis rate, or at ``--analysis-fps``; 0: every frame) for each clip not yet
saved, and ``SPLIT/labels_poses.json``: the same labels pointing at the recordings.
``formcheck eval SPLIT/labels_poses.json`` then grades each recording as ``formcheck
analyse`` grades its clip with the default settings (one process), without running the
model.

    python benchmarks/cache_poses.py SPLIT [SPLIT ...] [--analysis-fps FPS]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from formcheck.drivers.file import extract_poses
from formcheck.drivers.speed import DEFAULT_ANALYSIS_FPS


def cache(split: Path, analysis_fps: float | None = DEFAULT_ANALYSIS_FPS) -> Path:
    """Save the recordings of ``split``'s clips at ``analysis_fps`` (None: every frame); the
    labels file pointing at them."""
    labels = json.loads((split / "labels.json").read_text(encoding="utf-8"))
    folder = split / "poses"
    folder.mkdir(exist_ok=True)
    for clip in labels["clips"]:
        source = split / clip["file"]
        target = folder / (Path(clip["file"]).stem + ".npz")
        if not target.is_file():
            extract_poses(source, analysis_fps=analysis_fps).save_npz(target)
            print(f"{target}", file=sys.stderr)
        clip["file"] = f"poses/{target.name}"
    out = split / "labels_poses.json"
    out.write_text(json.dumps(labels, indent=1) + "\n", encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("splits", nargs="+", type=Path)
    parser.add_argument("--analysis-fps", type=float, default=DEFAULT_ANALYSIS_FPS,
                        help=f"frames a second given to the model (default {DEFAULT_ANALYSIS_FPS}"
                             "; 0: every frame)")
    options = parser.parse_args()
    for split in options.splits:
        print(cache(split, options.analysis_fps or None))


if __name__ == "__main__":
    main()
