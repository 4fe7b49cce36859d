"""How to film so that a check can be made: the advice the report gives for each check
the clip's view could not support."""

from __future__ import annotations

from formcheck.exercises import Exercise, View, check_label


def filming_advice(exercise: Exercise, code: str) -> str:
    """How to film so that the check ``code`` can be made."""
    views = [v for v in View if any(c.code == code and v in c.views and v not in c.too_coarse_in
                                    for c in exercise.checks)]
    advised = next((v for v in views if v in exercise.filming_advice), None)
    label = check_label(code)
    if not views:
        return f"For {label}: no camera view gives a reliable reading yet"
    if advised is None:
        return f"For {label}: film from the {' or '.join(v.value for v in views)}"
    return f"For {label}: {exercise.filming_advice[advised]}"
