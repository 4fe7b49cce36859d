"""``formcheck results DIR --labels labels.json``: the coach's reviews as a labels file
that ``formcheck eval`` reads, so formcheck's accuracy is measured on real readers' clips.

Each reviewed, graded submission is one clip: ``file`` (the uploaded clip, relative to
the labels file), ``exercise`` and ``view`` (formcheck's; a clip the coach reviewed was
graded as that exercise), ``total_reps``, ``good_reps`` and ``first_bad_rep`` with the
coach's verdicts, ``analyse_as`` when the reader named the exercise, and ``reps``
(``index``, ``start_s``, ``end_s``, ``faults`` [``code``] as the coach set them: formcheck's
where the coach agreed, none on a good or borderline rep, plus ``borderline``).
The same clip reviewed twice (two readers sent it) is written once, from the latest
review.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from formcheck.analysis.review import ReviewError, check_reps, corrected
from formcheck.drivers.serve.files import DataFolder
from formcheck.errors import InputError
from formcheck.fileio import write_text_atomic
from formcheck.store.coaching import CoachStore
from formcheck.store.submissions import SubmissionStore


def review_labels(folder: Path, labels_path: Path) -> dict[str, Any]:
    """The labels of every reviewed submission of ``folder``, paths relative to
    ``labels_path``'s folder."""
    files = DataFolder(folder)
    clips: dict[str, dict[str, Any]] = {}
    with SubmissionStore(folder, readonly=True) as store, \
            CoachStore(folder, readonly=True) as coaching:
        for review in sorted(coaching.reviews(), key=lambda r: r.reviewed_at):
            submission = store.by_id(review.submission_id)
            report = submission.grading.report if submission else None
            if submission is None or report is None or report.get("status") != "graded":
                continue
            try:
                count = corrected(report, check_reps(report, list(review.reps)))
            except ReviewError:
                continue
            clip = files.clip(submission.hash)
            label: dict[str, Any] = {
                "file": os.path.relpath(clip, labels_path.resolve().parent),
                "exercise": report["exercise"],
                "view": report.get("view"),
                "total_reps": count.total_reps,
                "good_reps": count.good_reps,
                "first_bad_rep": count.first_bad_rep,
                "reps": [{"index": rep.index, "start_s": rep.start_s, "end_s": rep.end_s,
                          "faults": [{"code": code} for code in rep.faults],
                          "borderline": rep.borderline} for rep in count.reps],
                "source": {"submission": submission.id, "reviewed_at": review.reviewed_at},
            }
            if report.get("variant"):
                label["variant"] = report["variant"]
            if submission.exercise != "auto":
                label["analyse_as"] = submission.exercise
            clips[f"{submission.hash}:{submission.exercise}"] = label
    return {"clips": list(clips.values())}


def write_review_labels(folder: Path, labels_path: Path) -> int:
    """Write :func:`review_labels` to ``labels_path`` (atomically); how many clips.

    Raises:
        InputError: ``folder`` has no store, or one without the coach's tables (never
            served with this formcheck).
    """
    try:
        labels = review_labels(folder, labels_path)
    except sqlite3.OperationalError as exc:
        raise InputError(f"{folder} holds no reviews ({exc}): is it the data folder of"
                         " `formcheck serve`?") from None
    write_text_atomic(labels_path, json.dumps(labels, indent=2) + "\n")
    return len(labels["clips"])
