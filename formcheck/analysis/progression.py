"""A reader's progression across sessions, as data with its source: from good form, to
3 sets of 10-15 good reps, to 3 sets of 25.

Each graded clip is a session (:class:`TrainedSession`): its sets, with their reps, good
reps (the count of each set stops at its first bad rep), the rest before each and the
fault that stopped it. Sessions are followed per exercise and side (:func:`track_key`):
the left and right legs of single-leg work progress separately, and a double-leg bridge
apart from a single-leg one. :func:`follow` walks one track's sessions in date order
through :data:`RULES` and says, after each, the stage and the next target; every rule
carries its source, the coach's programme (:data:`COACH`) or ``heuristic: why``.

The coach's programme, as quoted in the project's issue 25: quality before quantity ("if
you can only manage 1 rep with good form, that is all you do"); when the technique is
right, 3 sets of around 10-15 reps with 1-2 minutes of rest; then progress to 3 sets of
25, to fatigue the glutes; keep strength work and running apart (24-48 hours between a
strength session and a run). The numbers are :data:`~formcheck.analysis.prescription.PRESCRIPTION`.

Nothing here reads a clip or the store: sessions in, stages and targets out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Literal

from formcheck.analysis.prescription import PRESCRIPTION, Prescription
from formcheck.analysis.report import Report
from formcheck.exercises import EXERCISES, title_of
from formcheck.sources.dates import ClipDate

#: Where the coach's rules come from.
COACH = "the coach's glute programme for runners, as quoted in issue 25"

#: The legs a session worked: one (``left``, ``right``: the stance leg of a deadlift, the
#: working leg of a single-leg bridge) or ``both`` (a double-leg bridge).
TrackSide = Literal["left", "right", "both"]


class Stage(StrEnum):
    """Where a reader stands on one exercise and side (a contract: never renamed)."""

    #: A set stops at a bad rep before 10 good reps: good reps only, as many as form allows.
    TECHNIQUE = "technique"
    #: 3 sets of 10-15 good reps with 1-2 minutes of rest.
    BASE = "base"
    #: Reps added toward 25.
    BUILD = "build"
    #: 3 sets of 25 good reps: keep it.
    GOAL = "goal"


@dataclass(frozen=True)
class Rule:
    """One rule of the progression.

    Attributes:
        code: A stable name (``up.technique_to_base``), a contract: never renamed.
        when: The condition, in words.
        then: What follows, in words.
        source: The coach's words (:data:`COACH`), or ``heuristic: <why>``.
    """

    code: str
    when: str
    then: str
    source: str


@dataclass(frozen=True)
class ProgressionSettings:
    """The numbers of the progression.

    Attributes:
        prescription: The coach's sets, rep ranges and rest (``3``, ``10-15``, ``25``,
            ``60-120 s``).
        step_reps: Reps a target moves by, up or down (heuristic: from 10 to 25 in five
            steps; at two sessions a step and 2-3 strength sessions a week, about a
            month; a step down of the same size undoes one step up).
        sessions_to_move_up: Sessions, on different days, meeting the target before it
            moves up (heuristic: one good day can be luck; the issue's example).
        short_sessions_to_move_down: Sessions in a row of three sets that fell short of
            the target without a bad rep before it moves down (heuristic: one short day
            can be a bad day; two mean the target is too far).
    """

    prescription: Prescription = PRESCRIPTION
    step_reps: int = 3
    sessions_to_move_up: int = 2
    short_sessions_to_move_down: int = 2

    @property
    def sets(self) -> int:
        return self.prescription.sets

    @property
    def base_reps(self) -> tuple[int, int]:
        return self.prescription.start_reps

    @property
    def goal_reps(self) -> int:
        return self.prescription.goal_reps

    @property
    def rest_s(self) -> tuple[float, float]:
        return self.prescription.rest_s


SETTINGS = ProgressionSettings()

_HEURISTIC_STEP = ("heuristic: from 10 to 25 in five steps of 3 reps, two sessions a step,"
                   " about a month at 2-3 strength sessions a week")

#: The progression's rules, in the order :func:`follow` tries them: a session is judged by
#: the first that fits.
RULES: tuple[Rule, ...] = (
    Rule("start", "a first session without a set of 10 good reps",
         "technique, until a set of 10 good reps",
         f'{COACH}: "quality before quantity"'),
    Rule("technique.hold", "in technique, no set reached 10 good reps",
         "next: 3 sets of as many good reps as form allows, at least last session's best"
         " set, up to 10; each set stops at its first bad rep",
         f'{COACH}: "if you can only manage 1 rep with good form, that is all you do"'),
    Rule("up.technique_to_base", "in technique, a set of 10 or more good reps",
         "base: 3 sets of that set's good reps (10-15), 1-2 minutes of rest; the session"
         " counts toward the next step if it already had them",
         f'{COACH}: "when the technique is right, 3 sets of around 10-15 reps with 1-2'
         ' minutes of rest"; asking 3 sets of the count one set showed is heuristic (the'
         " issue's example: 12 good reps in a set, then 3 sets of 12)"),
    Rule("down.to_technique", "past technique, no set reached 10 good reps and a bad rep"
         " stopped one", "back to technique",
         f'{COACH}: "quality before quantity"'),
    Rule("down.stopped_early", "a bad rep stopped one of the first 3 sets before the"
         " target", "the target goes down 3 reps (not below 10); base again at 15 or less",
         f'{COACH}: "if you can only manage 1 rep with good form, that is all you do";'
         f" the size of the step is {_HEURISTIC_STEP}"),
    Rule("rest.outside", "the target was met but a rest before set 2 or 3 was under 1 or"
         " over 2 minutes", "not counted toward moving up; the target holds",
         f'{COACH}: "3 sets ... with 1-2 minutes of rest" (sets rested otherwise met'
         " another target: easier with long rests, not what the coach set with short ones)"),
    Rule("up.goal", "the second session on a different day to meet the target with 3 sets"
         " of 25 or more", "goal: keep 3 sets of 25",
         f'{COACH}: "progress to 3 sets of 25, to fatigue the glutes"'),
    Rule("up.step", "the second session on a different day to meet the target",
         "the target goes up to the fewest good reps of a set in those sessions, and at"
         " least 3 more, up to 25; build past 15",
         f'{COACH}: "progress to 3 sets of 25"; two sessions and the step are heuristic:'
         " one good day can be luck; " + _HEURISTIC_STEP.removeprefix("heuristic: ")),
    Rule("met", "the first 3 sets each had at least the target's good reps, with 1-2"
         " minutes of rest", "counts toward moving up (at the goal: the goal kept)",
         f'{COACH}: "3 sets of around 10-15 reps with 1-2 minutes of rest"'),
    Rule("short.sets", "fewer than 3 sets", "not counted; the target holds",
         "heuristic: the target is 3 sets; fewer sets say nothing about it"),
    Rule("down.fell_short", "the second session in a row of 3 sets short of the target"
         " without a bad rep", "the target goes down 3 reps (not below 10)",
         "heuristic: one short day can be a bad day; two mean the target is too far"),
    Rule("short.reps", "3 sets, one short of the target without a bad rep",
         "not counted; the target holds",
         "heuristic: the count stops only at a bad rep, so a set ended early in good"
         " form is no reason to go down once"),
)

RULES_BY_CODE = {rule.code: rule for rule in RULES}

#: Shown with every target, not enforced (formcheck does not know when the reader runs).
RUNNING_ADVICE = ("Keep strength work and running apart: 24-48 hours between a strength"
                  " session and a run.")
RUNNING_ADVICE_SOURCE = (f'{COACH}: "keep strength work and running apart (24-48 hours'
                         ' between a strength session and a run)"')


@dataclass(frozen=True)
class SetFault:
    """The fault that stopped a set's count: its first bad rep's first fault."""

    code: str
    message: str
    cue: str


@dataclass(frozen=True)
class TrainedSet:
    """One set of a session.

    Attributes:
        reps: Reps done, good and bad.
        good_reps: Good reps before the set's first bad rep.
        rest_before_s: Rest since the previous set, seconds; None for the first.
        fault: What stopped the count, or None when every rep was good.
    """

    reps: int
    good_reps: int
    rest_before_s: float | None = None
    fault: SetFault | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.good_reps <= self.reps:
            raise ValueError(f"good_reps: expected 0-{self.reps}, got {self.good_reps}")

    @property
    def stopped(self) -> bool:
        """A bad rep stopped the count."""
        return self.fault is not None or self.good_reps < self.reps


@dataclass(frozen=True)
class TrainedSession:
    """One graded clip, as progress sees it.

    Attributes:
        exercise: The exercise name (``sldl``, ``bridge``).
        side: The legs worked; None when the report did not say (written before the
            report carried the working side).
        date: When it was filmed, and how that is known.
        sets: Its sets, in order.
        clip: The clip's sha256 (the store's key), or "" for a session not stored.
        id: The store's id for it, or None.
    """

    exercise: str
    side: TrackSide | None
    date: ClipDate
    sets: tuple[TrainedSet, ...]
    clip: str = ""
    id: int | None = None

    @property
    def good_reps(self) -> int:
        """Good reps of every set."""
        return sum(s.good_reps for s in self.sets)

    @property
    def best_set(self) -> int:
        """The most good reps in one set (0 without sets)."""
        return max((s.good_reps for s in self.sets), default=0)

    @property
    def first_fault(self) -> SetFault | None:
        """The first fault that stopped a set, or None."""
        return next((s.fault for s in self.sets if s.fault is not None), None)


def track_key(session: TrainedSession) -> tuple[str, TrackSide | None]:
    """``(exercise, side)``: the sessions that progress together."""
    return session.exercise, session.side


def session_from_report(report: Report, when: ClipDate, clip: str = "") -> TrainedSession | None:
    """The session a graded report records, or None when there is none (not graded, no
    rep, or an exercise outside the registry)."""
    if not report.graded or not report.reps or report.exercise not in EXERCISES:
        return None
    side: TrackSide | None = report.side
    if side is None and report.variant == "double":
        side = "both"
    sets = []
    for summary in report.sets:
        bad = next((r for r in report.reps if r.set_index == summary.index and not r.good),
                   None)
        fault = (None if bad is None else
                 SetFault(bad.faults[0].code, bad.faults[0].message, bad.faults[0].cue))
        sets.append(TrainedSet(summary.reps, summary.good_reps, summary.rest_before_s, fault))
    return TrainedSession(report.exercise, side, when, tuple(sets), clip)


@dataclass(frozen=True)
class Target:
    """What to do next session.

    Attributes:
        sets: Sets to do.
        reps: Good reps per set, lowest and highest (equal for a fixed number).
        rest_s: Rest between sets, seconds, shortest and longest.
    """

    sets: int
    reps: tuple[int, int]
    rest_s: tuple[float, float]


@dataclass(frozen=True)
class Judged:
    """One session, and what it did to its track.

    Attributes:
        session: The session.
        rule: The code of the rule that applied (:data:`RULES`).
        note: What happened, in plain words.
        stage: The stage after it.
        target: The next target after it.
        counted: Sessions counted toward moving up from that target, after it.
    """

    session: TrainedSession
    rule: str
    note: str
    stage: Stage
    target: Target
    counted: int


@dataclass(frozen=True)
class TrackProgress:
    """One exercise and side, followed over its sessions.

    Attributes:
        exercise: The exercise name.
        side: The legs worked (None: not known).
        judged: Each session in date order, with what it did.
        settings: The numbers used.
    """

    exercise: str
    side: TrackSide | None
    judged: tuple[Judged, ...]
    settings: ProgressionSettings = SETTINGS

    @property
    def stage(self) -> Stage:
        return self.judged[-1].stage

    @property
    def target(self) -> Target:
        return self.judged[-1].target

    @property
    def sessions(self) -> tuple[TrainedSession, ...]:
        return tuple(j.session for j in self.judged)

    @property
    def counted(self) -> int:
        """Sessions already counted toward moving up from the current target."""
        return self.judged[-1].counted

    def next_session(self) -> str:
        """The next target, in plain words."""
        return target_words(self.exercise, self.side, self.stage, self.target,
                            last_best=self.judged[-1].session.best_set)

    def standing(self) -> str:
        """Where the reader stands and why, in plain words (the last session's note, and
        how many sessions count toward the next step)."""
        last = self.judged[-1]
        words = f"{stage_words(self.stage, self.settings)}. Last session: {last.note}."
        if self.stage is not Stage.TECHNIQUE and self.stage is not Stage.GOAL:
            need = self.settings.sessions_to_move_up
            words += (f" {self.counted} of {need} sessions on different days at this target"
                      " done.")
        return words


def stage_words(stage: Stage, settings: ProgressionSettings = SETTINGS) -> str:
    """What a stage means, in a few words."""
    sets, (low, high), goal = settings.sets, settings.base_reps, settings.goal_reps
    rest_low, rest_high = settings.rest_s
    return {
        Stage.TECHNIQUE: "Technique: good reps only, each set stopped at its first bad rep,"
                         f" until a set of {low}",
        Stage.BASE: f"Base: {sets} sets of {low}-{high} good reps with"
                    f" {rest_low / 60:g}-{rest_high / 60:g} minutes of rest",
        Stage.BUILD: f"Build: reps added toward {sets} sets of {goal}",
        Stage.GOAL: f"Goal: {sets} sets of {goal} good reps",
    }[stage]


def side_words(exercise: str, side: TrackSide | None) -> str:
    """`` on the left leg``, or nothing when both legs work or the side is unknown."""
    if side in ("left", "right"):
        return f" on the {side} leg"
    if side is None:
        return " (side not known)"
    return ""


def exercise_words(exercise: str, side: TrackSide | None, *, plural: bool = True) -> str:
    """The exercise's name as a reader says it (``single-leg glute bridges``)."""
    title = title_of(exercise)
    if exercise == "bridge" and side in ("left", "right"):
        title = f"single-leg {title}"
    return f"{title}s" if plural else title


