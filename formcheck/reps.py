"""The rep engine: an incremental state machine over one signal, fed frame by frame.

The same engine serves files, batch and live mode. It never looks ahead: a rep
is reported on the frame that ends it. It counts a rep when the signal leaves its
resting level, travels at least ``min_amplitude`` away, and comes back, with
hysteresis between leaving (``start_delta``) and returning (``end_fraction``),
so that jitter near a threshold, a pause at the top, getting into position and
small partial movements are not counted.

Before the state machine, the signal may pass through a centred running median of
``median_frames`` samples: a spike of a frame or two, where the pose model misplaced a
joint, then neither ends a rep early nor starts a false one. The median of a sample needs
the samples after it, so the engine reports a rep that many frames later (two frames, 80 ms
at 25 fps, for a median of five) and times it on the samples themselves.

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
        median_frames: The signal is first the median of this many samples centred on
            each (odd; 1: taken as it is).
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
    median_frames: int = 1
    settle_s: float | None = None
    settle_fraction: float = 0.25

    def __post_init__(self) -> None:
        if self.median_frames < 1 or self.median_frames % 2 == 0:
            raise ValueError(f"median_frames must be odd and positive, not {self.median_frames}")


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
    """

    index: int
    start_s: float
    peak_s: float
    end_s: float
    rest_value: float
    peak_value: float
    ended_by_clip: bool = False

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

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


class _CentredMedian:
    """A centred running median over ``size`` samples, fed one sample at a time: each
    sample comes out (with its own time) once the samples after it have come in, and
    :meth:`drain` lets the last ones out, each over the samples around it that there are
    (as many on either side)."""

    def __init__(self, size: int) -> None:
        self._half = size // 2
        self._window: deque[tuple[float, float]] = deque(maxlen=size)
        self._waiting = 0

    @property
    def last_t(self) -> float:
        """Time of the newest sample taken, or -inf."""
        return self._window[-1][0] if self._window else -math.inf

    def push(self, t_s: float, value: float) -> tuple[float, float] | None:
        """Take a sample; return the (time, median) of the one it completes, if any."""
        self._window.append((t_s, value))
        self._waiting += 1
        if self._waiting <= self._half:
            return None
        return self._release()

    def drain(self) -> list[tuple[float, float]]:
        """The samples still waiting, each with the median of what is there around it."""
        out = []
        while self._waiting:
            out.append(self._release())
        self._window.clear()
        return out

    def _release(self) -> tuple[float, float]:
        # Centred on the sample, so near either end of the stream the window shrinks on
        # both sides (the last sample comes out as it is, not pulled back by older ones).
        window = list(self._window)
        k = len(window) - self._waiting
        reach = min(self._half, k, len(window) - 1 - k)
        values = sorted(v for _, v in window[k - reach:k + reach + 1])
        self._waiting -= 1
        return window[k][0], values[len(values) // 2]


class RepEngine:
    """Feed ``(t_s, value)`` pairs in time order with :meth:`update`; reps come out."""

    def __init__(self, settings: RepSettings) -> None:
        self.settings = settings
        self._median = _CentredMedian(settings.median_frames)
        self._moving: deque[tuple[float, float]] = deque()  # the last settle_s of a rep
        self._amplitudes: list[float] = []  # of the reps counted
        self._state = _State.REST
        self._recent: deque[tuple[float, float]] = deque()
        self._rest_value = math.nan
        self._start_s = 0.0
        self._peak_s = 0.0
        self._peak_value = -math.inf
        self._last_t = -math.inf
        self._last_value = math.nan
        self._count = 0

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
                or self._last_t - self._start_s < settings.min_duration_s
                or returned < settings.cut_return_fraction * amplitude):
            return None
        rep = self._counted(self._last_t, ended_by_clip=True)
        self._restart()
        return rep

    def _counted(self, end_s: float, *, ended_by_clip: bool = False) -> Rep:
        """The rep under way, counted, ending at ``end_s``."""
        self._count += 1
        self._amplitudes.append(self._peak_value - self._rest_value)
        return Rep(self._count, self._start_s, self._peak_s, end_s, self._rest_value,
                   self._peak_value, ended_by_clip=ended_by_clip)

    def _restart(self) -> None:
        self._state = _State.REST
        self._recent.clear()
        self._rest_value = math.nan

    def update(self, t_s: float, value: float) -> Rep | None:
        """Take one sample; return the rep it completes, if any. NaN means no person."""
        if not math.isfinite(value):
            return None
        # Across a gap the median does not mix the samples either side of it.
        done = self._drain() if t_s - self._median.last_t > self.settings.max_gap_s else None
        released = self._median.push(t_s, value)  # (nothing comes out right after a drain)
        return self._step(*released) if released is not None else done

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
        self._last_t = t_s
        self._last_value = value

        if self._state is _State.REST:
            self._recent.append((t_s, value))
            while self._recent and self._recent[0][0] < t_s - settings.rest_window_s:
                self._recent.popleft()
            rest = min(v for _, v in self._recent)
            if value > rest + settings.start_delta:
                # Start where the signal last sat at its resting level.
                start_s = next(t for t, v in reversed(self._recent)
                               if v <= rest + settings.start_delta / 2)
                self._state = _State.MOVING
                self._rest_value, self._start_s = rest, start_s
                self._peak_value, self._peak_s = value, t_s
                self._moving.clear()
            return None

        if value > self._peak_value:
            self._peak_value, self._peak_s = value, t_s
        amplitude = self._peak_value - self._rest_value
        if t_s - self._start_s > settings.max_duration_s:
            self._restart()
            self._recent.append((t_s, value))
            return None
        if value <= self._rest_value + settings.end_fraction * max(amplitude,
                                                                   settings.start_delta):
            return self._end(t_s, [(t_s, value)])
        settled = self._settled(t_s, value, amplitude)
        return self._end(settled[0][0], settled) if settled else None

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

    def _end(self, end_s: float, rest: list[tuple[float, float]]) -> Rep | None:
        """Back at rest at ``end_s``, ``rest`` the samples seen there: the rep, if it
        travelled far enough and lasted long enough."""
        settings = self.settings
        amplitude = self._peak_value - self._rest_value
        rep = None
        if amplitude >= settings.min_amplitude and end_s - self._start_s >= settings.min_duration_s:
            rep = self._counted(end_s)
        self._state = _State.REST
        self._recent.clear()
        self._recent.extend(rest)
        return rep
