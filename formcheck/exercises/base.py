"""What an exercise module declares, so that the analysis session can run it.

An exercise is a plug-in: its per-frame signals (the primary signal the rep
engine counts on, live readouts of the checked angles), its recognition cue,
how its variant and working side are resolved at the first rep, its per-rep
measurements over the rep's own window of frames, and its checks (thresholds as
data). Adding an exercise is one module plus one line in
:mod:`formcheck.exercises`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

import numpy as np

from formcheck.signals.body import BodySignals
from formcheck.signals.reps import Rep, RepSettings


class View(StrEnum):
    """Where the camera stands relative to the person."""

    SIDE = "side"
    FRONT = "front"
    REAR = "rear"
    OBLIQUE = "oblique"
    FEET = "feet"  # bridge filmed from the feet end
    HEAD = "head"  # bridge filmed from the head end


def check_label(code: str) -> str:
    """A check's code in words: ``sldl.knee_valgus`` -> ``knee valgus``."""
    return code.split(".", 1)[-1].replace("_", " ")


#: The camera-angle bins of the error tables: upper edges, degrees from side-on.
MARGIN_BINS_DEG = (25.0, 60.0, 90.0)
#: Where the exercises' error tables come from.
MEASURED_ON_TUNING = ("benchmarks/margins.py on the rendered tuning split (56 clips, 15"
                      " analysed frames a second), 2026-12-03")
#: A bin with too few reps to give a margin.
NAN = float("nan")


@dataclass(frozen=True)
class ErrorTable:
    """How well a check's metric is read, by the camera's angle from side-on (as
    :mod:`formcheck.signals.camera` estimates it): the 90th percentile of the absolute
    error of the reading against the rendered clips' exact truth, in the check's unit.

    Attributes:
        off_side_deg: ``(N,)`` upper edges of the angle bins, degrees, increasing (the
            first bin starts at 0).
        p90: ``(N,)`` the error's 90th percentile in each bin (NaN: too few reps there).
        reps: ``(N,)`` reps measured in each bin.
        source: How it was obtained: the split, the command, the date.
        truth_gain: The reading is on this scale of the true value (a rotation seen in
            the picture reads a part of the true one): a true value ``x`` reads about
            ``truth_gain * x``; 1 for a metric read on the truth's own scale.
    """

    off_side_deg: tuple[float, ...]
    p90: tuple[float, ...]
    reps: tuple[int, ...]
    source: str
    truth_gain: float = 1.0

    def __post_init__(self) -> None:
        if not len(self.off_side_deg) == len(self.p90) == len(self.reps) > 0:
            raise ValueError("off_side_deg, p90 and reps: expected the same length, at least 1")

    def margin(self, off_side_deg: float) -> float:
        """The error's 90th percentile for a camera ``off_side_deg`` from side-on: its bin's,
        or where the angle is unknown (NaN) or its bin unmeasured, the largest measured
        (unknown is treated as the worst measured case)."""
        measured = [p for p in self.p90 if math.isfinite(p)]
        worst = max(measured) if measured else 0.0
        if not math.isfinite(off_side_deg):
            return worst
        for edge, p90 in zip(self.off_side_deg, self.p90, strict=True):
            if off_side_deg <= edge:
                return p90 if math.isfinite(p90) else worst
        return worst


def measured_on_tuning(p90: tuple[float, ...], reps: tuple[int, ...], *,
                       truth_gain: float = 1.0) -> ErrorTable:
    """An error table measured on the tuning split, in the :data:`MARGIN_BINS_DEG` bins."""
    return ErrorTable(MARGIN_BINS_DEG, p90, reps, MEASURED_ON_TUNING, truth_gain)


