"""The rep engine: an incremental state machine over one signal, fed frame by frame.

The same engine serves files, batch and live mode. It never looks ahead: a rep
is reported on the frame that ends it. It counts a rep when the signal leaves its
resting level, travels at least ``min_amplitude`` away, and comes back, with
hysteresis between leaving (``start_delta``) and returning (``end_fraction``),
so that jitter near a threshold, a pause at the top, getting into position and
small partial movements are not counted.

Before the state machine, the signal may pass through a centred running median over
``median_s`` seconds: a spike of a frame or two, where the pose model misplaced a
joint, then neither ends a rep early nor starts a false one. The median of a sample needs
the samples after it, so the engine reports a rep half the median's span later (70 ms for
the bridge's 0.14 s).

Everything is in seconds, so the engine counts the same reps whatever the sample rate:
the windows (rest, settling, the peak's hold, gaps) are spans of time, the median's number
of samples comes from the sample interval the engine observes (0.14 s is 5 samples at 24-30
a second, 3 at 10-20, 9 at 60), and a rep's start and end are where the signal crosses its
thresholds, interpolated between the samples either side, not the samples themselves (so a
rep's length is not lengthened by up to two sample intervals, 0.2 s at 10 a second). What a
lower rate still changes: a peak or a dip shorter than the sample interval may fall between
samples, and the times of the samples a rep's window holds are a coarser grid.

The signal rises during a rep: trunk inclination for a deadlift, hip angle for a
bridge. The resting level adapts while at rest (the lowest recent value), so a
person who shifts position between reps is followed.

When the stream ends during a rep that is past its peak and on its way back,
:meth:`RepEngine.finish` counts it, marked as ended by the clip.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class RepSettings:
    """Thresholds of the rep engine, in the signal's own unit (degrees here).

    Attributes:
        start_delta: Rise above the resting level that starts a candidate rep.
        min_amplitude: Smallest peak rise above rest that makes a rep.
        end_fraction: The rep ends when the signal is back within this fraction of
            its amplitude above rest.
        min_duration_s: Shortest rep, seconds (start to end).
        max_duration_s: Longest rep, seconds; a longer excursion is a change of
            position, not a rep, and the engine starts again from it.
        rest_window_s: The resting level is the lowest value over this window, seconds.
        max_gap_s: A gap in the signal (no person) longer than this abandons a rep.
        cut_return_fraction: At the end of the stream, a rep whose signal has come back
            down from its peak by at least this fraction of its amplitude is counted
            (heuristic: a quarter of the way back is clearly past the peak and not a
            pause at it).
        cut_amplitude_fraction: ... and, after earlier reps, whose amplitude is at least
            this fraction of theirs (median): the legs put down as a clip ends are not a
            rep cut short (heuristic: such a movement read 13 degrees against earlier
            bridges of 49-54 on a rendered clip).
        median_s: The signal is first the median of the samples within this span, seconds,
            centred on each (0: taken as it is). Its number of samples is worked out from the
            sample interval the engine observes (the median of the last few intervals):
            ``2 * round(median_s / 2 / interval) + 1``, so the span stays the same in time
            when the rate changes (at 10 a second at least 3 samples, 0.2 s, for any span
            over 0.05 s).
        settle_s: When set, a rep also ends where the signal has settled, moving less
            than ``start_delta`` for this long, at least ``settle_fraction`` of the
            amplitude back from its peak: the person lies or stands at a new resting
            level (feet moved between reps) and the next rep starts from there. None:
            only the return to the old resting level ends a rep.
        settle_fraction: See ``settle_s``.
    """

    start_delta: float
    min_amplitude: float
    end_fraction: float = 0.35
    min_duration_s: float = 0.4
    max_duration_s: float = 12.0
    rest_window_s: float = 1.5
    max_gap_s: float = 1.0
    cut_return_fraction: float = 0.25
    cut_amplitude_fraction: float = 0.5
    median_s: float = 0.0
    settle_s: float | None = None
    settle_fraction: float = 0.25

    def __post_init__(self) -> None:
        if not self.median_s >= 0:
            raise ValueError(f"median_s must be 0 or more seconds, not {self.median_s}")


@dataclass(frozen=True)
class Rep:
    """One counted rep.

    Attributes:
        index: 1-based position in the clip.
        start_s: When the signal left rest, seconds.
        peak_s: When the signal peaked (bottom of a deadlift, top of a bridge), seconds.
        end_s: When the signal was back at rest, seconds.
        rest_value: The resting level before the rep.
        peak_value: The signal at its peak.
        ended_by_clip: True when the stream ended on the way back, before the signal
            was back at rest; ``end_s`` is then the last frame's time.
        left_rest_s: When the signal crossed out of rest, seconds, interpolated between
            the last sample at rest (``start_s``) and the next; None: ``start_s``.
        returned_s: When it crossed back, interpolated between the last sample away and
            the first back (``end_s``); None: ``end_s``. ``start_s`` and ``end_s`` stay
            samples, because they bound the rep's window of frames.
    """

    index: int
    start_s: float
    peak_s: float
    end_s: float
    rest_value: float
    peak_value: float
    ended_by_clip: bool = False
    left_rest_s: float | None = None
    returned_s: float | None = None

    @property
    def duration_s(self) -> float:
        """The rep's length, seconds: from crossing out of rest to crossing back,
        interpolated between samples (the same length at any sample rate, not one
        lengthened by up to two sample intervals)."""
        start = self.start_s if self.left_rest_s is None else self.left_rest_s
        end = self.end_s if self.returned_s is None else self.returned_s
        return end - start

    @property
    def amplitude(self) -> float:
        return self.peak_value - self.rest_value


class Phase(Enum):
    """Where the engine is: at rest, moving away from rest, holding at the peak (the
    bottom of a deadlift, the top of a bridge), or on the way back."""

    REST = "rest"
    AWAY = "away"
    PEAK = "peak"
    BACK = "back"

#: The signal within this fraction of ``start_delta`` of its peak, and no new peak for
#: ``PEAK_HOLD_S``, is a hold at the peak.
PEAK_BAND, PEAK_HOLD_S = 0.5, 0.2


class _State(Enum):
    REST = "rest"
    MOVING = "moving"


#: Sample intervals the median's size is worked out from (the median of the last this many).
INTERVALS_KEPT = 9
#: At most this many samples either side in the median, whatever the rate.
MAX_HALF_SAMPLES = 30


def median_half_samples(span_s: float, interval_s: float) -> int:
    """Samples either side of the centre in a median over ``span_s`` seconds of samples
    ``interval_s`` apart: ``round(span_s / 2 / interval_s)``, at most
    :data:`MAX_HALF_SAMPLES` (0.14 s: 2 at 24-30 a second, 1 at 10-20, 4 at 60)."""
    if span_s <= 0:
        return 0
    if interval_s <= 0:
        return MAX_HALF_SAMPLES
    return min(MAX_HALF_SAMPLES, round(span_s / 2 / interval_s))


def crossing_s(t0: float, v0: float, t1: float, v1: float, level: float) -> float:
    """When the line from ``(t0, v0)`` to ``(t1, v1)`` crosses ``level``, seconds
    (``t1`` when the two values are equal; clamped to the two times)."""
    if v1 == v0:
        return t1
    return t0 + (t1 - t0) * min(1.0, max(0.0, (level - v0) / (v1 - v0)))


class _CentredMedian:
    """A centred running median over ``span_s`` seconds, fed one sample at a time: each
    sample comes out (with its own time) once the samples after it have come in, and
    :meth:`drain` lets the last ones out, each over the samples around it that there are
    (as many on either side).

    Its number of samples either side is ``round(span_s / 2 / interval)``, the interval
    being the median of the last :data:`INTERVALS_KEPT` sample intervals, worked out again
    for each sample released (a variable-frame-rate stream follows its rate)."""

    def __init__(self, span_s: float) -> None:
        self._half_s = span_s / 2.0
        self._window: deque[tuple[float, float]] = deque()
        self._intervals: deque[float] = deque(maxlen=INTERVALS_KEPT)
        self._waiting = 0

    @property
    def last_t(self) -> float:
        """Time of the newest sample taken, or -inf."""
        return self._window[-1][0] if self._window else -math.inf

    def half(self) -> int:
        """Samples either side of the one released, from the observed interval."""
        if self._half_s <= 0:
            return 0
        if not self._intervals:
            return MAX_HALF_SAMPLES  # no interval seen yet: wait for one
        return median_half_samples(2 * self._half_s, statistics.median(self._intervals))

    def push(self, t_s: float, value: float) -> list[tuple[float, float]]:
        """Take a sample; return the (time, median) of those it completes (oldest first)."""
        if self._window and t_s > self._window[-1][0]:
            self._intervals.append(t_s - self._window[-1][0])
        self._window.append((t_s, value))
        self._waiting += 1
        out = []
        while self._waiting and self._waiting > self.half():
            out.append(self._release())
        return out

    def drain(self) -> list[tuple[float, float]]:
        """The samples still waiting, each with the median of what is there around it."""
        out = []
        while self._waiting:
            out.append(self._release())
        self._window.clear()
        self._intervals.clear()
        return out

    def _release(self) -> tuple[float, float]:
        # Centred on the sample, so near either end of the stream the window shrinks on
        # both sides (the last sample comes out as it is, not pulled back by older ones).
        window = list(self._window)
        k = len(window) - self._waiting
        reach = min(self.half(), k, len(window) - 1 - k)
        values = sorted(v for _, v in window[k - reach:k + reach + 1])
        self._waiting -= 1
        # Keep only the samples a later release can still reach back to.
        while len(self._window) - self._waiting > MAX_HALF_SAMPLES:
            self._window.popleft()
        return window[k][0], values[len(values) // 2]


class RepEngine:
    """Feed ``(t_s, value)`` pairs in time order with :meth:`update`; reps come out."""

    def __init__(self, settings: RepSettings) -> None:
        self.settings = settings
        self._median = _CentredMedian(settings.median_s)
        self._moving: deque[tuple[float, float]] = deque()  # the last settle_s of a rep
        self._amplitudes: list[float] = []  # of the reps counted
        self._state = _State.REST
        self._recent: deque[tuple[float, float]] = deque()
        self._rest_value = math.nan
        self._start_s = 0.0
        self._left_rest_s = 0.0  # when the rep under way crossed out of rest
        self._peak_s = 0.0
        self._peak_value = -math.inf
        self._last_t = -math.inf
        self._last_value = math.nan
        self._count = 0
        self._rest_since_s = -math.inf  # when the last rep ended (or the engine restarted)
        self._back_s: float | None = None  # when the signal left the peak's band

    @property
    def moving(self) -> bool:
        """True while a candidate rep is under way."""
        return self._state is _State.MOVING

    @property
    def in_rep(self) -> bool:
        """True once the movement under way has travelled far enough to be a rep."""
        return self.moving and self._peak_value - self._rest_value >= self.settings.min_amplitude

    @property
    def count(self) -> int:
        """Reps counted so far."""
        return self._count

    @property
    def phase(self) -> Phase:
        """Rest, away from rest (toward the peak), holding at the peak, or back from it."""
        if not self.moving:
            return Phase.REST
        if self._peak_value - self._last_value > PEAK_BAND * self.settings.start_delta:
            return Phase.BACK
        return Phase.PEAK if self._last_t - self._peak_s >= PEAK_HOLD_S else Phase.AWAY

    @property
    def phase_since_s(self) -> float:
        """When the current phase began, as the samples show it now (seconds): the rep's
        start for moving away, the peak for holding at it, where the signal left the
        peak's band for coming back, the last rep's end for rest. A phase is known a
        little after it begins (half the median's span, and ``PEAK_HOLD_S`` for the peak):
        a driver that can wait (the annotated video) labels the frames since this time."""
        phase = self.phase
        if phase is Phase.REST:
            return self._rest_since_s
        if phase is Phase.AWAY:
            return self._start_s
        if phase is Phase.PEAK:
            return self._peak_s
        return self._back_s if self._back_s is not None else self._last_t

    def finish(self, end_s: float) -> Rep | None:
        """The stream has ended at ``end_s``: the samples still in the median go through,
        then the rep under way, if it is past its peak and on its way back (see
        :attr:`RepSettings.cut_return_fraction`) and was still seen within ``max_gap_s`` of
        the end, comes out marked as ended by the clip."""
        settings = self.settings
        done = self._drain()
        if done is not None:
            return done
        if (not self.moving or not math.isfinite(self._last_value)
                or end_s - self._last_t > settings.max_gap_s):
            return None
        amplitude = self._peak_value - self._rest_value
        returned = self._peak_value - self._last_value
        earlier = statistics.median(self._amplitudes) if self._amplitudes else 0.0
        if (amplitude < settings.min_amplitude
                or amplitude < settings.cut_amplitude_fraction * earlier
                or self._last_t - self._left_rest_s < settings.min_duration_s
                or returned < settings.cut_return_fraction * amplitude):
            return None
        rep = self._counted(self._last_t, self._last_t, ended_by_clip=True)
        self._restart()
        return rep

    def _counted(self, end_s: float, returned_s: float, *, ended_by_clip: bool = False) -> Rep:
        """The rep under way, counted, ending on the sample at ``end_s`` (back at rest at
        ``returned_s``)."""
        self._count += 1
        self._amplitudes.append(self._peak_value - self._rest_value)
        return Rep(self._count, self._start_s, self._peak_s, end_s, self._rest_value,
                   self._peak_value, ended_by_clip=ended_by_clip,
                   left_rest_s=self._left_rest_s, returned_s=returned_s)

    def _restart(self) -> None:
        self._rest_since_s = self._last_t
        self._state = _State.REST
        self._recent.clear()
        self._rest_value = math.nan

    def update(self, t_s: float, value: float) -> Rep | None:
        """Take one sample; return the rep it completes, if any. NaN means no person."""
        if not math.isfinite(value):
            return None
        # Across a gap the median does not mix the samples either side of it.
        done = self._drain() if t_s - self._median.last_t > self.settings.max_gap_s else None
        for released in self._median.push(t_s, value):  # (none right after a drain)
            done = self._step(*released) or done
        return done

    def _drain(self) -> Rep | None:
        """Let the samples waiting in the median through the state machine."""
        done = None
        for t_s, value in self._median.drain():
            done = self._step(t_s, value) or done
        return done

    def _step(self, t_s: float, value: float) -> Rep | None:
        """The state machine, on one sample of the median signal."""
        settings = self.settings
        if t_s - self._last_t > settings.max_gap_s:
            self._restart()
        previous = (self._last_t, self._last_value)
        self._last_t = t_s
        self._last_value = value

        if self._state is _State.REST:
            self._recent.append((t_s, value))
            while self._recent and self._recent[0][0] < t_s - settings.rest_window_s:
                self._recent.popleft()
            rest = min(v for _, v in self._recent)
            if value > rest + settings.start_delta:
                # Start where the signal last sat at its resting level: on that sample
                # for the rep's window, and where it crossed half of start_delta, between
                # that sample and the next, for the rep's length.
                level = rest + settings.start_delta / 2
                recent = list(self._recent)
                j = next(i for i in range(len(recent) - 1, -1, -1) if recent[i][1] <= level)
                self._left_rest_s = crossing_s(*recent[j], *recent[j + 1], level)
                self._state = _State.MOVING
                self._rest_value, self._start_s = rest, recent[j][0]
                self._peak_value, self._peak_s = value, t_s
                self._back_s = None
                self._moving.clear()
            return None

        if value > self._peak_value:
            self._peak_value, self._peak_s = value, t_s
        if (self._peak_value - value > PEAK_BAND * settings.start_delta
                and (self._back_s is None or self._back_s < self._peak_s)):
            self._back_s = t_s
        amplitude = self._peak_value - self._rest_value
        if t_s - self._start_s > settings.max_duration_s:
            self._restart()
            self._recent.append((t_s, value))
            return None
        level = self._rest_value + settings.end_fraction * max(amplitude, settings.start_delta)
        if value <= level:
            # Back at rest on this sample; crossed back between the one before and this.
            returned_s = (crossing_s(*previous, t_s, value, level)
                          if math.isfinite(previous[1]) and previous[1] > level else t_s)
            return self._end(t_s, returned_s, [(t_s, value)])
        settled = self._settled(t_s, value, amplitude)
        return self._end(settled[0][0], settled[0][0], settled) if settled else None

    def _settled(self, t_s: float, value: float, amplitude: float) -> list[tuple[float, float]]:
        """The samples over which the signal has settled away from its peak (see
        :attr:`RepSettings.settle_s`), or none."""
        settings = self.settings
        if settings.settle_s is None:
            return []
        self._moving.append((t_s, value))
        while self._moving and self._moving[0][0] < t_s - settings.settle_s:
            self._moving.popleft()
        values = [v for _, v in self._moving]
        if (t_s - self._moving[0][0] < 0.9 * settings.settle_s
                or max(values) - min(values) >= settings.start_delta
                or self._peak_value - max(values) < settings.settle_fraction * amplitude):
            return []
        return list(self._moving)

    def _end(self, end_s: float, returned_s: float,
             rest: list[tuple[float, float]]) -> Rep | None:
        """Back at rest on the sample at ``end_s`` (crossed back at ``returned_s``),
        ``rest`` the samples seen there: the rep, if it travelled far enough and lasted
        long enough (from crossing out to crossing back)."""
        settings = self.settings
        amplitude = self._peak_value - self._rest_value
        rep = None
        if (amplitude >= settings.min_amplitude
                and returned_s - self._left_rest_s >= settings.min_duration_s):
            rep = self._counted(end_s, returned_s)
        self._state = _State.REST
        self._rest_since_s = end_s
        self._recent.clear()
        self._recent.extend(rest)
        return rep
