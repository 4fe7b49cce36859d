"""What a person sees at a glance: one outcome vocabulary for every place a verdict shows.

The terminal, the JSON report, the HTML report, the batch index, ``formcheck results`` and
the web service all say the same of a clip, in the same words and colour:

- **graded**: the reps were counted and nothing casts doubt on them;
- **graded with warnings**: counted, but something casts doubt (a warning about the clip,
  a check that could not be judged on a counted rep), and the doubts are named;
- **not graded**: the clip was read but could not be graded: why, and what to do;
- **failed**: the clip could not be read or processed: why.

The banner is green only for good reps counted with nothing that casts doubt on them;
amber when something does; red when the count stopped at the first rep or the clip was
not graded or failed; grey when a complete clip held no rep.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from formcheck.analysis.grading import GradedRep
from formcheck.exercises import check_label


class _Warning(Protocol):
    @property
    def code(self) -> str: ...


class Verdict(Protocol):
    """What an outcome is read from (a :class:`~formcheck.analysis.report.Report`)."""

    @property
    def graded(self) -> bool: ...

    @property
    def reason(self) -> str | None: ...

    @property
    def reps(self) -> Sequence[GradedRep]: ...

    @property
    def warnings(self) -> Sequence[_Warning]: ...

    @property
    def first_bad_rep(self) -> int | None: ...

    @property
    def good_reps(self) -> int: ...


class Outcome(StrEnum):
    """The four outcomes (a contract: the JSON report's ``outcome``)."""

    GRADED = "graded"
    GRADED_WITH_WARNINGS = "graded_with_warnings"
    NOT_GRADED = "not_graded"
    FAILED = "failed"

    @property
    def words(self) -> str:
        """How a person reads it: ``graded with warnings``."""
        return self.value.replace("_", " ")


class Banner(StrEnum):
    """The banner's colour (a contract: the JSON report's ``banner``)."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    GREY = "grey"


@dataclass(frozen=True)
class Glance:
    """A clip's outcome at a glance.

    Attributes:
        outcome: Which of the four.
        banner: The banner's colour.
        headline: The one line in the banner: ``2 good reps``, ``not graded``...
        doubts: What casts doubt on the count, each in a few words (``the file looks
            cut off``), in the report's order; empty when nothing does.
        reason: Why it was not graded or failed (with what to do), else None.
    """

    outcome: Outcome
    banner: Banner
    headline: str
    doubts: tuple[str, ...] = ()
    reason: str | None = None


#: A warning code, as a few words in a list of doubts.
WARNING_WORDS = {
    "truncated": "the file looks cut off",
    "frame_rate": "the file's timing looks wrong",
    "timestamps": "frames went back in time",
    "poorly_lit": "the clip is dark",
    "frames_without_person": "the person was often not seen",
    "person_left": "the person left the frame",
    "cut": "the clip has a cut",
    "exercise_changed": "the exercise changed",
}


def plural(count: int, noun: str) -> str:
    """``1 good rep``, ``2 good reps``, ``0 good reps``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def doubts_of(report: Verdict) -> tuple[str, ...]:
    """What casts doubt on the count: the clip's warnings, and on the reps counted (up to
    and including the one that stopped the count) the checks read within the measurement's
    margin of their limit (borderline) and those that could not be judged."""
    found = [WARNING_WORDS.get(w.code, w.code.replace("_", " ")) for w in report.warnings]
    last = report.first_bad_rep or len(report.reps)
    for index, graded in enumerate(report.reps[:last], start=1):
        for near in graded.borderline:
            found.append(f"{check_label(near.code)} borderline on rep {index}")
        for uncertain in graded.uncertain:
            found.append(f"{check_label(uncertain.code)} not judged on rep {index}")
    return tuple(dict.fromkeys(found))


def glance(report: Verdict) -> Glance:
    """The outcome of a report (graded or not: a failure has no report, see
    :func:`failed`)."""
    if not report.graded:
        return Glance(Outcome.NOT_GRADED, Banner.RED, "not graded",
                      doubts_of(report), report.reason)
    doubts = doubts_of(report)
    outcome = Outcome.GRADED_WITH_WARNINGS if doubts else Outcome.GRADED
    if not report.reps:
        return Glance(outcome, Banner.AMBER if doubts else Banner.GREY, "no complete rep",
                      doubts)
    headline = plural(report.good_reps, "good rep")
    banner = (Banner.RED if report.good_reps == 0
              else Banner.AMBER if doubts else Banner.GREEN)
    return Glance(outcome, banner, headline, doubts)


def failed(reason: str) -> Glance:
    """The outcome of a clip that could not be read or processed."""
    return Glance(Outcome.FAILED, Banner.RED, "failed", (), reason)
