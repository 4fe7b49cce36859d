"""The tally: the count stops at the first bad rep, later reps are kept, sets split on rests."""

from __future__ import annotations

import pytest

from formcheck.analysis.grading import Fault, GradedRep, Tally
from formcheck.analysis.prescription import SET_BREAK_S, advice
from formcheck.signals.reps import Rep


def _graded(index: int, start_s: float, bad: bool) -> GradedRep:
    rep = Rep(index, start_s, start_s + 1.5, start_s + 3.0, 10.0, 80.0)
    faults = (Fault("sldl.rushed", 0.5, 1.0, "s", start_s, "too fast", "slow down"),) if bad else ()
    return GradedRep(rep, faults, (), {})


def _tally(bad_at: set[int], n: int = 5, gaps: dict[int, float] | None = None) -> Tally:
    tally = Tally()
    t = 0.0
    for i in range(1, n + 1):
        t += (gaps or {}).get(i, 0.0)
        tally.add(_graded(i, t, i in bad_at))
        t += 4.0
    return tally


@pytest.mark.parametrize(("bad_at", "good", "first_bad"),
                         [({1}, 0, 1), ({3}, 2, 3), ({5}, 4, 5), (set(), 5, None), ({2, 4}, 1, 2)])
def test_count_stops_at_the_first_bad_rep(bad_at: set[int], good: int,
                                          first_bad: int | None) -> None:
    tally = _tally(bad_at)
    assert tally.good_reps == good
    assert tally.first_bad == first_bad
    assert len(tally.reps) == 5  # later reps are still graded and kept
    after = [r.after_stop for r in tally.reps]
    assert after == [first_bad is not None and i + 1 > first_bad for i in range(5)]


def test_a_long_pause_starts_a_new_set() -> None:
    tally = _tally({5}, n=6, gaps={4: SET_BREAK_S + 30})
    sets = tally.sets()
    assert [s.reps for s in sets] == [3, 3]
    assert sets[0].rest_before_s is None
    assert sets[1].rest_before_s == pytest.approx(SET_BREAK_S + 30 + 1.0)
    assert [s.good_reps for s in sets] == [3, 1]
    assert [r.set_index for r in tally.reps] == [1, 1, 1, 2, 2, 2]


def test_a_pause_at_the_break_threshold_stays_in_the_set() -> None:
    tally = _tally(set(), n=2, gaps={2: SET_BREAK_S - 1.0})  # rest = SET_BREAK_S exactly
    assert len(tally.sets()) == 1


def test_prescription_advice() -> None:
    assert "Build up to 10-15" in advice([4], [])
    assert "progress toward 3 sets of 25" in advice([12, 12, 12], [90, 90])
    assert "Rest 1-2 minutes" in advice([12, 12], [30])
    assert "No rep had good form" in advice([0], [])


def test_a_set_asked_for_starts_with_its_own_count() -> None:
    tally = Tally()
    tally.add(_graded(1, 0.0, False))
    tally.add(_graded(2, 4.0, True))
    assert (tally.set_index, tally.set_good_reps, tally.set_stopped) == (1, 1, True)
    tally.break_set()  # a short rest, but the user says "new set"
    assert (tally.set_index, tally.set_good_reps, tally.set_stopped) == (2, 0, False)
    tally.add(_graded(3, 8.0, False))
    tally.add(_graded(4, 12.0, False))
    assert [r.set_index for r in tally.reps] == [1, 1, 2, 2]
    assert (tally.set_good_reps, tally.set_stopped) == (2, False)
    assert [s.good_reps for s in tally.sets()] == [1, 2]
    assert tally.good_reps == 1  # the clip's count still stopped at rep 2
