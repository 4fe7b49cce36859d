"""Scoring the analyser against labelled clips (`formcheck eval LABELS.json`).

Labels: ``{"clips": [...]}``, each clip with ``file`` (relative to the labels
file), ``exercise`` (``sldl``, ``bridge`` or ``other``), optional ``variant`` and
``view``, ``total_reps``, optional ``accept_total_reps``, ``good_reps``,
``first_bad_rep``, optionally ``analyse_as`` (run with ``--exercise`` forced to it,
as a user following formcheck's advice would; the exercise is then not scored),
and optionally ``reps``: ``[{index, start_s, end_s, faults:
[{code}]}]``. A null label is not scored.

Faults are scored rep by rep: a predicted rep is matched to the labelled rep it
overlaps most in time; a fault code on a matched pair is a true positive when both
carry it. A code whose check the clip's view cannot support (reported as skipped)
is not scored on that clip.

Good-rep counts are scored as the clip's view can show them: when the label names a
view, a labelled fault whose check cannot be made from that view (hip opening filmed
side-on, say) does not stop the labelled count, because the analyser reports that check
as skipped rather than guessing. ``label_good_reps_all`` keeps the count over every fault.
Results are also summarised by labelled view (``by_view``).

A clip that is not graded is scored as wrong on every measure above. So that an honest
refusal is not mistaken for a wrong answer, the summary also says how many clips were
declined naming the labelled exercise (``declined_naming_the_exercise``: "a bridge filmed
from the feet end: the pose model lost the body..."), and how exact the counts were on
the clips graded as the labelled exercise (``..._when_graded``).

A clip that is missing or cannot be analysed (not a video, cut off, too short, over its
time limit) does not stop the evaluation: it is scored as a clip where nothing was
recognised (status ``error``, with ``error`` saying why), and counted in the summary's
``clip_errors``. Only a missing pose model stops it, as it would fail every clip.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formcheck.analysis.grading import applicable
from formcheck.analysis.report import ERROR_STATUS, Report
from formcheck.errors import FormcheckError, InputError, ModelError
from formcheck.exercises import EXERCISES, View

#: ``(clip path, exercise option)`` -> report; the option is ``auto``, ``sldl`` or ``bridge``.
Analyse = Callable[[Path, str], Report]


@dataclass(frozen=True)
class ClipScore:
    """How the analyser did on one clip (None where the label is null)."""

    file: str
    label_exercise: str
    label_view: str | None
    predicted_exercise: str
    status: str
    exercise_ok: bool | None
    total_reps: int
    label_total_reps: int | None
    reps_exact: bool | None
    reps_error: int | None
    good_reps: int
    label_good_reps: int | None
    label_good_reps_all: int | None
    good_exact: bool | None
    clean_clip_faulted: bool | None
    verdict: str
    error: str | None = None
    #: Not graded, the report naming the labelled exercise (None for ``other`` labels).
    declined: bool | None = None
    #: Reps graded with a borderline check (counted as good: a borderline never stops
    #: the count).
    borderline_reps: int = 0
    #: The good-rep count is between the label's (every labelled fault stops the count) and
    #: the count to the first labelled fault clear of its margin (a fault within the margin
    #: graded borderline does not stop it).
    good_within_margins: bool | None = None

    @property
    def graded_right(self) -> bool:
        """Graded as the labelled exercise."""
        return self.predicted_exercise == self.label_exercise != "other"


@dataclass
class FaultCounts:
    """Rep-level matches of one fault code.

    Attributes:
        tp, fp, fn: Faults found, faults on reps labelled without it, labelled faults not
            found as faults.
        clear: Labelled faults whose true value is past the limit by at least the margin
            formcheck applies from the clip's (estimated) camera angle: the ones it must
            find.
        clear_found: Of those, found as faults.
        within_margin: Labelled faults whose true value is past the limit by less than that
            margin: formcheck may call them borderline.
        borderline_on_fault: Labelled faults graded borderline.
        borderline_on_good: Reps labelled without the fault graded borderline on it.
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0
    clear: int = 0
    clear_found: int = 0
    within_margin: int = 0
    borderline_on_fault: int = 0
    borderline_on_good: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Evaluation:
    """All clip scores and per-fault-code counts."""

    labels: str
    clips: list[ClipScore] = field(default_factory=list)
    faults: dict[str, FaultCounts] = field(default_factory=lambda: defaultdict(FaultCounts))
    #: The same counts per labelled exercise and view (``"sldl rear"``).
    faults_by_view: dict[str, dict[str, FaultCounts]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(FaultCounts)))

    def _rate(self, values: list[bool | None]) -> dict[str, Any]:
        scored = [v for v in values if v is not None]
        return {"ok": sum(scored), "of": len(scored),
                "rate": round(sum(scored) / len(scored), 4) if scored else None}

    def summary(self, clips: list[ClipScore] | None = None) -> dict[str, Any]:
        clips = self.clips if clips is None else clips
        errors = [c.reps_error for c in clips if c.reps_error is not None]
        return {
            "clips": len(clips),
            "clip_errors": sum(c.status == ERROR_STATUS for c in clips),
            "exercise_recognised": self._rate([c.exercise_ok for c in clips]),
            "rep_count_exact": self._rate([c.reps_exact for c in clips]),
            "rep_count_mean_abs_error": round(sum(errors) / len(errors), 3) if errors else None,
            "good_reps_exact": self._rate([c.good_exact for c in clips]),
            "good_reps_right_within_margins": self._rate([c.good_within_margins
                                                          for c in clips]),
            "clean_clips_with_a_fault": self._rate([c.clean_clip_faulted for c in clips]),
            "other_not_graded": self._rate([c.predicted_exercise == "other" for c in clips
                                            if c.label_exercise == "other"]),
            "declined_naming_the_exercise": self._rate([c.declined for c in clips]),
            "rep_count_exact_when_graded": self._rate([c.reps_exact for c in clips
                                                       if c.graded_right]),
            "good_reps_exact_when_graded": self._rate([c.good_exact for c in clips
                                                       if c.graded_right]),
            "borderline_reps": sum(c.borderline_reps for c in clips),
        }

    def by_view(self) -> dict[str, dict[str, Any]]:
        """The summary of the clips of each labelled exercise and view."""
        groups: dict[str, list[ClipScore]] = defaultdict(list)
        for clip in self.clips:
            if clip.label_exercise != "other" and clip.label_view is not None:
                groups[f"{clip.label_exercise} {clip.label_view}"].append(clip)
        return {name: self.summary(group) for name, group in sorted(groups.items())}

    def fault_summary(self) -> dict[str, Any]:
        """Over every fault code: clear faults found (the labelled faults past the limit by
        at least the margin), faults on reps labelled without them (false faults), and the
        borderlines, on labelled faults and on reps labelled good."""
        counts = list(self.faults.values())
        clear, found = sum(c.clear for c in counts), sum(c.clear_found for c in counts)
        return {
            "clear_faults_found": {"ok": found, "of": clear,
                                   "rate": round(found / clear, 4) if clear else None},
            "false_faults": sum(c.fp for c in counts),
            "faults_within_margin": sum(c.within_margin for c in counts),
            "borderline_on_faults": sum(c.borderline_on_fault for c in counts),
            "borderline_on_good_reps": sum(c.borderline_on_good for c in counts),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "formcheck.eval/1",
            "labels": self.labels,
            "summary": self.summary(),
            "fault_summary": self.fault_summary(),
            "by_view": self.by_view(),
            "faults": _counts_dict(self.faults),
            "faults_by_view": {view: _counts_dict(counts)
                               for view, counts in sorted(self.faults_by_view.items())},
            "clips": [c.__dict__ for c in self.clips],
        }


