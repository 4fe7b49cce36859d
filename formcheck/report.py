"""The analysis report: one object for the terminal, JSON, batch results and evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from formcheck.grading import GradedRep, SetSummary, first_bad_rep, good_before_stop
from formcheck.video import VideoInfo

SCHEMA = "formcheck.report/1"


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


@dataclass(frozen=True)
class Report:
    """What formcheck says about one clip.

    Attributes:
        status: ``graded`` or ``ungradable``.
        reason: Why the clip could not be graded (with what to do), when ungradable.
        video: The clip's description.
        exercise: ``sldl``, ``bridge`` or ``other``.
        variant: ``single_leg`` or ``double`` for bridges.
        view: Camera view name, or None.
        seen: What recognition saw, in plain language.
        reps: Graded reps in order.
        sets: Set summaries.
        skipped_checks: ``(code, reason)`` of checks the view cannot support.
        filming_advice: How to film next time to get the skipped checks.
        prescription: Where the user stands against the coaching prescription.
        detection_rate: Share of frames with a person.
    """

    status: str
    video: VideoInfo
    exercise: str
    reason: str | None = None
    variant: str | None = None
    view: str | None = None
    seen: str = ""
    reps: tuple[GradedRep, ...] = ()
    sets: tuple[SetSummary, ...] = ()
    skipped_checks: tuple[tuple[str, str], ...] = ()
    filming_advice: tuple[str, ...] = ()
    prescription: str = ""
    detection_rate: float = 0.0

    @property
    def graded(self) -> bool:
        return self.status == "graded"

    @property
    def total_reps(self) -> int:
        return len(self.reps)

    @property
    def first_bad_rep(self) -> int | None:
        return first_bad_rep(self.reps)

    @property
    def good_reps(self) -> int:
        return good_before_stop(self.reps)

    @property
    def verdict(self) -> str:
        """One sentence: the count, and why it stopped."""
        if not self.graded:
            return f"Not graded: {self.reason}"
        if not self.reps:
            return f"No complete {self.exercise_title} rep was found."
        good = self.good_reps
        plural = "s" if good != 1 else ""
        first_bad = self.first_bad_rep
        if first_bad is None:
            return f"{good} good rep{plural}: every rep had good form."
        fault = self.reps[first_bad - 1].faults[0]
        return (f"{good} good rep{plural}; the count stopped at rep {first_bad}:"
                f" {fault.message}. {fault.cue[:1].upper()}{fault.cue[1:]}.")

    @property
    def exercise_title(self) -> str:
        return {"sldl": "single-leg deadlift", "bridge": "glute bridge"}.get(
            self.exercise, self.exercise)

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (schema ``formcheck.report/1``)."""
        video = self.video
        return {
            "schema": SCHEMA,
            "status": self.status,
            **({"reason": self.reason} if self.reason else {}),
            "verdict": self.verdict,
            "video": {"path": video.path, "duration_s": _r(video.duration_s),
                      "fps": _r(video.fps), "width": video.width, "height": video.height},
            "exercise": self.exercise,
            "variant": self.variant,
            "view": self.view,
            "seen": self.seen,
            "total_reps": self.total_reps,
            "good_reps": self.good_reps,
            "first_bad_rep": self.first_bad_rep,
            "reps": [
                {
                    "index": i + 1,
                    "set": r.set_index,
                    "start_s": _r(r.rep.start_s),
                    "peak_s": _r(r.rep.peak_s),
                    "end_s": _r(r.rep.end_s),
                    "good": r.good,
                    "after_stop": r.after_stop,
                    "faults": [
                        {"code": f.code, "value": _r(f.value, 2), "limit": f.limit,
                         "unit": f.unit, "at_s": _r(f.at_s), "message": f.message,
                         "cue": f.cue}
                        for f in r.faults
                    ],
                    "uncertain": [{"code": u.code, "reason": u.reason} for u in r.uncertain],
                    "metrics": {k: _r(v, 2) for k, v in sorted(r.metrics.items())},
                }
                for i, r in enumerate(self.reps)
            ],
            "skipped_checks": [{"code": c, "reason": why} for c, why in self.skipped_checks],
            "sets": [
                {"reps": s.reps, "good_reps": s.good_reps, "start_s": _r(s.start_s),
                 "end_s": _r(s.end_s), "rest_before_s": _r(s.rest_before_s)}
                for s in self.sets
            ],
            "filming_advice": list(self.filming_advice),
            "prescription": self.prescription,
            "detection_rate": _r(self.detection_rate),
        }