def target_words(exercise: str, side: TrackSide | None, stage: Stage, target: Target, *,
                 last_best: int = 0) -> str:
    """``next session: 3 sets of 12 good single-leg deadlifts on the left leg, 1-2 minutes
    of rest``."""
    what = exercise_words(exercise, side) + side_words(exercise, side)
    rest_low, rest_high = target.rest_s
    rest = f"{rest_low / 60:g}-{rest_high / 60:g} minutes of rest"
    low, high = target.reps
    if stage is Stage.TECHNIQUE:
        return (f"next session: {target.sets} sets of good {what}, as many as you can with"
                f" good form ({last_best} last time; aim for {high}), each set stopped at"
                f" the first bad rep, {rest}")
    reps = f"{low}" if low == high else f"{low}-{high}"
    keep = "keep to " if stage is Stage.GOAL else ""
    return f"next session: {keep}{target.sets} sets of {reps} good {what}, {rest}"


@dataclass
class _State:
    """A track's running state while :func:`follow` walks its sessions."""

    settings: ProgressionSettings
    stage: Stage = Stage.TECHNIQUE
    reps: int = 0  # the target's good reps per set past technique
    met: dict[date, int] = field(default_factory=dict)  # day -> fewest good reps of its sets
    short_in_a_row: int = 0
    last_best: int = 0

    def target(self) -> Target:
        s = self.settings
        if self.stage is Stage.TECHNIQUE:
            return Target(s.sets, (max(1, self.last_best), s.base_reps[0]), s.rest_s)
        return Target(s.sets, (self.reps, self.reps), s.rest_s)

    def set_target(self, reps: int) -> None:
        s = self.settings
        self.reps = max(s.base_reps[0], min(s.goal_reps, reps))
        self.stage = Stage.BASE if self.reps <= s.base_reps[1] else Stage.BUILD
        self.met.clear()
        self.short_in_a_row = 0