def _counts_dict(faults: dict[str, FaultCounts]) -> dict[str, dict[str, Any]]:
    return {
        code: {"tp": c.tp, "fp": c.fp, "fn": c.fn,
               "precision": None if c.precision is None else round(c.precision, 4),
               "recall": None if c.recall is None else round(c.recall, 4),
               "f1": None if c.f1 is None else round(c.f1, 4),
               "clear": c.clear, "clear_found": c.clear_found,
               "within_margin": c.within_margin, "borderline_on_fault": c.borderline_on_fault,
               "borderline_on_good": c.borderline_on_good}
        for code, c in sorted(faults.items())
    }


def load_labels(path: Path) -> list[dict[str, Any]]:
    """The clips of a labels file, with a clear error for a malformed one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read labels {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("clips"), list):
        raise InputError(f'{path}: expected a JSON object {{"clips": [...]}}')
    for i, clip in enumerate(data["clips"]):
        if not isinstance(clip, dict) or "file" not in clip or "exercise" not in clip:
            raise InputError(f"{path}: clip {i + 1} needs at least 'file' and 'exercise'")
    return data["clips"]


def _view_of(clip: dict[str, Any]) -> View | None:
    """The clip's labelled view when it is one formcheck knows (real clips use free text)."""
    try:
        return View(str(clip.get("view")))
    except ValueError:
        return None


