"""How a session runs: recognition's timing, the set break, the onset after a person is
found, and the pose cleaning."""

from __future__ import annotations

from dataclasses import dataclass, field

from formcheck.analysis.prescription import SET_BREAK_S
from formcheck.pose.cleaning import CleaningSettings


@dataclass(frozen=True)
class SessionSettings:
    """How a session runs.

    Attributes:
        exercise: ``auto`` to recognise it, or an exercise name to force it.
        min_detection_rate: Below this share of frames with a person, the clip is not
            graded (heuristic: under half, the reps cannot be followed).
        decide_every_s: While undecided, recognition is asked again this often, seconds.
        max_undecided_s: Frames kept while undecided, seconds; also the longest a
            decision may wait for a first rep.
        min_evidence_s: Recognition does not commit before the person has been seen for
            this long, seconds (heuristic: as the pose model first finds a person, its
            joints are often misplaced for a fraction of a second; on a rendered bridge
            filmed from the feet a spurious half-second "rep" there made the view look
            oblique when it was end-on).
        set_break_s: A pause longer than this between reps starts a new set, seconds.
        onset_s: The rep engine ignores the first this many seconds after a person is
            found (heuristic, as for ``min_evidence_s``: the first joints are misplaced;
            on a rendered head-end bridge the first frame set the resting level 6 degrees
            too low and the reps never came back to it. Short, because real clips often
            start as the first rep does: 0.5 s cut a real first bridge rep to a "rushed"
            0.6 s).
        change_window_s: Once committed, the last this many seconds are looked at for
            another exercise (heuristic: a bridge rep, or a hinge with the stand before
            it, fits in 4 s).
        cleaning: Leg-swap repair and smoothing.
    """

    exercise: str = "auto"
    min_detection_rate: float = 0.5
    decide_every_s: float = 0.5
    max_undecided_s: float = 60.0
    min_evidence_s: float = 2.0
    set_break_s: float = SET_BREAK_S
    onset_s: float = 0.2
    change_window_s: float = 4.0
    cleaning: CleaningSettings = field(default_factory=CleaningSettings)
