"""A coach's review of a graded clip: per rep, agree with formcheck or override it, and the
count that follows (it still stops at the first bad rep, with the coach's verdicts).

Works on the ``formcheck.report/1`` dict, so a stored report can be reviewed without the
clip. A rep's verdict is one of:

- ``agree``: formcheck's grade stands (its faults, or good);
- ``good``: good, whatever formcheck said;
- ``bad``: bad, with one fault code from that exercise's checks;
- ``borderline``: not a fault (it does not stop the count), but close to one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from formcheck.exercises import EXERCISES

VERDICTS = ("agree", "good", "bad", "borderline")
#: Longest note, characters.
MAX_NOTE_CHARS = 2000


class ReviewError(ValueError):
    """A review that cannot be kept (an unknown verdict or fault code, a rep that does not
    exist): the message says which."""


@dataclass(frozen=True)
class RepReview:
    """The coach's word on one rep (1-based ``index``)."""

    index: int
    verdict: str = "agree"
    fault: str | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "verdict": self.verdict, "fault": self.fault,
                "note": self.note}


@dataclass(frozen=True)
class FinalRep:
    """A rep as it stands after the review."""

    index: int
    good: bool
    faults: tuple[str, ...]
    borderline: bool
    changed: bool
    note: str
    start_s: float
    end_s: float

    @property
    def label(self) -> str:
        if self.borderline:
            return "borderline (not counted as a fault)"
        if self.good:
            return "good"
        return "bad: " + ", ".join(code.split(".", 1)[-1].replace("_", " ")
                                   for code in self.faults)


@dataclass(frozen=True)
class Corrected:
    """The count with the coach's verdicts."""

    total_reps: int
    good_reps: int
    first_bad_rep: int | None
    reps: tuple[FinalRep, ...]

    @property
    def verdict(self) -> str:
        plural = "" if self.good_reps == 1 else "s"
        if self.first_bad_rep is None:
            return f"{self.good_reps} good rep{plural}: every rep was good."
        bad = self.reps[self.first_bad_rep - 1]
        return (f"{self.good_reps} good rep{plural}; the count stopped at rep"
                f" {self.first_bad_rep} ({bad.label}).")


def fault_codes(exercise: str) -> tuple[str, ...]:
    """The fault codes a coach may give a rep of ``exercise``."""
    found = EXERCISES.get(exercise)
    return tuple(check.code for check in found.checks) if found else ()


def check_reps(report: dict[str, Any], reps: list[RepReview]) -> tuple[RepReview, ...]:
    """The reps of a review, checked against the report (the exercise's codes, the rep
    indexes), one per rep in order (a rep not given is ``agree``).

    Raises:
        ReviewError: a verdict, fault code or rep index that does not fit.
    """
    total = len(report.get("reps") or [])
    codes = fault_codes(str(report.get("exercise")))
    given: dict[int, RepReview] = {}
    for rep in reps:
        if not 1 <= rep.index <= total:
            raise ReviewError(f"rep {rep.index} is not one of the clip's {total} reps")
        if rep.verdict not in VERDICTS:
            raise ReviewError(f"verdict {rep.verdict[:20]!r} is not one of"
                              f" {', '.join(VERDICTS)}")
        if rep.verdict == "bad":
            if rep.fault not in codes:
                raise ReviewError(f"rep {rep.index}: a bad rep needs a fault code, one of"
                                  f" {', '.join(codes)}")
        elif rep.fault is not None:
            rep = RepReview(rep.index, rep.verdict, None, rep.note)
        if len(rep.note) > MAX_NOTE_CHARS:
            raise ReviewError(f"rep {rep.index}: the note is longer than {MAX_NOTE_CHARS}"
                              " characters")
        given[rep.index] = rep
    return tuple(given.get(i, RepReview(i)) for i in range(1, total + 1))


def corrected(report: dict[str, Any], reps: tuple[RepReview, ...]) -> Corrected:
    """The count with the coach's verdicts: good reps before the first bad one."""
    final = []
    for graded, review in zip(report.get("reps") or [], reps, strict=True):
        own_faults = tuple(f["code"] for f in graded.get("faults") or [])
        if review.verdict == "agree":
            good, faults, borderline = bool(graded.get("good")), own_faults, False
        elif review.verdict == "bad":
            good, faults, borderline = False, (str(review.fault),), False
        else:
            good, faults, borderline = True, (), review.verdict == "borderline"
        changed = review.verdict != "agree" and (good != bool(graded.get("good"))
                                                 or faults != own_faults or borderline)
        final.append(FinalRep(index=review.index, good=good, faults=faults,
                              borderline=borderline, changed=changed, note=review.note,
                              start_s=float(graded["start_s"]), end_s=float(graded["end_s"])))
    first_bad = next((rep.index for rep in final if not rep.good), None)
    good_reps = len(final) if first_bad is None else first_bad - 1
    return Corrected(total_reps=len(final), good_reps=good_reps, first_bad_rep=first_bad,
                     reps=tuple(final))


def reps_to_json(reps: tuple[RepReview, ...]) -> str:
    return json.dumps([rep.to_dict() for rep in reps])


def reps_from_json(text: str) -> tuple[RepReview, ...]:
    return tuple(RepReview(index=int(r["index"]), verdict=str(r["verdict"]),
                           fault=r.get("fault"), note=str(r.get("note") or ""))
                 for r in json.loads(text))