def visible_good_reps(clip: dict[str, Any], clear_from_deg: float | None = None) -> int | None:
    """Good reps before the first labelled fault that the clip's view can show; with
    ``clear_from_deg`` (the camera's estimated angle from side-on), before the first such
    fault that is also past its limit by the margin from there (a fault within the margin
    may be graded borderline, which does not stop the count)."""
    view, exercise = _view_of(clip), EXERCISES.get(clip["exercise"])
    reps = clip.get("reps")
    if view is None or exercise is None or reps is None:
        return clip.get("good_reps")
    shown = {check.code for check in applicable(exercise.checks, view)}

    def stops(fault: dict[str, Any]) -> bool:
        if fault["code"] not in shown:
            return False
        return clear_from_deg is None or _clear(
            fault["code"], (fault.get("magnitude"), fault.get("unit")), clear_from_deg) is not False

    ordered = sorted(reps, key=lambda rep: rep["index"])
    return next((n for n, rep in enumerate(ordered)
                 if any(stops(f) for f in rep.get("faults", []))), len(ordered))


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def _clear(code: str, magnitude: tuple[float | None, str | None],
           off_side_deg: float) -> bool | None:
    """Whether a labelled fault of true value and unit ``magnitude`` is past one of its
    checks' limits in that unit by at least the margin formcheck applies from
    ``off_side_deg`` (None: no magnitude). A code may have several checks: two limits (feet
    too far, too close), or a rep's length and its pace against the earlier reps, which
    a label's value in seconds is not compared with."""
    value, unit = magnitude
    exercise = EXERCISES.get(code.split(".", 1)[0])
    checks = [c for c in exercise.checks if c.code == code and unit in (None, c.unit)] \
        if exercise else []
    if not checks or value is None:
        return None
    return any(check.excess((check.error.truth_gain if check.error else 1.0) * float(value))
               >= check.margin(off_side_deg) for check in checks)


def score_faults(report: Report, labelled_reps: list[dict[str, Any]],
                 counts: dict[str, FaultCounts]) -> None:
    """Add one clip's rep-level fault matches to ``counts``."""
    skipped = {code for code, _ in report.skipped_checks}
    predicted = [((r.rep.start_s, r.rep.end_s), {f.code for f in r.faults}) for r in report.reps]
    near = [{b.code for b in r.borderline} for r in report.reps]
    truth = [((float(r["start_s"]), float(r["end_s"])),
              {f["code"] for f in r.get("faults", [])}) for r in labelled_reps]
    magnitudes = [{f["code"]: (f.get("magnitude"), f.get("unit")) for f in r.get("faults", [])}
                  for r in labelled_reps]
    angle = report.camera.off_side_deg
    matched_truth: dict[int, int] = {}
    for p_index, (span, _) in enumerate(predicted):
        overlaps = [(_overlap(span, t_span), t_index) for t_index, (t_span, _) in enumerate(truth)
                    if t_index not in matched_truth.values()]
        best = max(overlaps, default=(0.0, -1))
        if best[0] > 0:
            matched_truth[p_index] = best[1]
    for p_index, (_, p_codes) in enumerate(predicted):
        t_index = matched_truth.get(p_index)
        t_codes = truth[t_index][1] if t_index is not None else set()
        for code in (p_codes | t_codes | near[p_index]) - skipped:
            if code in t_codes:
                _count_labelled(counts[code], code in p_codes, code in near[p_index],
                                _clear(code, magnitudes[t_index][code], angle)
                                if t_index is not None else None)
            elif code in p_codes:
                counts[code].fp += 1
            elif code in near[p_index]:
                counts[code].borderline_on_good += 1
    for t_index, (_, t_codes) in enumerate(truth):
        if t_index not in matched_truth.values():
            for code in t_codes - skipped:
                _count_labelled(counts[code], False, False,
                                _clear(code, magnitudes[t_index][code], angle))