def _rests(sets: Sequence[TrainedSet]) -> list[float]:
    return [s.rest_before_s for s in sets[1:] if s.rest_before_s is not None]


def _rest_words(rests: Iterable[float]) -> str:
    def one(r: float) -> str:
        return f"{r:.0f} s" if r < 120 else f"{r / 60:.1f} min"
    return ", ".join(one(r) for r in rests)


def _did(session: TrainedSession) -> str:
    sets = session.sets
    counts = ", ".join(str(s.good_reps) for s in sets)
    one_rep = len(sets) == 1 and sets[0].good_reps == 1
    words = (f"{len(sets)} set{'s' if len(sets) != 1 else ''} of {counts} good"
             f" rep{'' if one_rep else 's'}")
    number, stopped = next(((i, s) for i, s in enumerate(sets, start=1) if s.stopped),
                           (0, None))
    if stopped is not None:
        which = f"set {number} " if len(sets) > 1 else ""
        words += f"; {which}stopped at rep {stopped.good_reps + 1}"
        if stopped.fault is not None:
            words += f": {stopped.fault.message} ({stopped.fault.cue})"
    return words


def _judge(state: _State, session: TrainedSession, first: bool) -> tuple[str, str]:
    """Apply the first rule that fits ``session``; the rule's code and a note."""
    s = state.settings
    base_low = s.base_reps[0]
    rest_low, rest_high = s.rest_s
    did = _did(session)
    best = session.best_set
    counted = list(session.sets[:s.sets])
    rests = _rests(counted)
    rest_ok = all(rest_low <= r <= rest_high for r in rests)

    def meets(reps: int) -> bool:
        return len(counted) >= s.sets and all(x.good_reps >= reps for x in counted)

    def count_toward_moving_up() -> tuple[str, str] | None:
        """Count the session when it met the target; move up on the last one needed."""
        day = session.date.at.date()
        fewest = min(x.good_reps for x in counted)
        state.met[day] = min(fewest, state.met.get(day, fewest))
        state.short_in_a_row = 0
        if len(state.met) < s.sessions_to_move_up:
            return None
        shown = min(state.met.values())
        if shown >= s.goal_reps:
            state.reps, state.stage = s.goal_reps, Stage.GOAL
            state.met.clear()
            return "up.goal", f"{did}: 3 sets of {s.goal_reps} twice: the goal"
        before = state.reps
        state.set_target(max(state.reps + s.step_reps, shown))
        return "up.step", f"{did}: target met twice, up from {before} to {state.reps}"

    if state.stage is Stage.TECHNIQUE:
        if best < base_low:
            state.last_best = best
            return ("start" if first else "technique.hold"), did
        state.set_target(min(best, s.base_reps[1]))
        note = f"{did}: on to {s.sets} sets of {state.reps}"
        if meets(state.reps) and rest_ok:
            moved = count_toward_moving_up()
            if moved is not None:
                return moved
        return "up.technique_to_base", note

    if best < base_low and any(x.stopped for x in session.sets):
        state.stage, state.last_best = Stage.TECHNIQUE, best
        state.met.clear()
        state.short_in_a_row = 0
        return "down.to_technique", f"{did}: no set reached {base_low}, back to technique"

    stopped_early = [x for x in counted if x.stopped and x.good_reps < state.reps]
    if stopped_early:
        before = state.reps
        state.set_target(state.reps - s.step_reps)
        return ("down.stopped_early",
                f"{did}: stopped before {before}, down to {state.reps}")

    if meets(state.reps):
        if state.stage is Stage.GOAL:
            state.short_in_a_row = 0
            return "met", f"{did}: the goal kept"
        if not rest_ok:
            state.short_in_a_row = 0
            return ("rest.outside", f"{did}, rests of {_rest_words(rests)}: outside"
                    f" {rest_low / 60:g}-{rest_high / 60:g} minutes, not counted")
        moved = count_toward_moving_up()
        if moved is not None:
            return moved
        return "met", f"{did}: target of {state.reps} met"

    if len(counted) < s.sets:
        return "short.sets", f"{did}: fewer than {s.sets} sets, not counted"
    state.short_in_a_row += 1
    if state.short_in_a_row >= s.short_sessions_to_move_down:
        before = state.reps
        state.set_target(state.reps - s.step_reps)
        return ("down.fell_short",
                f"{did}: short of {before} twice in a row, down to {state.reps}")
    return "short.reps", f"{did}: short of {state.reps} in good form, not counted"


