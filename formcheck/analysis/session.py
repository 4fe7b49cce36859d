"""The analysis session: one frame's pose in, events out, a report at the end.

Every way formcheck is used (a video file, a saved pose recording, a camera, a
batch of files) feeds a :class:`Session` one pose at a time::

    session = Session(video_info)
    for sample in poses:                # raw PoseSamples from the model, in time order
        for event in session.feed(sample):
            ...                         # RepGraded, CountStopped, SetupHint, ...
        session.state                   # what to draw on this frame
    report = session.report()

Inside, everything is causal and bounded: the cleaner (leg-swap repair, One Euro),
the body signals with a running scale, recognition of the exercise and view, the
rep engine, each rep measured over its own window of frames, the checks and the
tally that stops the count at the first bad rep.

Recognition waits for evidence. While undecided, the session keeps the last
``max_undecided_s`` seconds of frames and asks again every ``decide_every_s``
seconds; it commits as soon as the frames show an exercise *and* a first rep of
it is complete in them *and* the person has been seen for ``min_evidence_s``, so at
the latest ``decide_every_s`` after the first rep ends (or after those first seconds
with a person, when a "rep" ends sooner). The reps before the decision are then
counted and graded from the kept frames, exactly as if the exercise had been known
from the start. If after ``max_undecided_s`` the frames show an exercise but no rep
yet, the session commits anyway; if they show none, it keeps sliding. At the end of the stream an
undecided session decides from what it kept.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections import deque
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from formcheck import __version__
from formcheck.analysis.advice import filming_advice
from formcheck.analysis.events import (
    CountStopped,
    Event,
    ExerciseChanged,
    FrameState,
    PersonFound,
    PersonLost,
    Readout,
    Recognised,
    RepGraded,
    RepStarted,
    SetupHint,
)
from formcheck.analysis.grading import Tally, applicable, grade_rep, judged_nowhere, skipped
from formcheck.analysis.prescription import advice
from formcheck.analysis.provenance import settings_digest
from formcheck.analysis.recognition import Recognition, forced, recognise
from formcheck.analysis.report import SIDES, Provenance, Report, Status
from formcheck.analysis.settings import SessionSettings
from formcheck.exercises import EXERCISES, Exercise, Setup, View, get_exercise
from formcheck.pose.cleaning import PoseCleaner
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.series import PoseSample
from formcheck.signals.body import BodySignals, RunningScale, torso_px
from formcheck.signals.camera import UNKNOWN as UNKNOWN_CAMERA
from formcheck.signals.camera import CameraWatch
from formcheck.signals.reps import Phase, Rep, RepEngine
from formcheck.sources.frames import VideoInfo

logger = logging.getLogger(__name__)

#: A rep is graded only if the person was in the exercise's posture in at least this share
#: of its frames, so of its time at any analysis rate (heuristic: a deadlift "rep" counted
#: on someone lying down, after they changed exercise, spends almost none of its frames
#: upright).
MIN_POSTURE_SHARE = 0.5


class Session:
    """The causal analysis of one stream of poses.

    Args:
        video: Description of the source (its height scales the cleaner).
        settings: How to run.
        exercises: The exercise registry (a test may pass its own).
        provenance: Where the poses came from (source and model hashes), copied into
            the report with this session's formcheck version and settings digest.
    """

    def __init__(self, video: VideoInfo, settings: SessionSettings | None = None, *,
                 exercises: Mapping[str, Exercise] | None = None,
                 provenance: Provenance | None = None) -> None:
        self.settings = settings or SessionSettings()
        self.exercises = dict(EXERCISES if exercises is None else exercises)
        self._forced: Exercise | None = None
        if self.settings.exercise != "auto":
            if self.settings.exercise in self.exercises:
                self._forced = self.exercises[self.settings.exercise]
            else:
                self._forced = get_exercise(self.settings.exercise)  # lists the known ones
        self.video = video
        self.provenance = replace(provenance or Provenance(), formcheck_version=__version__,
                                  settings_digest=settings_digest(self.settings, self.exercises))
        self._cleaner = PoseCleaner(video.height, self.settings.cleaning)
        self._scale = RunningScale()
        longest_rep_s = max(e.rep_settings.max_duration_s for e in self.exercises.values())
        self._history_s = max(self.settings.max_undecided_s, longest_rep_s + 2.0)
        self._frames: deque[BodySignals] = deque()
        self._decision: Recognition | None = None
        self._exercise: Exercise | None = None
        self._setup: Setup | None = None
        self._engine: RepEngine | None = None
        self._tally = Tally(self.settings.set_break_s)
        self._first_rep_resolved = False
        # Frames (from the first with a person) since recognition, and those of them in
        # which the pose model lost the body for the exercise from this view. Only their
        # ratio is used (MAX_LOST_SHARE): a share of the frames is a share of the time,
        # whatever the analysis rate.
        self._frames_judged = 0
        self._frames_lost = 0
        self._frames_seen = 0
        self._frames_detected = 0
        self._first_t: float | None = None
        self._last_t: float | None = None
        self._person = False
        self._last_attempt_s = -math.inf
        self._changed: ExerciseChanged | None = None
        self._found_at: deque[float] = deque()  # when a person was found, kept with history
        self._hint: str | None = None
        self._ended = False
        self._last_row: BodySignals | None = None
        self._state: FrameState | None = None
        # The camera's angles, from the frames at rest in the exercise's posture.
        self._camera: CameraWatch | None = None
        # While undecided: the exercise the frames look like, its setup, and a rep engine
        # on its signal (for what is shown; nothing is counted on it).
        self._assumed: tuple[Exercise, Setup, RepEngine] | None = None

    # ------------------------------------------------------------------ feeding

    @property
    def state(self) -> FrameState:
        """The state after the last frame fed (worked out when first asked for, so a
        driver that never draws does not pay for it)."""
        if self._state is None:
            if self._last_row is None:
                return FrameState(0.0, False, None, None, "no person", 0, 0, 0, False)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                self._state = self._frame_state(self._last_row)
        return self._state

    def new_set(self) -> None:
        """The user starts a new set now (a live mode's key): the next rep opens it, with
        its own count, whatever the pause before it."""
        self._tally.break_set()
        self._state = None

    def feed(self, sample: PoseSample) -> list[Event]:
        """Take one frame's raw pose (in time order); return what happened."""
        if self._ended:
            raise RuntimeError("feed() after end(): start a new session")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN frames without a person
            return self._feed(sample)

    def _feed(self, sample: PoseSample) -> list[Event]:
        events: list[Event] = []
        t = sample.t_s
        clean = self._cleaner(sample)
        self._frames_seen += 1
        self._frames_detected += int(clean.detected)
        self._first_t = t if self._first_t is None else self._first_t
        self._last_t = t
        if clean.detected and not self._person:
            events.append(PersonFound(t))
            self._found_at.append(t)
        elif self._person and not clean.detected:
            events.append(PersonLost(t))
        self._person = clean.detected

        scale = self._scale.update(float(torso_px(clean.image_px[None])[0]))
        row = BodySignals.from_sample(clean, scale)
        self._frames.append(row)
        while self._frames and t - float(self._frames[0].t_s[0]) > self._history_s:
            self._frames.popleft()
        while len(self._found_at) > 1 and t - self._found_at[1] > self._history_s:
            self._found_at.popleft()

        if self._decision is not None:
            if self._exercise is not None:
                self._count_lost(row)
            events += self._advance(row)
            if (self._exercise is not None and self._changed is None
                    and t - self._last_attempt_s >= self.settings.decide_every_s):
                self._last_attempt_s = t
                events += self._look_for_change(t)
        elif t - self._last_attempt_s >= self.settings.decide_every_s:
            self._last_attempt_s = t
            events += self._try_to_decide(final=False)
        elif self._assumed is not None:
            exercise, guess, trial = self._assumed
            trial.update(t, float(exercise.primary_signal(row, guess)[0]))
        self._last_row, self._state = row, None
        return events

    def end(self) -> list[Event]:
        """The stream is over: decide if still undecided, and count a rep cut off by the
        end (past its peak and on its way back). Returns what happened."""
        if self._ended:
            return []
        self._ended = True
        events: list[Event] = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if self._decision is None and self._frames:
                events += self._try_to_decide(final=True)
            if self._engine is not None and self._last_t is not None:
                rep = self._engine.finish(self._last_t)
                if rep is not None:
                    events += self._rep_done(rep, self._window(rep))
        return events

    def report(self) -> Report:
        """The report of the whole stream, which this ends (see :meth:`end`: call that
        first to have the events of the end)."""
        self.end()
        return self._report()

    # ------------------------------------------------------------- recognition

    def _try_to_decide(self, *, final: bool) -> list[Event]:
        body = BodySignals.concat(list(self._frames))
        verdict = (forced(body, self._forced, self.exercises) if self._forced
                   else recognise(body, self.exercises))
        t = float(body.t_s[-1])
        if not verdict.recognised:
            self._assumed = None
            if final:
                self._decision = verdict
                return []
            return self._hint_event(t, self._setup_hint(body))
        assert verdict.view is not None
        exercise = self.exercises[verdict.exercise]
        kept_s = t - float(body.t_s[0])
        seen_t = body.t_s[np.isfinite(body.trunk_incl_img_deg)]
        if not final and seen_t.size and seen_t[-1] - seen_t[0] < self.settings.min_evidence_s:
            return self._hint_event(t, self._setup_hint(body))
        if not final and kept_s < self.settings.max_undecided_s:
            # Commit only once a first rep is complete in the frames kept. Until then the
            # frames are shown as this exercise's (its phases and readouts), assumed.
            guess = Setup(exercise.name, verdict.view)
            trial = RepEngine(exercise.rep_settings)
            signal = exercise.primary_signal(body, guess)
            if not any(trial.update(float(ts), float(v)) is not None
                       for ts, v in zip(body.t_s, signal, strict=True)):
                self._assumed = (exercise, guess, trial)
                return self._hint_event(t, self._setup_hint(body))
        self._decision = verdict
        self._assumed = None
        self._exercise = exercise
        self._setup = Setup(exercise.name, verdict.view)
        self._engine = RepEngine(exercise.rep_settings)
        self._camera = CameraWatch(lying=exercise.lying, keep_s=self._history_s)
        history = exercise.primary_signal(body, self._setup)
        events: list[Event] = [Recognised(t, exercise.name, verdict.view, verdict.seen,
                                          body.t_s.copy(), history)]
        events += self._hint_event(t, self._view_hint(exercise, verdict.view))
        self._count_lost(body)
        return events + self._advance(body)

    def _count_lost(self, body: BodySignals) -> None:
        """Add ``body``'s frames from the first with a person to the running count of
        frames in which the pose model lost the body (see :attr:`Exercise.lost_frames`)."""
        assert self._exercise is not None and self._setup is not None
        lost = self._exercise.lost_frames(body, self._setup.view)
        judged = np.logical_or.accumulate(np.isfinite(body.trunk_incl_img_deg)
                                          | (self._frames_judged > 0))
        self._frames_judged += int(judged.sum())
        self._frames_lost += int((lost & judged).sum())

    def _look_for_change(self, t: float) -> list[Event]:
        """Whether the last ``change_window_s`` show another exercise than the one graded."""
        assert self._exercise is not None
        since = t - self.settings.change_window_s
        if float(self._frames[0].t_s[0]) > since:
            return []
        body = BodySignals.concat([row for row in self._frames if row.t_s[0] >= since])
        verdict = recognise(body, self.exercises)
        if not verdict.recognised or verdict.exercise == self._exercise.name:
            return []
        # From the first frame in the new exercise's posture and out of the old one's.
        new = self.exercises[verdict.exercise]
        assert self._setup is not None and verdict.view is not None
        moved = (new.in_posture(body, verdict.view)
                 & ~self._exercise.in_posture(body, self._setup.view))
        since = float(body.t_s[int(np.argmax(moved))] if moved.any() else body.t_s[0])
        self._changed = ExerciseChanged(t, self._exercise.name, verdict.exercise, since)
        return [self._changed]

    def _setup_hint(self, body: BodySignals) -> str | None:
        """What to change before the first rep, from the last second of frames."""
        recent = body.t_s >= body.t_s[-1] - 1.0
        seen = recent & np.isfinite(body.trunk_incl_img_deg)
        if not seen.any():
            return "I can't see anyone: stand where the camera sees your whole body"
        ankles = float(np.nanmean(body.visibility[np.ix_(seen, [L.LEFT_ANKLE, L.RIGHT_ANKLE])]))
        if ankles < 0.5:
            return "step back: I can't see your feet"
        return None

    def _view_hint(self, exercise: Exercise, view: View) -> str | None:
        """How to film when this view leaves most of the exercise's checks unseen."""
        usable = {v: len({c.code for c in applicable(exercise.checks, v)}) for v in View}
        best = max(usable, key=lambda v: usable[v])
        if usable[view] * 2 >= usable[best] or best not in exercise.filming_advice:
            return None
        return f"for the {exercise.title}, {exercise.filming_advice[best]}"

    def _hint_event(self, t: float, hint: str | None) -> list[Event]:
        if hint is None or hint == self._hint:
            return []
        self._hint = hint
        return [SetupHint(t, hint)]

    # -------------------------------------------------------------------- reps

    def _advance(self, body: BodySignals) -> list[Event]:
        """Feed frames the engine has not seen yet through it."""
        assert self._exercise is not None and self._setup is not None and self._engine
        engine = self._engine
        events: list[Event] = []
        signal = self._engine_signal(body)
        posture = self._exercise.in_posture(body, self._setup.view)
        for i in range(len(body)):
            t = float(body.t_s[i])
            was_in_rep = engine.in_rep
            rep = engine.update(t, float(signal[i]))
            if self._camera is not None and posture[i] and engine.phase is Phase.REST:
                self._camera.add(body, np.array([i]))
            if engine.in_rep and not was_in_rep:
                events.append(RepStarted(t, engine.count + 1))
            if rep is not None:
                setup = self._setup
                events += self._rep_done(rep, self._window(rep))
                if self._setup != setup and i + 1 < len(body):
                    # The first rep fixed the working side: the signal follows it from now on.
                    rest = body.take(slice(i + 1, None))
                    signal[i + 1:] = self._engine_signal(rest)
        return events

    def _engine_signal(self, body: BodySignals) -> np.ndarray:
        """The exercise's primary signal for the rep engine, blank for ``onset_s`` after
        each time a person was found."""
        assert self._exercise is not None and self._setup is not None
        signal = self._exercise.primary_signal(body, self._setup).copy()
        for found in self._found_at:
            signal[(body.t_s >= found) & (body.t_s < found + self.settings.onset_s)] = np.nan
        return signal

    def _window(self, rep: Rep) -> BodySignals:
        """The rep's own frames, from the kept history."""
        rows = [row for row in self._frames if rep.start_s <= row.t_s[0] <= rep.end_s]
        return BodySignals.concat(rows)

    def _rep_done(self, rep: Rep, window: BodySignals) -> list[Event]:
        assert self._exercise is not None and self._setup is not None
        exercise = self._exercise
        if self._changed is not None and rep.start_s >= self._changed.since_s:
            return []  # a movement of the next exercise, not a rep of this one
        seen = np.isfinite(window.trunk_incl_img_deg)
        if (seen.any()
                and exercise.in_posture(window, self._setup.view)[seen].mean() < MIN_POSTURE_SHARE):
            logger.debug("a %s rep at %.1f-%.1f s out of its posture: not graded",
                         exercise.name, rep.start_s, rep.end_s)
            return []
        if not self._first_rep_resolved:
            self._first_rep_resolved = True
            self._setup = exercise.resolve_setup(window, rep, self._setup)
        previous = tuple(r.rep for r in self._tally.reps)
        camera = self._camera.estimate() if self._camera is not None else UNKNOWN_CAMERA
        graded = self._tally.add(grade_rep(exercise, window, rep, self._setup, previous,
                                           camera=camera))
        t = self._last_t if self._last_t is not None else rep.end_s
        events: list[Event] = [RepGraded(t, graded)]
        if not graded.good and self._tally.first_bad == len(self._tally.reps):
            events.append(CountStopped(t, len(self._tally.reps), self._tally.good_reps,
                                       graded.faults[0]))
        return events

    # ------------------------------------------------------------------ state

    def _frame_state(self, row: BodySignals) -> FrameState:
        t = float(row.t_s[0])
        detected = bool(np.isfinite(row.trunk_incl_img_deg[0]))
        tally = self._tally
        total, good, stopped = len(tally.reps), tally.good_reps, tally.first_bad is not None
        pose = {"landmarks_px": row.image_px[0], "visibility": row.visibility[0],
                "set_index": tally.set_index, "set_good_reps": tally.set_good_reps,
                "set_stopped": tally.set_stopped}
        committed = self._exercise is not None and self._setup is not None and self._engine
        if committed:
            assert self._exercise is not None and self._setup is not None and self._engine
            exercise, setup, engine = self._exercise, self._setup, self._engine
            assumed = None
        elif self._assumed is not None and detected:
            exercise, setup, engine = self._assumed
            assumed = exercise.name
        else:
            phase = "recognising" if detected else "no person"
            return FrameState(t, detected, None, None, phase, total, total, good, stopped,
                              **pose)
        phase = {Phase.REST: "rest", Phase.AWAY: exercise.phases[0],
                 Phase.PEAK: exercise.phases[1], Phase.BACK: exercise.phases[2]}[engine.phase]
        if not detected:
            phase = "no person"
        checks = applicable(exercise.checks, setup.view)
        readouts = []
        for metric, values in exercise.readouts(row, setup).items():
            on_metric = [c for c in checks if c.metric == metric]
            if on_metric:
                readouts.append(Readout(metric, float(values[0]), on_metric[0].unit,
                                        tuple((c.fault_when, c.limit) for c in on_metric)))
        return FrameState(
            t, detected, None if assumed else exercise.name, setup.view,
            phase, engine.count + (1 if engine.in_rep else 0), total, good, stopped,
            signal=float(exercise.primary_signal(row, setup)[0]) if not assumed else math.nan,
            readouts=tuple(readouts), assumed=assumed, phase_since_s=engine.phase_since_s,
            **pose)

    # ----------------------------------------------------------------- report

    def _video(self) -> VideoInfo:
        if self._first_t is None or self._last_t is None:
            return self.video
        return self.video.decoded(self._frames_seen, self._first_t, self._last_t)

    def _report(self) -> Report:
        video = self._video()
        rate = self._frames_detected / self._frames_seen if self._frames_seen else 0.0
        provenance = self.provenance
        if rate < self.settings.min_detection_rate:
            reason = (f"a person was found in only {100 * rate:.0f}% of frames: film in good"
                      " light with the whole body in frame")
            return Report(Status.UNGRADABLE, video, "other", reason=reason,
                          detection_rate=rate, provenance=provenance)
        decision, exercise, setup = self._decision, self._exercise, self._setup
        if decision is None or exercise is None or setup is None:
            seen = decision.seen if decision else "no frames"
            return Report(Status.UNGRADABLE, video, "other", reason=seen, seen=seen,
                          view=decision.view if decision else None, detection_rate=rate,
                          provenance=provenance)
        lost_share = self._frames_lost / self._frames_judged if self._frames_judged else 0.0
        untrusted = exercise.untrusted(lost_share, setup.view)
        if untrusted is not None:
            # Counting on poses the model got wrong gives wrong counts: say why instead.
            return Report(Status.UNGRADABLE, video, exercise.name, reason=untrusted,
                          seen=decision.seen, view=setup.view, detection_rate=rate,
                          provenance=provenance)
        skipped_checks = tuple(skipped(exercise.checks, setup.view))
        not_judged = tuple(judged_nowhere(exercise.checks))
        sets = tuple(self._tally.sets())
        return Report(
            Status.GRADED,
            video,
            exercise.name,
            variant=setup.variant,
            side=None if setup.working_side is None else SIDES[setup.working_side],
            view=setup.view,
            seen=decision.seen,
            reps=tuple(self._tally.reps),
            sets=sets,
            skipped_checks=skipped_checks,
            filming_advice=tuple(filming_advice(exercise, code) for code, _ in skipped_checks
                                 if code not in not_judged),
            not_judged=not_judged,
            prescription=advice([s.good_reps for s in sets],
                                [s.rest_before_s for s in sets if s.rest_before_s is not None]),
            detection_rate=rate,
            provenance=provenance,
            camera=self._camera.estimate() if self._camera is not None else UNKNOWN_CAMERA,
        )
