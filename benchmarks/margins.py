"""How well formcheck reads each check's metric, by the camera's angle: the data behind the
checks' margins (issue 21), measured on rendered clips whose truth is exact.

For every clip of the given splits (each a folder written by ``formcheck render``, with its
pose recordings saved by ``benchmarks/cache_poses.py`` or ``SPLIT/poses/*.npz``), it grades
the recording as ``formcheck analyse`` grades the clip, matches each graded rep to its
label by time, and compares:

- the camera's estimated angles (the report's ``camera``) with the spec's true camera
  (azimuth from side-on, elevation), by view;
- each checked metric's reading with the rep's true value from the renderer's own
  measurement of the posed skeleton. Two metrics are read in the picture on a smaller
  scale than their truth (the hip line's turn from behind, the pelvis's tilt in an oblique
  picture: the picture shows a part of the true rotation); their truth is first scaled by
  the gain that fits the readings best (least squares through zero, in the views named in
  ``GAIN_VIEWS``), and that gain is printed. Rep lengths are timed differently by the rep
  engine (from leaving rest to 35% of the way back, with no hold at the top) and by the
  renderer (the whole movement, holds included): the rep engine reads about 0.8 of the
  renderer's length on long and short reps alike, side-on, so their truth is scaled the
  same way, with the gain fitted side-on (the view the tempo limits were tuned in); a
  view that times reps differently shows it as error.

It prints the camera-angle errors and, per metric, the 90th percentile of the absolute
error over the reps filmed from the views some check reads the metric in, in bins of the
*estimated* angle from side-on (what a margin is looked up by, so the
angle's own error is folded in), as ``measured_on_tuning(...)`` tables for the exercise modules.

    python benchmarks/margins.py SPLIT [SPLIT ...] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.devtools.synth.spec import load_spec
from formcheck.drivers.file import analyse_recording
from formcheck.exercises import EXERCISES
from formcheck.exercises.base import MARGIN_BINS_DEG
from formcheck.pose.series import PoseRecording

#: The angle bins (upper edges, degrees from side-on) of the error tables.
BINS = MARGIN_BINS_DEG
#: Fewer reps than this in a bin: no margin is given there (the worst measured one is used).
MIN_REPS = 5
#: metric -> (the label's truth key, how the reading relates to it: "same" scale, "scaled"
#: (the reading is on another scale than the truth: a gain is fitted), "pace" (the truth is
#: the rep's true length over the median true length of the earlier reps, as the check
#: reads it))
TRUTH = {
    "sldl": {
        "stance_knee_flexion_img_deg": ("stance_knee_flexion_bottom_deg", "same"),
        "hips_shoulders_tilt_img_deg": ("pelvis_rotation_deg", "scaled"),
        "leg_trunk_angle_deg": ("leg_below_trunk_deg", "same"),
        "free_foot_down_s": ("free_foot_touch_s", "same"),
        "trunk_incl_bottom_deg": ("trunk_from_vertical_deg", "same"),
        "rep_duration_s": ("duration_s", "scaled"),
        "pace_vs_earlier_reps": ("duration_s", "pace"),
    },
    "bridge": {
        "hip_angle_top_deg": ("shoulder_hip_knee_deg", "same"),
        "knee_angle_top_deg": ("knee_angle_deg", "same"),
        "pelvis_tilt_change_img_deg": ("pelvic_drop_deg", "scaled"),
        "rep_duration_s": ("duration_s", "scaled"),
    },
}


#: The views a scaled metric's gain is fitted in: where its check reads it (elsewhere the
#: picture shows something else: the hip line seen side-on does not show hip opening).
GAIN_VIEWS = {"hips_shoulders_tilt_img_deg": ("rear",),
              "pelvis_tilt_change_img_deg": ("oblique",),
              "rep_duration_s": ("side",)}


def true_camera(spec_path: Path) -> tuple[float, float]:
    """The spec's camera: degrees from side-on (0-90) and elevation."""
    camera = load_spec(spec_path).camera
    azimuth = (camera.azimuth_deg + 180.0) % 360.0 - 180.0
    return abs(90.0 - abs(azimuth)), camera.elevation_deg