@dataclass(frozen=True)
class Check:
    """One form rule: a metric of a rep compared with a limit.

    Attributes:
        code: Fault code, a stable contract (e.g. ``sldl.stance_knee_bend``).
        metric: Name of the measured value, with its unit in the name.
        unit: Unit of the value and limit (``deg``, ``s``, ``ratio``...).
        fault_when: ``above`` (fault when value > limit) or ``below`` (value < limit).
        limit: The threshold.
        views: Camera views in which the metric can be measured.
        cue: What to do instead, in plain language.
        describe: Plain-language statement of the fault, formatted with ``value``.
        source: A citation, or "heuristic: how it was tuned".
        landmarks: Landmarks the metric depends on, for the confidence test.
        min_visibility: Below this mean visibility over the rep, the check is uncertain.
        too_coarse_in: Views where the metric can be read but errs by more than the
            margin between good form and the limit, each with the measured reason; the
            check is skipped there and the reason given.
        error: How well the metric is read, by camera angle: a reading past the limit by
            no more than this margin is borderline, not a fault. None: no margin measured
            (every reading past the limit is a fault).
        max_off_side_deg: The camera's largest angle from side-on (as estimated from the
            clip) at which the metric is read well enough to judge, degrees; beyond it the
            check is uncertain on the rep, saying so. None: any angle of its views.
    """

    code: str
    metric: str
    unit: str
    fault_when: Literal["above", "below"]
    limit: float
    views: frozenset[View]
    cue: str
    describe: str
    source: str
    landmarks: tuple[int, ...] = ()
    min_visibility: float = 0.5
    too_coarse_in: Mapping[View, str] = field(default_factory=dict)
    error: ErrorTable | None = None
    max_off_side_deg: float | None = None

    def fails(self, value: float) -> bool:
        """True when ``value`` is beyond the limit (a value exactly at the limit passes)."""
        return value > self.limit if self.fault_when == "above" else value < self.limit

    def excess(self, value: float) -> float:
        """How far ``value`` is past the limit, in the check's unit (0 or less: within it)."""
        return value - self.limit if self.fault_when == "above" else self.limit - value

    def margin(self, off_side_deg: float) -> float:
        """The measurement's margin from a camera ``off_side_deg`` from side-on (0 with no
        error measured)."""
        return 0.0 if self.error is None else self.error.margin(off_side_deg)

    @property
    def needs(self) -> str:
        """Which views the check needs, for the skip reason: "a side or oblique view"."""
        names = [v.value for v in View if v in self.views and v not in self.too_coarse_in]
        if not names:
            return "a view the pose model reads it from reliably (none yet)"
        article = "an" if names[0][0] in "aeiou" else "a"
        return f"{article} {' or '.join(names)} view"


@dataclass(frozen=True)
class Measurement:
    """A metric of one rep: its value, when it was taken, and how visible its landmarks were.

    Attributes:
        value: The measured value, in the unit of the checks that read it.
        at_s: When it was measured, seconds.
        visibility: Mean visibility of the landmarks it depends on, 0-1.
        unreliable: Why the value cannot be judged even though it was measured (for
            example a rep cut off by the end of the clip has no true length); None when
            it can.
    """

    value: float
    at_s: float
    visibility: float = 1.0
    unreliable: str | None = None

    @property
    def valid(self) -> bool:
        return math.isfinite(self.value)


@dataclass(frozen=True)
class Setup:
    """What recognition found about the clip, fixed for all its reps.

    Attributes:
        exercise: ``sldl`` or ``bridge``.
        view: The camera view.
        variant: ``single_leg`` or ``double`` for the bridge; None for the deadlift.
        working_side: 0 left, 1 right: the stance leg of a deadlift, the working leg of a
            single-leg bridge; None when both legs work.
    """

    exercise: str
    view: View
    variant: Literal["double", "single_leg"] | None = None
    working_side: int | None = None


@dataclass(frozen=True)
class Cue:
    """What one exercise's recogniser makes of the frames seen so far.

    Attributes:
        exercise: The exercise's name.
        matches: True when the frames show this exercise.
        view: The camera view, from the frames in the exercise's posture; None when
            the person was never in that posture.
        seen: What was seen, in plain language; when it does not match, why not and
            what to do.
        share: Share of the frames with a person spent in the exercise's posture; when
            several exercises match, or none does, the largest share speaks.
    """

    exercise: str
    matches: bool
    view: View | None
    seen: str
    share: float


def _same_setup(body: BodySignals, rep: Rep, setup: Setup) -> Setup:
    return setup


def peak_phase(body: BodySignals, rep: Rep, signal: np.ndarray, fraction: float) -> np.ndarray:
    """The frames of ``rep`` whose ``signal`` (the rep engine's) is past ``fraction`` of the
    rep's amplitude above its rest: the bottom of a deadlift, the top of a bridge; the peak
    frame if none is."""
    frames = body.window(rep.start_s, rep.end_s)
    past = frames[signal[frames] >= rep.rest_value + fraction * rep.amplitude]
    return past if past.size else np.array([body.index_at(rep.peak_s)])


