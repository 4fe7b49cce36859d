"""The analysis report: one object for the terminal, JSON, batch results and evaluation.

A report can be kept and read back: :meth:`Report.to_dict` gives the
``formcheck.report/1`` JSON object and :meth:`Report.from_dict` rebuilds the same
report from it (``Report.from_dict(r.to_dict()) == r``). Numbers are written at
full precision for that reason. Its provenance says what produced it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from formcheck import __version__
from formcheck.analysis.grading import (
    Borderline,
    Fault,
    GradedRep,
    SetSummary,
    Uncertain,
    first_bad_rep,
    good_before_stop,
)
from formcheck.analysis.outcome import Glance, glance
from formcheck.exercises import View, check_label, title_of
from formcheck.signals.camera import UNKNOWN as UNKNOWN_CAMERA
from formcheck.signals.camera import CameraAngle
from formcheck.signals.reps import Rep
from formcheck.sources.frames import VideoInfo

SCHEMA = "formcheck.report/1"

Variant = Literal["double", "single_leg"]
#: The working leg of single-leg work: the stance leg of a deadlift, the working leg of a
#: single-leg bridge (the person's own left or right).
Side = Literal["left", "right"]
#: Side names by :attr:`formcheck.exercises.Setup.working_side` (0 left, 1 right).
SIDES: tuple[Side, Side] = ("left", "right")


class Status(StrEnum):
    """Whether the clip was graded. (A ``--json`` run that failed prints an error object
    with status ``error`` instead of a report: see :func:`error_dict`.)"""

    GRADED = "graded"
    UNGRADABLE = "ungradable"


#: The status of the error object printed instead of a report.
ERROR_STATUS = "error"


@dataclass(frozen=True)
class ReportWarning:
    """Something about the clip that may make the grade less trustworthy.

    Attributes:
        code: What kind (``truncated``, ``cut``, ``person_left``, ...; see
            :mod:`formcheck.analysis.watch`), a contract: never renamed.
        message: One line for the user, saying what to do where it can.
        at_s: When it happened in the clip, seconds, or None when it concerns the whole
            clip.
        reps: 1-based indices of the reps it touches (overlapping its time).
    """

    code: str
    message: str
    at_s: float | None = None
    reps: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "at_s": self.at_s,
                "reps": list(self.reps)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportWarning:
        at_s = data.get("at_s")
        return cls(data["code"], data["message"], None if at_s is None else float(at_s),
                   tuple(int(r) for r in data.get("reps", [])))


def error_dict(code: str, message: str) -> dict[str, Any]:
    """The JSON object ``--json`` prints instead of a report when a run fails (schema
    ``formcheck.report/1``, status ``error``)."""
    return {"schema": SCHEMA, "status": ERROR_STATUS, "error": {"code": code, "message": message}}


@dataclass(frozen=True)
class Provenance:
    """What produced a report.

    Attributes:
        formcheck_version: The formcheck package version.
        model: Pose model file name (empty when unknown).
        model_sha256: sha256 of the pose model file, or None when unknown.
        settings_digest: sha256 of the session settings, rep engine settings, every
            check's limit and the grading modules' source (see
            :func:`formcheck.analysis.session.settings_digest`).
        source_sha256: sha256 of the graded file (the video, or the video a saved pose
            recording was made from), or None for a camera.
    """

    formcheck_version: str = __version__
    model: str = ""
    model_sha256: str | None = None
    settings_digest: str = ""
    source_sha256: str | None = None


@dataclass(frozen=True)
class Report:
    """What formcheck says about one clip.

    Attributes:
        status: Graded, or ungradable with a reason.
        video: The clip's description.
        exercise: An exercise name (``sldl``, ``bridge``), or ``other``.
        reason: Why the clip could not be graded (with what to do), when ungradable.
        variant: ``single_leg`` or ``double`` for bridges.
        side: The working leg of single-leg work (``left`` or ``right``, the person's own),
            fixed on the first rep for the whole clip; None when both legs work (a
            double-leg bridge) or nothing was graded. Added to ``formcheck.report/1``
            after its release: a report without it reads as None.
        view: The camera view, or None.
        seen: What recognition saw, in plain language.
        reps: Graded reps in order.
        sets: Set summaries.
        skipped_checks: ``(code, reason)`` of checks the view cannot support.
        filming_advice: How to film next time to get the skipped checks.
        prescription: Where the user stands against the coaching prescription.
        detection_rate: Share of frames with a person.
        provenance: What produced the report.
        warnings: What may make the grade less trustworthy (a cut-off file, scene cuts,
            the person leaving the frame...), in time order.
        not_judged: Codes of the exercise's checks that no camera view can judge yet
            (they are also among ``skipped_checks``, with the reason; no advice can get
            them).
        camera: The camera's angles as estimated from the clip (from side-on, and its
            elevation): the margins of the checks come from it.
    """

    status: Status
    video: VideoInfo
    exercise: str
    reason: str | None = None
    variant: Variant | None = None
    view: View | None = None
    seen: str = ""
    side: Side | None = None
    reps: tuple[GradedRep, ...] = ()
    sets: tuple[SetSummary, ...] = ()
    skipped_checks: tuple[tuple[str, str], ...] = ()
    filming_advice: tuple[str, ...] = ()
    prescription: str = ""
    detection_rate: float = 0.0
    provenance: Provenance = Provenance()
    warnings: tuple[ReportWarning, ...] = ()
    not_judged: tuple[str, ...] = ()
    camera: CameraAngle = UNKNOWN_CAMERA

    def __post_init__(self) -> None:
        # Accept the plain strings of the JSON contract; keep the enums.
        object.__setattr__(self, "status", Status(self.status))
        if self.view is not None:
            object.__setattr__(self, "view", View(self.view))
        if self.variant not in (None, "double", "single_leg"):
            raise ValueError(f"variant: expected double or single_leg, got {self.variant!r}")
        if self.side not in (None, *SIDES):
            raise ValueError(f"side: expected left or right, got {self.side!r}")

    @property
    def graded(self) -> bool:
        return self.status is Status.GRADED

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
    def exercise_title(self) -> str:
        return title_of(self.exercise)

    @property
    def glance(self) -> Glance:
        """The outcome at a glance (:mod:`formcheck.analysis.outcome`)."""
        return glance(self)

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
            near = [r for r in self.reps if r.borderline]
            if not near:
                return f"{good} good rep{plural}: every rep had good form."
            which = ", ".join(str(r.rep.index) for r in near)
            checks = ", ".join(dict.fromkeys(check_label(b.code) for r in near
                                             for b in r.borderline))
            return (f"{good} good rep{plural}, with {len(near)} borderline (rep"
                    f"{'s' if len(near) > 1 else ''} {which}): {checks} read past the limit"
                    " by less than this camera angle's measurement error; see each rep for"
                    " how to film to be sure.")
        fault = self.reps[first_bad - 1].faults[0]
        return (f"{good} good rep{plural}; the count stopped at rep {first_bad}:"
                f" {fault.message}. {fault.cue[:1].upper()}{fault.cue[1:]}.")

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (schema ``formcheck.report/1``)."""
        seen = self.glance
        return {
            "schema": SCHEMA,
            "status": self.status.value,
            **({"reason": self.reason} if self.reason else {}),
            "verdict": self.verdict,
            "video": self.video.to_dict(),
            "exercise": self.exercise,
            "variant": self.variant,
            "side": self.side,
            "view": None if self.view is None else self.view.value,
            "seen": self.seen,
            "total_reps": self.total_reps,
            "good_reps": self.good_reps,
            "first_bad_rep": self.first_bad_rep,
            "reps": [_rep_to_dict(i, r) for i, r in enumerate(self.reps, start=1)],
            "skipped_checks": [{"code": c, "reason": why} for c, why in self.skipped_checks],
            "sets": [
                {"index": s.index, "reps": s.reps, "good_reps": s.good_reps,
                 "start_s": s.start_s, "end_s": s.end_s, "rest_before_s": s.rest_before_s}
                for s in self.sets
            ],
            "filming_advice": list(self.filming_advice),
            "prescription": self.prescription,
            "detection_rate": self.detection_rate,
            "provenance": {
                "formcheck_version": self.provenance.formcheck_version,
                "model": self.provenance.model,
                "model_sha256": self.provenance.model_sha256,
                "settings_digest": self.provenance.settings_digest,
                "source_sha256": self.provenance.source_sha256,
            },
            "warnings": [w.to_dict() for w in self.warnings],
            "not_judged": list(self.not_judged),
            "camera": self.camera.to_dict() if self.camera.frames else None,
            "outcome": seen.outcome.value,
            "banner": seen.banner.value,
            "doubts": list(seen.doubts),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Rebuild a report from :meth:`to_dict`'s output (derived fields are ignored)."""
        if data.get("schema") != SCHEMA:
            raise ValueError(f"not a {SCHEMA} object (schema {data.get('schema')!r})")
        video = data["video"]
        return cls(
            status=Status(data["status"]),
            video=VideoInfo(
                path=video["path"], width=int(video["width"]), height=int(video["height"]),
                fps=float(video["fps"]), duration_s=float(video["duration_s"]),
                frame_count=video.get("frame_count"), codec=video.get("codec", ""),
                rotation_deg=int(video.get("rotation_deg", 0))),
            exercise=data["exercise"],
            reason=data.get("reason"),
            variant=data.get("variant"),
            side=data.get("side"),
            view=None if data.get("view") is None else View(data["view"]),
            seen=data.get("seen", ""),
            reps=tuple(_rep_from_dict(r) for r in data.get("reps", [])),
            sets=tuple(SetSummary(int(s.get("index", i)), int(s["reps"]), int(s["good_reps"]),
                                  float(s["start_s"]), float(s["end_s"]),
                                  None if s["rest_before_s"] is None
                                  else float(s["rest_before_s"]))
                       for i, s in enumerate(data.get("sets", []), start=1)),
            skipped_checks=tuple((c["code"], c["reason"]) for c in data.get("skipped_checks", [])),
            filming_advice=tuple(data.get("filming_advice", [])),
            prescription=data.get("prescription", ""),
            detection_rate=float(data.get("detection_rate", 0.0)),
            provenance=Provenance(**data.get("provenance", {})),
            warnings=tuple(ReportWarning.from_dict(w) for w in data.get("warnings", [])),
            not_judged=tuple(data.get("not_judged", [])),
            camera=(CameraAngle(**data["camera"]) if data.get("camera") else UNKNOWN_CAMERA),
        )


def _rep_to_dict(index: int, graded: GradedRep) -> dict[str, Any]:
    rep = graded.rep
    return {
        "index": index,
        "set": graded.set_index,
        "start_s": rep.start_s,
        "peak_s": rep.peak_s,
        "end_s": rep.end_s,
        "good": graded.good,
        "after_stop": graded.after_stop,
        "ended_by_clip": rep.ended_by_clip,
        "rest_value": rep.rest_value,
        "peak_value": rep.peak_value,
        "faults": [
            {"code": f.code, "value": f.value, "limit": f.limit, "unit": f.unit,
             "at_s": f.at_s, "message": f.message, "cue": f.cue, "margin": f.margin}
            for f in graded.faults
        ],
        "borderline": [
            {"code": b.code, "value": b.value, "limit": b.limit, "unit": b.unit,
             "margin": b.margin, "at_s": b.at_s, "message": b.message, "cue": b.cue}
            for b in graded.borderline
        ],
        "uncertain": [{"code": u.code, "reason": u.reason} for u in graded.uncertain],
        "metrics": dict(sorted(graded.metrics.items())),
        # The interpolated crossings, when the rep engine measured them.
        **({"left_rest_s": rep.left_rest_s} if rep.left_rest_s is not None else {}),
        **({"returned_s": rep.returned_s} if rep.returned_s is not None else {}),
    }


def _number_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def _rep_from_dict(data: dict[str, Any]) -> GradedRep:
    rep = Rep(int(data["index"]), float(data["start_s"]), float(data["peak_s"]),
              float(data["end_s"]), float(data["rest_value"]), float(data["peak_value"]),
              bool(data.get("ended_by_clip", False)),
              left_rest_s=_number_or_none(data.get("left_rest_s")),
              returned_s=_number_or_none(data.get("returned_s")))
    return GradedRep(
        rep=rep,
        faults=tuple(Fault(f["code"], float(f["value"]), float(f["limit"]), f["unit"],
                           float(f["at_s"]), f["message"], f["cue"],
                           float(f.get("margin", 0.0))) for f in data["faults"]),
        borderline=tuple(Borderline(b["code"], float(b["value"]), float(b["limit"]), b["unit"],
                                    float(b["margin"]), float(b["at_s"]), b["message"], b["cue"])
                         for b in data.get("borderline", [])),
        uncertain=tuple(Uncertain(u["code"], u["reason"]) for u in data["uncertain"]),
        metrics={k: float(v) for k, v in data["metrics"].items()},
        set_index=int(data["set"]),
        after_stop=bool(data["after_stop"]),
    )
