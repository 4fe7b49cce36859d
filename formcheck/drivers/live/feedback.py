"""What the live window and the speaker say as the session goes: the set's own count, the
set-over panel, the fault banner, tones and spoken cues.

The window counts per set: a new set (a long rest, or the ``r`` key) starts its own count
and its own stop, while the report's count stays the whole session's. :class:`SetFeedback`
follows the session's state and events frame by frame and keeps what outlives a frame.
"""

from __future__ import annotations

from dataclasses import replace

from formcheck.analysis.events import CountStopped, Event, FrameState, RepGraded, SetupHint
from formcheck.drivers.live.panels import SetOver
from formcheck.drivers.live.sound import Sounds, number_word
from formcheck.reporters.overlay import Overlay


def set_state(state: FrameState) -> FrameState:
    """The state as the window counts: the current set's good reps and stop."""
    return replace(state, good_reps=state.set_good_reps, count_stopped=state.set_stopped)


class SetFeedback:
    """The overlay, the sounds and the set display, following the session.

    Args:
        banner_s: How long a fault banner stays, seconds.
        sounds: Where tones and speech go (None: silent).

    Attributes:
        overlay: Draws the current set's state.
        set_over: The current set's stop (its good reps and the bad rep), once it has one.
        last_rep_end_s: When the last graded rep ended (for the rest time), seconds.
    """

    def __init__(self, banner_s: float, sounds: Sounds | None = None) -> None:
        self._banner_s = banner_s
        self.sounds = sounds
        self.overlay = Overlay(banner_s=banner_s)
        self.set_over: SetOver | None = None
        self.last_rep_end_s: float | None = None
        self._set = 1
        self._counted = 0

    def follow(self, state: FrameState, events: list[Event]) -> None:
        """Take one frame's state and events: update the overlay, play and say what is new."""
        if state.set_index != self._set:  # a new set: its own count and stop
            self.overlay = Overlay(banner_s=self._banner_s)
            self._set, self._counted, self.set_over = state.set_index, 0, None
        spoken: list[str] = []
        # The overlay is told where the current set stopped rather than where the clip's
        # count did (the same for the first set): the window counts per set.
        shown: list[Event] = [e for e in events if not isinstance(e, CountStopped)]
        for event in events:
            if isinstance(event, RepGraded):
                self.last_rep_end_s = event.graded.rep.end_s
            elif isinstance(event, SetupHint):
                spoken.append(event.message)
        counted_one = state.set_good_reps > self._counted
        if counted_one:
            spoken.append(number_word(state.set_good_reps))
        stopped_now = state.set_stopped and self.set_over is None
        if stopped_now:
            bad = next((e for e in events if isinstance(e, RepGraded) and not e.graded.good
                        and e.graded.set_index == state.set_index), None)
            self.set_over = SetOver(state.set_good_reps, bad.index if bad else None)
            if bad is not None:
                fault = bad.graded.faults[0]
                shown.append(CountStopped(bad.t_s, bad.index, state.set_good_reps, fault))
                spoken.append(f"{fault.code.split('.', 1)[-1].replace('_', ' ')}: set over")
            else:
                spoken.append("set over")
        if self.sounds is not None:
            if stopped_now:
                self.sounds.set_over()
            elif counted_one:
                self.sounds.good_rep()
            if spoken:
                self.sounds.say(". ".join(spoken))
        self._counted = state.set_good_reps
        self.overlay.update(set_state(state), shown)

    def rest_s(self, state: FrameState) -> float | None:
        """How long the person has rested since the last rep, seconds (None: not resting)."""
        if state.phase == "rest" and self.last_rep_end_s is not None:
            return max(0.0, state.t_s - self.last_rep_end_s)
        return None
