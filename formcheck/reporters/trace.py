"""A record of an analysis, frame by frame, for reporters that look back at a whole clip.

The session itself keeps only a bounded window; a reporter that plots the whole clip
(the HTML report) keeps its own record by listening to the session's frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from formcheck.analysis.events import Event, FrameState, Recognised
from formcheck.sources.frames import Frame


@dataclass
class SessionTrace:
    """Every frame's state and every event of one analysis, in order.

    Pass :meth:`add` as the driver's ``on_frame`` callback.
    """

    states: list[FrameState] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def add(self, state: FrameState, events: list[Event], frame: Frame | None = None) -> None:
        if frame is not None or not self.states or self.states[-1].t_s != state.t_s:
            self.states.append(state)
        self.events.extend(events)

    @property
    def t_s(self) -> np.ndarray:
        """``(T,)`` frame times, seconds."""
        return np.array([s.t_s for s in self.states], dtype=np.float64)

    @property
    def signal(self) -> np.ndarray:
        """``(T,)`` the exercise's primary signal, including the frames before recognition
        (from the history the session hands over when it commits; NaN where unknown)."""
        signal = np.array([s.signal for s in self.states], dtype=np.float64)
        t = self.t_s
        for event in self.events:
            if isinstance(event, Recognised) and event.history_t_s.size:
                index = np.searchsorted(t, event.history_t_s)
                inside = (index < t.size)
                index, values = index[inside], event.history_signal[inside]
                exact = t[index] == event.history_t_s[inside]
                missing = np.isnan(signal[index[exact]])
                signal[index[exact][missing]] = values[exact][missing]
        return signal

    def state_at(self, t_s: float) -> FrameState | None:
        """The state of the frame nearest ``t_s``."""
        if not self.states:
            return None
        return self.states[int(np.argmin(np.abs(self.t_s - t_s)))]
