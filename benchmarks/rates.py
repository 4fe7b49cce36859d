"""Do the grades depend on the analysis rate? Labelled clips graded at 10, 15, 20 and 30
analysed frames a second and at each clip's own rate, tabulated per rate.

    python benchmarks/rates.py sample_videos/labels.json                # the samples
    python benchmarks/rates.py LABELS.json [LABELS.json ...] --rates 10 15 20 30 \\
        --poses /tmp/rates-poses --json /tmp/rates.json

For each clip and rate the pose model is run once on the frames that rate picks (the time
grid of :mod:`formcheck.sources.sampling`, exactly as ``formcheck analyse
--analysis-fps N`` picks them; a rate at or above 0.9 of the clip's own analyses every
frame, so it is the clip's own rate and is not run twice), and its raw poses are saved as
a recording (``formcheck pose``'s ``.npz``) under ``--poses``. Each rate is then scored by
:func:`formcheck.devtools.evaluation.evaluate`, the evaluator of ``formcheck eval``, on
those recordings: grading a recording is grading the clip without running the model
again, so a change to the grading code is measured again in seconds. (A recording has no
pictures, so the clip watch's refusals, a file cut off or too short, are not applied:
none of the labelled clips is one.)

Per labels file and rate the table gives: exercise recognised, rep count exact, good-rep
count exact, clean clips with a fault, the clips graded differently from the clip's own
rate (exercise, rep count, good reps, or the fault codes of any rep), and F1 (tp/fp/fn)
per fault code.

Keep ``--poses`` and ``--json`` outside the repository for clips that must not be
committed (the real clips): only the tables' numbers go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval_tables import f1_cell, rate_cell  # beside this script

from formcheck.analysis.report import Report
from formcheck.devtools.evaluation import Evaluation, evaluate
from formcheck.drivers.file import analyse_file, extract_poses
from formcheck.drivers.speed import SpeedSettings
from formcheck.sources.file import VideoFile

DEFAULT_RATES = (10.0, 15.0, 20.0, 30.0)
#: The column of the clip's own rate (every frame analysed).
OWN = "own"


def rate_name(fps: float | None) -> str:
    """``"15"`` for 15 frames a second, ``"own"`` for every frame."""
    return OWN if fps is None else f"{fps:g}"


class Recordings:
    """The pose model's raw poses for each clip at each analysis rate, made once and kept
    under ``folder`` (keyed by the clip's sha256, the rate the clip actually gets, and the
    model)."""

    def __init__(self, folder: Path, model: str = "full") -> None:
        self.folder = folder
        self.model = model
        folder.mkdir(parents=True, exist_ok=True)
        self._fps: dict[Path, float] = {}
        self._digest: dict[Path, str] = {}

    def effective_fps(self, clip: Path, fps: float | None) -> float | None:
        """The rate ``clip`` is analysed at when ``fps`` is asked for (None: every frame)."""
        if clip not in self._fps:
            with VideoFile(clip) as video:
                self._fps[clip] = video.info.fps
        return SpeedSettings(analysis_fps=fps).effective_fps(self._fps[clip])

    def path(self, clip: Path, fps: float | None) -> Path:
        """The recording of ``clip`` at ``fps``, made now if it is not there yet."""
        if clip not in self._digest:
            self._digest[clip] = hashlib.sha256(clip.read_bytes()).hexdigest()[:16]
        effective = self.effective_fps(clip, fps)
        target = self.folder / f"{self._digest[clip]}_{rate_name(effective)}_{self.model}.npz"
        if not target.is_file():
            started = time.perf_counter()
            extract_poses(clip, model=self.model, analysis_fps=effective).save_npz(target)
            logging.info("%s at %s: %.1f s", clip.name, rate_name(effective),
                         time.perf_counter() - started)
        return target


@dataclass
class RateRun:
    """One labels file scored at one rate, with each clip's fault codes rep by rep (to
    compare the grades with the clip's own rate)."""

    evaluation: Evaluation
    faults: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)

    def grades(self) -> dict[str, tuple[Any, ...]]:
        """Per clip: status, exercise, rep count, good reps, each rep's fault codes."""
        return {c.file: (str(c.status), c.predicted_exercise, c.total_reps, c.good_reps,
                         self.faults.get(c.file, ())) for c in self.evaluation.clips}