def follow(sessions: Iterable[TrainedSession],
           settings: ProgressionSettings = SETTINGS) -> TrackProgress:
    """One track's sessions, in date order, through :data:`RULES`.

    Args:
        sessions: Sessions of one exercise and side (any order; sorted by date, then
            by clip, here).

    Raises:
        ValueError: no session, or sessions of more than one track.
    """
    ordered = sorted(sessions, key=lambda s: (s.date.at, s.clip, s.id or 0))
    if not ordered:
        raise ValueError("follow: no session")
    keys = {track_key(s) for s in ordered}
    if len(keys) > 1:
        raise ValueError(f"follow: sessions of several tracks {sorted(map(str, keys))}")
    state = _State(settings)
    judged = []
    for i, session in enumerate(ordered):
        rule, note = _judge(state, session, first=i == 0)
        judged.append(Judged(session, rule, note, state.stage, state.target(),
                             len(state.met)))
    exercise, side = track_key(ordered[0])
    return TrackProgress(exercise, side, tuple(judged), settings)


@dataclass(frozen=True)
class PersonProgress:
    """Everything progress says about one person.

    Attributes:
        person: The person's name.
        tracks: One per exercise and side, by exercise name then side.
    """

    person: str
    tracks: tuple[TrackProgress, ...]

    def by_exercise(self) -> dict[str, list[TrackProgress]]:
        """Tracks grouped by exercise, in registry order."""
        out: dict[str, list[TrackProgress]] = {}
        for name in [*EXERCISES, *sorted({t.exercise for t in self.tracks} - set(EXERCISES))]:
            tracks = [t for t in self.tracks if t.exercise == name]
            if tracks:
                out[name] = tracks
        return out


_SIDE_ORDER = {"left": 0, "right": 1, "both": 2, None: 3}


def progress_of(person: str, sessions: Iterable[TrainedSession],
                settings: ProgressionSettings = SETTINGS) -> PersonProgress:
    """Every track of ``person``'s sessions followed (:func:`follow`)."""
    by_track: dict[tuple[str, TrackSide | None], list[TrainedSession]] = {}
    for session in sessions:
        by_track.setdefault(track_key(session), []).append(session)
    order = list(EXERCISES)
    keys = sorted(by_track, key=lambda k: (order.index(k[0]) if k[0] in order else len(order),
                                          k[0], _SIDE_ORDER[k[1]]))
    return PersonProgress(person, tuple(follow(by_track[k], settings) for k in keys))
