"""Angles do not change when the landmarks are shifted, scaled, rotated or mirrored."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from formcheck.signals.geometry import IMAGE_UP, angle_deg, inclination_deg, line_tilt_deg

coord = st.floats(-1000, 1000, allow_nan=False, allow_infinity=False)
point = st.tuples(coord, coord).map(np.array)


def _distinct(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> bool:
    return min(np.linalg.norm(a - b), np.linalg.norm(c - b)) > 1.0


@settings(max_examples=200, deadline=None)
@given(point, point, point, point, st.floats(0.1, 10), st.floats(-math.pi, math.pi),
       st.booleans())
def test_included_angle_is_invariant(  # type: ignore[no-untyped-def]
        a, b, c, shift, scale, turn, mirror) -> None:
    if not _distinct(a, b, c):
        return
    rotation = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    flip = np.diag([-1.0, 1.0]) if mirror else np.eye(2)

    def move(p: np.ndarray) -> np.ndarray:
        return flip @ rotation @ (p * scale) + shift

    before = angle_deg(a, b, c)
    after = angle_deg(move(a), move(b), move(c))
    assert abs(float(before) - float(after)) < 1e-6 * 180 + 1e-6


@settings(max_examples=200, deadline=None)
@given(point, point, point, st.floats(0.1, 10))
def test_inclination_is_invariant_to_shift_and_scale_and_mirror(  # type: ignore[no-untyped-def]
        a, b, shift, scale) -> None:
    if np.linalg.norm(a - b) < 1.0:
        return
    before = inclination_deg(a, b, IMAGE_UP)
    after = inclination_deg(a * scale + shift, b * scale + shift, IMAGE_UP)
    mirrored = inclination_deg(a * [-1, 1], b * [-1, 1], IMAGE_UP)
    assert abs(float(before) - float(after)) < 1e-6
    assert abs(float(before) - float(mirrored)) < 1e-6


def test_known_angles() -> None:
    assert angle_deg(np.array([1.0, 0]), np.zeros(2), np.array([0, 1.0])) == 90.0
    assert inclination_deg(np.zeros(2), np.array([0, -5.0]), IMAGE_UP) == 0.0  # straight up
    assert float(inclination_deg(np.zeros(2), np.array([5.0, 0]), IMAGE_UP)) == 90.0
    assert float(line_tilt_deg(np.array([0, 0.0]), np.array([10.0, -10.0]))) == 45.0
    # The tilt does not depend on which end is on the left of the picture.
    assert float(line_tilt_deg(np.array([10.0, -10.0]), np.array([0, 0.0]))) == 45.0


def test_missing_points_give_nan() -> None:
    assert math.isnan(float(angle_deg(np.array([np.nan, 0]), np.zeros(2), np.ones(2))))


def test_tilt_change_wraps_around_the_vertical() -> None:
    from formcheck.signals.geometry import angle_change_deg

    assert float(angle_change_deg(np.array(-89.0), np.array(89.0))) == 2.0
    assert float(angle_change_deg(np.array(10.0), np.array(-5.0))) == 15.0
