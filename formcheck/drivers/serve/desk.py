"""What the coach's pages and the gallery show, from the store: the queue's rows and
filters, a review as the reader sees it, the gallery's items. No SQL here (the stores'),
no HTML (the templates')."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formcheck.analysis.review import (
    VERDICTS,
    Corrected,
    RepReview,
    ReviewError,
    check_reps,
    corrected,
    fault_codes,
)
from formcheck.drivers.serve.passwords import MIN_PASSWORD_CHARS, hash_password
from formcheck.errors import UsageError
from formcheck.store.coaching import CoachStore, Review
from formcheck.store.submissions import Submission

#: A coach's login name.
COACH_NAME = re.compile(r"[A-Za-z0-9_.-]{1,40}")


# --- accounts (formcheck coach add / remove) ------------------------------------------------

def add_coach(folder: Path, name: str, password: str) -> bool:
    """Create a coach account (or set its password); True when new.

    Raises:
        UsageError: a name that is not 1-40 letters, digits, ``_.-``; a short password.
    """
    if not COACH_NAME.fullmatch(name):
        raise UsageError(f"coach name {name[:40]!r}: use 1-40 letters, digits, _ . or -")
    if len(password) < MIN_PASSWORD_CHARS:
        raise UsageError(f"the password is shorter than {MIN_PASSWORD_CHARS} characters")
    folder.mkdir(parents=True, exist_ok=True)
    with CoachStore(folder) as store:
        return store.set_coach(name, hash_password(password))


def remove_coach(folder: Path, name: str) -> None:
    """Remove a coach account (their sessions end at their next request).

    Raises:
        UsageError: no such coach (the message lists the coaches).
    """
    with CoachStore(folder) as store:
        if not store.remove_coach(name):
            known = ", ".join(store.coaches()) or "none"
            raise UsageError(f"no coach named {name[:40]!r} in {folder} (coaches: {known})")


# --- the queue ------------------------------------------------------------------------------

FILTERS = {
    "exercise": ("", "sldl", "bridge", "other"),
    "verdict": ("", "all_good", "stopped", "not_graded"),
    "status": ("", "queued", "grading", "graded", "ungradable", "failed"),
    "reviewed": ("", "yes", "no"),
}


@dataclass(frozen=True)
class QueueFilters:
    """The queue's filters, from the query string (unknown values are ignored)."""

    exercise: str = ""
    verdict: str = ""
    status: str = ""
    reviewed: str = ""
    q: str = ""

    @classmethod
    def parse(cls, query: dict[str, str]) -> QueueFilters:
        values = {key: query.get(key, "") for key in FILTERS}
        values = {k: (v if v in FILTERS[k] else "") for k, v in values.items()}
        return cls(q=" ".join(query.get("q", "").split())[:80], **values)


def verdict_kind(submission: Submission) -> str:
    report = submission.grading.report
    if report is None or report.get("status") != "graded":
        return "not_graded"
    return "all_good" if report.get("first_bad_rep") is None else "stopped"


def queue_rows(submissions: list[Submission], reviewed: set[int], featured: set[int],
               filters: QueueFilters) -> list[dict[str, Any]]:
    """The rows of the coach's queue, newest first, those the reader let the coach see."""
    rows = []
    needle = filters.q.casefold()
    for submission in submissions:
        if not submission.consent_review:
            continue
        grading = submission.grading
        report = grading.report or {}
        exercise = report.get("exercise") or ""
        kind = verdict_kind(submission)
        row = {
            "id": submission.id, "created_at": submission.created_at[:16].replace("T", " "),
            "name": submission.name, "status": grading.status.value,
            "exercise": exercise, "verdict_kind": kind,
            "verdict": report.get("verdict") or grading.reason or "",
            "total_reps": report.get("total_reps"), "good_reps": report.get("good_reps"),
            "first_bad_rep": report.get("first_bad_rep"),
            "warnings": [{"code": w.get("code"), "message": w.get("message")}
                         for w in grading.warnings],
            "reviewed": submission.id in reviewed, "featured": submission.id in featured,
            "consent_publish": submission.consent_publish,
        }
        if filters.exercise and exercise != filters.exercise:
            continue
        if filters.verdict and kind != filters.verdict:
            continue
        if filters.status and row["status"] != filters.status:
            continue
        if filters.reviewed and row["reviewed"] != (filters.reviewed == "yes"):
            continue
        if needle and needle not in submission.name.casefold():
            continue
        rows.append(row)
    return rows


# --- reviews ----------------------------------------------------------------------------------

def parse_review_form(form: dict[str, str], report: dict[str, Any]
                      ) -> tuple[str, tuple[RepReview, ...]]:
    """The whole-clip note and the per-rep verdicts of a review form (fields ``note``,
    ``rep-N-verdict`` = ``agree`` / ``good`` / ``borderline`` / ``bad:<code>``,
    ``rep-N-note``), checked against the report.

    Raises:
        ReviewError: what does not fit.
    """
    note = form.get("note", "").strip()
    if len(note) > 2000:
        raise ReviewError("the note is longer than 2000 characters")
    reps = []
    for index in range(1, len(report.get("reps") or []) + 1):
        raw = form.get(f"rep-{index}-verdict", "agree")
        verdict, _, fault = raw.partition(":")
        if verdict not in VERDICTS:
            raise ReviewError(f"rep {index}: {raw[:30]!r} is not a verdict")
        reps.append(RepReview(index=index, verdict=verdict, fault=fault or None,
                              note=form.get(f"rep-{index}-note", "").strip()))
    return note, check_reps(report, reps)


def rep_choices(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The options of a rep's verdict menu."""
    choices = [("agree", "agree with formcheck"), ("good", "good"),
               ("borderline", "borderline (not a fault)")]
    choices += [(f"bad:{code}", f"bad: {code.split('.', 1)[-1].replace('_', ' ')}")
                for code in fault_codes(str(report.get("exercise")))]
    return choices


def review_view(review: Review | None, report: dict[str, Any] | None
                ) -> dict[str, Any] | None:
    """A review as the reader's page and the API show it."""
    if review is None or report is None or report.get("status") != "graded":
        return None
    try:
        count: Corrected = corrected(report, check_reps(report, list(review.reps)))
    except ReviewError:
        return None
    return {
        "note": review.note,
        "reviewed_at": review.reviewed_at,
        "total_reps": count.total_reps,
        "good_reps": count.good_reps,
        "first_bad_rep": count.first_bad_rep,
        "verdict": count.verdict,
        "reps": [{"index": rep.index, "good": rep.good, "borderline": rep.borderline,
                  "faults": list(rep.faults), "changed": rep.changed, "note": rep.note,
                  "label": rep.label, "verdict": given.verdict, "fault": given.fault}
                 for rep, given in zip(count.reps, check_reps(report, list(review.reps)),
                                       strict=True)],
    }
