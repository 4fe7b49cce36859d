"""The coaching prescription formcheck grades toward, and the set boundaries, as data.

Source: the running coach's glute-strengthening programme that formcheck serves:
start with 3 sets of 10-15 reps with 1-2 minutes of rest, progress to 3 sets of
25, and only with good form ("if you can only manage 1 rep with good form, that
is all you do").
"""

from __future__ import annotations

from dataclasses import dataclass

#: A pause longer than this between two reps ends a set, seconds (heuristic: rest
#: between sets is 1-2 minutes; a breather within a set is a few seconds).
SET_BREAK_S = 20.0


@dataclass(frozen=True)
class Prescription:
    """Sets, reps and rest to aim for."""

    sets: int = 3
    start_reps: tuple[int, int] = (10, 15)
    goal_reps: int = 25
    rest_s: tuple[float, float] = (60.0, 120.0)


PRESCRIPTION = Prescription()


def advice(good_reps_per_set: list[int], rests_s: list[float],
           prescription: Prescription = PRESCRIPTION) -> str:
    """Where the user stands against the prescription, in one or two sentences.

    Args:
        good_reps_per_set: Good reps counted in each set (each set stops at its first bad rep).
        rests_s: Rest before each set after the first, seconds.
    """
    low, high = prescription.start_reps
    if not good_reps_per_set:
        return "No reps were counted."
    best = max(good_reps_per_set)
    sets = len(good_reps_per_set)
    counts = [str(n) for n in good_reps_per_set]
    listed = counts[0] if sets == 1 else ", ".join(counts[:-1]) + " and " + counts[-1]
    last = good_reps_per_set[-1]
    done = f"{sets} set{'s' if sets != 1 else ''} with {listed} good rep{'' if last == 1 else 's'}"
    if best == 0:
        step = ("No rep had good form yet: work on one good rep at a time; quality before"
                " quantity.")
    elif best < low:
        step = (f"Build up to {low}-{high} good reps per set, {prescription.sets} sets;"
                " stop each set at the first bad rep.")
    elif best < prescription.goal_reps:
        step = (f"You are in the starting range ({low}-{high}); progress toward"
                f" {prescription.sets} sets of {prescription.goal_reps}, keeping every rep clean.")
    else:
        step = f"You reached the goal of {prescription.goal_reps} good reps in a set."
    if sets < prescription.sets and best >= low:
        step += f" Aim for {prescription.sets} sets."
    rest_low, rest_high = prescription.rest_s
    short = [r for r in rests_s if r < rest_low]
    if short:
        step += f" Rest {rest_low / 60:.0f}-{rest_high / 60:.0f} minutes between sets."
    return f"Prescription: {prescription.sets} sets of {low}-{high}, progressing to" \
           f" {prescription.sets} x {prescription.goal_reps}. You did {done}. {step}"