def _count_labelled(counts: FaultCounts, found: bool, borderline: bool,
                    clear: bool | None) -> None:
    """Count one labelled fault: found as a fault or not, graded borderline or not, clear
    of the margin or within it (None: unknown, counted as clear)."""
    if found:
        counts.tp += 1
    else:
        counts.fn += 1
    if borderline:
        counts.borderline_on_fault += 1
    if clear is False:
        counts.within_margin += 1
    else:
        counts.clear += 1
        counts.clear_found += int(found)


def evaluate(labels_path: Path, analyse: Analyse,
             on_clip: Callable[[ClipScore], None] | None = None) -> Evaluation:
    """Run ``analyse`` on every labelled clip and score it."""
    clips = load_labels(labels_path)
    evaluation = Evaluation(str(labels_path))
    for clip in clips:
        path = labels_path.parent / clip["file"]
        forced = clip.get("analyse_as")
        error: str | None = None
        report: Report | None = None
        if not path.is_file():
            error = f"clip {clip['file']} not found at {path}"
        else:
            try:
                report = analyse(path, forced or "auto")
            except ModelError:
                raise
            except FormcheckError as exc:
                error = str(exc)
        if report is None:
            score = _error_score(clip, forced, error or "not analysed")
            evaluation.clips.append(score)
            if on_clip is not None:
                on_clip(score)
            continue
        label_exercise = clip["exercise"]
        predicted = report.exercise if report.graded else "other"
        accept = clip.get("accept_total_reps")
        label_total = clip.get("total_reps")
        scores_reps = label_exercise != "other" and (label_total is not None or accept)
        reps_exact = None
        if scores_reps:
            allowed = set(accept) if accept else {label_total}
            reps_exact = report.total_reps in allowed
        label_good = visible_good_reps(clip)
        label_good_clear = visible_good_reps(clip, report.camera.off_side_deg)
        all_good = label_good is not None and label_total is not None and label_good == label_total
        score = ClipScore(
            file=clip["file"],
            label_exercise=label_exercise,
            label_view=clip.get("view"),
            predicted_exercise=predicted,
            status=report.status,
            exercise_ok=None if forced else predicted == label_exercise,
            total_reps=report.total_reps,
            label_total_reps=label_total,
            reps_exact=reps_exact,
            reps_error=(abs(report.total_reps - label_total)
                        if scores_reps and label_total is not None else None),
            good_reps=report.good_reps,
            label_good_reps=label_good,
            label_good_reps_all=clip.get("good_reps"),
            good_exact=(report.good_reps == label_good
                        if label_good is not None and label_exercise != "other" else None),
            clean_clip_faulted=(any(not r.good for r in report.reps) if all_good else None),
            verdict=report.verdict,
            declined=(None if label_exercise == "other"
                      else not report.graded and report.exercise == label_exercise),
            borderline_reps=sum(1 for r in report.reps if r.borderline),
            good_within_margins=(label_good <= report.good_reps <= label_good_clear
                                 if label_good is not None and label_good_clear is not None
                                 and label_exercise != "other" else None),
        )
        if clip.get("reps") is not None and label_exercise != "other":
            score_faults(report, clip["reps"], evaluation.faults)
            if clip.get("view") is not None:
                score_faults(report, clip["reps"],
                             evaluation.faults_by_view[f"{label_exercise} {clip['view']}"])
        evaluation.clips.append(score)
        if on_clip is not None:
            on_clip(score)
    return evaluation


def _error_score(clip: dict[str, Any], forced: str | None, error: str) -> ClipScore:
    """A clip that could not be analysed, scored as one where nothing was recognised."""
    label_exercise = clip["exercise"]
    label_total = clip.get("total_reps")
    accept = clip.get("accept_total_reps")
    label_good = visible_good_reps(clip)
    scores_reps = label_exercise != "other" and (label_total is not None or bool(accept))
    allowed = set(accept) if accept else {label_total}
    return ClipScore(
        file=clip["file"], label_exercise=label_exercise, label_view=clip.get("view"),
        predicted_exercise="other",
        status=ERROR_STATUS, exercise_ok=None if forced else label_exercise == "other",
        total_reps=0, label_total_reps=label_total,
        reps_exact=(0 in allowed) if scores_reps else None,
        reps_error=label_total if scores_reps and label_total is not None else None,
        good_reps=0, label_good_reps=label_good, label_good_reps_all=clip.get("good_reps"),
        good_exact=(label_good == 0 if label_good is not None and label_exercise != "other"
                    else None),
        clean_clip_faulted=None, verdict=f"Not analysed: {error}", error=error,
        declined=None if label_exercise == "other" else False)