def measured_in(exercise: str, metric: str) -> set[str]:
    """The views in which some check of ``exercise`` reads ``metric`` (too coarse there or
    not: the table says how coarse)."""
    return {view.value for check in EXERCISES[exercise].checks if check.metric == metric
            for view in check.views}


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def collect(splits: list[Path]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per clip: the camera, true and estimated; per matched rep and metric: the reading,
    its truth and the estimated angle."""
    cameras, readings = [], []
    for split in splits:
        labels = json.loads((split / "labels.json").read_text(encoding="utf-8"))
        for clip in labels["clips"]:
            poses = split / "poses" / (Path(clip["file"]).stem + ".npz")
            if not poses.is_file():
                continue
            report = analyse_recording(PoseRecording.load_npz(poses), clip.get("analyse_as",
                                                                                "auto"))
            off_side, elevation = true_camera((split / clip["spec"]).resolve())
            estimated = report.camera
            cameras.append({"split": split.name, "clip": clip["file"],
                            "exercise": clip["exercise"], "view": clip["view"],
                            "true_off_side": off_side, "true_elevation": elevation,
                            "off_side": estimated.off_side_deg,
                            "elevation": estimated.elevation_deg,
                            "confidence": estimated.confidence,
                            "graded_as": report.exercise})
            if report.exercise != clip["exercise"]:
                continue
            for n, label in enumerate(clip["reps"]):
                span = (label["start_s"], label["end_s"])
                graded = max(report.reps, key=lambda g: _overlap(span, (g.rep.start_s,
                                                                        g.rep.end_s)),
                             default=None)
                if graded is None or _overlap(span, (graded.rep.start_s,
                                                     graded.rep.end_s)) <= 0:
                    continue
                for metric, (key, relation) in TRUTH[clip["exercise"]].items():
                    value = graded.metrics.get(metric)
                    truth = label["measured"].get(key)
                    if relation == "pace":
                        earlier = [r["measured"][key] for r in clip["reps"][:n]]
                        truth = truth / float(np.median(earlier)) if len(earlier) >= 2 \
                            and truth is not None else None
                    if value is None or truth is None or not math.isfinite(value):
                        continue
                    readings.append({"exercise": clip["exercise"], "metric": metric,
                                     "view": clip["view"], "value": value, "truth": truth,
                                     "relation": relation,
                                     "off_side": estimated.off_side_deg,
                                     "true_off_side": off_side,
                                     "faults": [f["code"] for f in label["faults"]]})
    return cameras, readings


def camera_table(cameras: list[dict[str, Any]]) -> list[str]:
    """Markdown rows: the camera-angle error by exercise and view."""
    rows = ["| exercise, view | clips | off side: median abs error | 90th pct | elevation:"
            " median abs error | 90th pct | mean confidence |", "| --- | --- | --- | --- | ---"
            " | --- | --- |"]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for c in cameras:
        if math.isfinite(c["off_side"]):
            groups[(c["exercise"], c["view"])].append(c)
    for (exercise, view), group in sorted(groups.items()):
        az = np.abs([c["off_side"] - c["true_off_side"] for c in group])
        el = np.abs([c["elevation"] - c["true_elevation"] for c in group])
        rows.append(f"| {exercise} {view} | {len(group)} | {np.median(az):.1f} |"
                    f" {np.percentile(az, 90):.1f} | {np.median(el):.1f} |"
                    f" {np.percentile(el, 90):.1f} |"
                    f" {np.mean([c['confidence'] for c in group]):.2f} |")
    return rows


def error_tables(readings: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (exercise, metric): the gain (scaled metrics) and the P90 of |error| by bin."""
    tables = {}
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in readings:
        if r["view"] in measured_in(r["exercise"], r["metric"]):
            groups[(r["exercise"], r["metric"])].append(r)
    for key, group in sorted(groups.items()):
        value = np.array([r["value"] for r in group])
        truth = np.array([r["truth"] for r in group])
        gain = 1.0
        fit = np.array([r["view"] in GAIN_VIEWS.get(key[1], ()) for r in group])
        if group[0]["relation"] == "scaled" and truth[fit].any():
            gain = float(np.dot(value[fit], truth[fit]) / np.dot(truth[fit], truth[fit]))
        error = np.abs(value - gain * truth)
        angle = np.array([r["off_side"] for r in group])
        p90, counts = [], []
        low = -math.inf
        for edge in BINS:
            inside = (angle > low) & (angle <= edge) if math.isfinite(low) else (angle <= edge)
            low = edge
            counts.append(int(inside.sum()))
            p90.append(float(np.percentile(error[inside], 90)) if inside.sum() >= MIN_REPS
                       else math.nan)
        tables[key] = {"gain": gain, "p90": p90, "reps": counts,
                       "n": len(group), "widest_deg": float(np.nanmax(angle)),
                       "views": sorted({r["view"] for r in group})}
    return tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("splits", nargs="+", type=Path)
    parser.add_argument("--json", type=Path, help="also write the raw readings here")
    options = parser.parse_args()
    cameras, readings = collect(options.splits)
    if options.json:
        options.json.write_text(json.dumps({"cameras": cameras, "readings": readings},
                                           indent=1))
    print("\n".join(camera_table(cameras)))
    print()
    print(f"# measured on {', '.join(s.name for s in options.splits)},"
          f" {date.today().isoformat()}")
    for (exercise, metric), table in error_tables(readings).items():
        p90 = ", ".join("NAN" if math.isnan(p) else f"{p:.2f}" for p in table["p90"])
        how = ""
        if table["gain"] != 1.0:
            how = f", the truth scaled by {table['gain']:.2f}"
        gain = f", truth_gain={table['gain']:.2f}" if table["gain"] != 1.0 else ""
        print(f"# {exercise} {metric}: {table['n']} reps{how}, read in"
              f" {', '.join(table['views'])} views, at most {table['widest_deg']:.0f} degrees"
              " off side-on")
        print(f"measured_on_tuning(({p90}), {tuple(table['reps'])}{gain})")


if __name__ == "__main__":
    main()