def table(name: str, runs: dict[str, RateRun]) -> str:
    """The Markdown table of one labels file: a column per rate."""
    rates = list(runs)
    dicts = {r: run.evaluation.to_dict() for r, run in runs.items()}
    own = runs[OWN].grades() if OWN in runs else None
    head = f"| {name} | " + " | ".join(
        "own rate" if r == OWN else f"{r} fps" for r in rates) + " |"
    lines = [head, "| --- " * (len(rates) + 1) + "|"]
    measures = (("exercise recognised", "exercise_recognised"),
                ("rep count exact", "rep_count_exact"),
                ("good-rep count exact", "good_reps_exact"),
                ("clean clips with a fault", "clean_clips_with_a_fault"),
                ("other exercises not graded", "other_not_graded"))
    for label, key in measures:
        lines.append(f"| {label} | " + " | ".join(rate_cell(dicts[r]["summary"][key])
                                                   for r in rates) + " |")
    if own is not None:
        cells = []
        for r in rates:
            grades = runs[r].grades()
            cells.append(str(sum(grades[f] != own[f] for f in own)))
        lines.append("| clips graded differently from the own rate | " + " | ".join(cells)
                     + " |")
    codes = sorted({code for d in dicts.values() for code in d["faults"]})
    for code in codes:
        lines.append(f"| F1 (tp/fp/fn) `{code}` | " + " | ".join(
            f1_cell(dicts[r]["faults"].get(code)) for r in rates) + " |")
    return "\n".join(lines)


def changed_clips(runs: dict[str, RateRun]) -> list[str]:
    """One line per clip graded differently at some rate than at its own rate."""
    if OWN not in runs:
        return []
    own = runs[OWN].grades()
    out = []
    for r, run in runs.items():
        for file, grade in run.grades().items():
            if grade != own[file]:
                out.append(f"{r}: {file}: {own[file][:4]} -> {grade[:4]};"
                           f" faults {own[file][4]} -> {grade[4]}")
    return out


def run(labels: Path, rates: list[float | None], recordings: Recordings
        ) -> dict[str, RateRun]:
    """``formcheck eval``'s scores of ``labels`` with the model run at each rate."""
    out = {}
    for fps in rates:
        started = time.perf_counter()
        faults: dict[str, tuple[tuple[str, ...], ...]] = {}

        def analyse(clip: Path, exercise: str, fps: float | None = fps,
                    faults: dict[str, tuple[tuple[str, ...], ...]] = faults) -> Report:
            report = analyse_file(recordings.path(clip, fps), exercise)
            faults[clip.relative_to(labels.parent).as_posix()] = tuple(
                tuple(sorted(f.code for f in r.faults)) for r in report.reps)
            return report

        out[rate_name(fps)] = RateRun(evaluate(labels, analyse), faults)
        logging.info("%s at %s: %.0f s", labels, rate_name(fps), time.perf_counter() - started)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", nargs="+", type=Path)
    parser.add_argument("--rates", nargs="+", type=float, default=list(DEFAULT_RATES),
                        help="Analysis rates, frames a second (the own rate is added).")
    parser.add_argument("--poses", type=Path, default=Path("/tmp/formcheck-rates-poses"),
                        help="Where the recordings are kept (outside the repository).")
    parser.add_argument("--json", type=Path, help="Write every evaluation here.")
    parser.add_argument("--changes", action="store_true",
                        help="List the clips graded differently from their own rate.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    recordings = Recordings(args.poses)
    rates: list[float | None] = [*args.rates, None]
    everything = {}
    for labels in args.labels:
        runs = run(labels, rates, recordings)
        print(table(str(labels), runs) + "\n", flush=True)
        if args.changes:
            print("\n".join(changed_clips(runs)) + "\n", flush=True)
        everything[str(labels)] = {r: rr.evaluation.to_dict() for r, rr in runs.items()}
    if args.json is not None:
        args.json.write_text(json.dumps(everything, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