def _no_readouts(body: BodySignals, setup: Setup) -> dict[str, np.ndarray]:
    return {}


def _every_frame(body: BodySignals, view: View) -> np.ndarray:
    return np.ones(len(body), dtype=bool)


def _nothing_lost(body: BodySignals, view: View) -> np.ndarray:
    return np.zeros(len(body), dtype=bool)


def _always_trusted(lost_share: float, view: View) -> str | None:
    return None


@dataclass(frozen=True)
class Exercise:
    """An exercise module's declaration.

    Every callable works on a :class:`BodySignals` of any length: one frame while
    streaming, a rep's window of frames when measuring, a stretch of frames when
    recognising.

    Attributes:
        name: Short name used on the command line and in reports (``sldl``).
        title: Human name (``single-leg deadlift``).
        posture: The posture the exercise is done in, for messages (``standing``).
        checks: The form rules.
        rep_settings: Rep engine thresholds for the primary signal.
        primary_signal: ``(body, setup) -> (T,)`` the signal the rep engine counts on.
        measure: ``(window, rep, setup, previous_reps) -> {metric: Measurement}``, over
            the rep's own frames only.
        recognise: ``(body) -> Cue`` whether the frames seen so far show this exercise.
        view: ``(body) -> View`` the camera view, when the exercise is named by the user.
        resolve_setup: ``(window, first_rep, setup) -> Setup`` the variant and working
            side, decided on the first rep's frames and kept for the rest of the session.
        readouts: ``(body, setup) -> {metric: (T,)}`` live values of the checked angles,
            named like the check metrics they preview, for overlays.
        phases: Names of the three parts of a rep: moving away from rest, holding at the
            peak, and coming back.
        signal_label: What the primary signal is, with its unit, for plots.
        signal_metric: The check metric the primary signal previews (its limits are drawn
            on plots of the signal), in ``signal_views``.
        signal_views: Views in which the primary signal is that metric.
        filming_advice: View -> how to film to get the checks that need it.
        in_posture: ``(body, view) -> (T,)`` frames in the exercise's posture, as seen
            from ``view``; a rep spent mostly out of it (a deadlift counted on someone
            lying down after a change of exercise) is not graded.
        lost_frames: ``(body, view) -> (T,)`` frames in which the pose model has
            visibly lost the body for this exercise from this view (a pose the view makes
            impossible); the session keeps a running count.
        untrusted: ``(lost_share, view) -> reason or None``: given the share of frames
            lost, why the clip cannot be counted from this view, with how to film, so that
            it is reported ungradable rather than counted wrongly; None when it can.
        views: The camera views its recognition tells apart (the report's ``view``).
        lying: Done lying down (the camera's elevation is then read from the floor's
            normal, not from the legs: :mod:`formcheck.signals.camera`).
    """

    name: str
    title: str
    posture: str
    checks: tuple[Check, ...]
    rep_settings: RepSettings
    primary_signal: Callable[[BodySignals, Setup], np.ndarray]
    measure: Callable[[BodySignals, Rep, Setup, tuple[Rep, ...]], dict[str, Measurement]]
    recognise: Callable[[BodySignals], Cue]
    view: Callable[[BodySignals], View]
    resolve_setup: Callable[[BodySignals, Rep, Setup], Setup] = _same_setup
    readouts: Callable[[BodySignals, Setup], dict[str, np.ndarray]] = _no_readouts
    phases: tuple[str, str, str] = ("moving", "holding", "returning")
    signal_label: str = "primary signal"
    signal_metric: str | None = None
    signal_views: frozenset[View] = frozenset()
    filming_advice: dict[View, str] = field(default_factory=dict)
    in_posture: Callable[[BodySignals, View], np.ndarray] = _every_frame
    lost_frames: Callable[[BodySignals, View], np.ndarray] = _nothing_lost
    untrusted: Callable[[float, View], str | None] = _always_trusted
    views: tuple[View, ...] = tuple(View)
    lying: bool = False

    @property
    def metrics(self) -> frozenset[str]:
        """The metric names the checks read."""
        return frozenset(check.metric for check in self.checks)

    @property
    def fault_codes(self) -> tuple[str, ...]:
        """Fault codes, in declaration order, each once."""
        return tuple(dict.fromkeys(check.code for check in self.checks))
