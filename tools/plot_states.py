"""Plot the per-frame state of an analysis: the primary signal, the phase, the counts.

    python tools/plot_states.py CLIP_OR_POSES.npz -o states.png [--csv states.csv]

What the annotated video and the live window draw, frame by frame, on one page:
the exercise's primary signal, the phase of the rep (shaded), the reps finished
and the good-rep count (steps), and the first bad rep. For looking at, not for
grading: the report is the same whether or not this runs.
"""

from __future__ import annotations

import argparse
import csv
import itertools
from pathlib import Path

from formcheck.analysis.events import Event, FrameState
from formcheck.drivers.file import analyse_file
from formcheck.sources.frames import Frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True, help="PNG to write")
    parser.add_argument("--csv", type=Path, help="also write the states as CSV")
    parser.add_argument("--exercise", default="auto")
    args = parser.parse_args()

    states: list[FrameState] = []

    class States:
        def add(self, state: FrameState, events: list[Event], frame: Frame | None) -> None:
            states.append(state)

    report = analyse_file(args.clip, args.exercise, sinks=[States()])
    print(report.verdict)
    if args.csv:
        with args.csv.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["t_s", "phase", "rep", "total_reps", "good_reps", "count_stopped",
                             "signal", *(r.metric for r in states[-1].readouts)])
            for s in states:
                writer.writerow([f"{s.t_s:.3f}", s.phase, s.rep, s.total_reps, s.good_reps,
                                 int(s.count_stopped), f"{s.signal:.2f}",
                                 *(f"{r.value:.2f}" for r in s.readouts)])

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = [s.t_s for s in states]
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(12, 6),
                                      height_ratios=(3, 2))
    top.plot(t, [s.signal for s in states], color="black", lw=1.2, label="primary signal")
    colours = {"rest": None, "recognising": "#dddddd", "no person": "#ffcccc"}
    phases = sorted({s.phase for s in states} - {"rest"})
    palette = ["#cfe8ff", "#ffe3bf", "#c9f0c9", "#e0d0ff", "#fff3a0"]
    for i, phase in enumerate(phases):
        colour = colours.get(phase) or palette[i % len(palette)]
        spans = [(a.t_s, b.t_s) for a, b in itertools.pairwise(states)
                 if a.phase == phase]
        for n, (a, b) in enumerate(spans):
            top.axvspan(a, b, color=colour, lw=0, label=phase if n == 0 else None)
    for graded in report.reps:
        colour = "green" if graded.good else "red"
        top.axvline(graded.rep.end_s, color=colour, lw=0.8, ls="--")
    top.set_ylabel("signal (deg)")
    top.legend(loc="upper right", fontsize=8)
    top.set_title(f"{args.clip.name}: {report.verdict}", fontsize=9)
    bottom.step(t, [s.total_reps for s in states], where="post", label="reps finished")
    bottom.step(t, [s.good_reps for s in states], where="post", label="good reps (count)")
    bottom.step(t, [s.rep for s in states], where="post", ls=":", label="current rep")
    stopped = [s.t_s for s in states if s.count_stopped]
    if stopped:
        bottom.axvline(stopped[0], color="red", lw=1, label="count stopped")
    bottom.set_xlabel("time (s)")
    bottom.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print(f"-> {args.output}")


if __name__ == "__main__":
    main()
