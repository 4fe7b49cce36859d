"""The camera's angles from the 3-D world landmarks: a body posed at known angles."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from formcheck.signals.body import ANKLE, HIP, SHOULDER
from formcheck.signals.camera import (
    MIN_REST_S,
    SPREAD_FOR_NO_CONFIDENCE_DEG,
    CameraWatch,
    elevation_deg,
    estimate,
    off_side_deg,
)


def _rotation(azimuth_deg: float, elevation_deg: float) -> np.ndarray:
    """Body axes -> camera axes (x right, y down, z away): the body turned ``azimuth_deg``
    about its vertical from side-on, then the camera raised ``elevation_deg``."""
    a, e = math.radians(azimuth_deg), math.radians(elevation_deg)
    turn = np.array([[math.sin(a), 0.0, math.cos(a)], [0.0, 1.0, 0.0],
                     [-math.cos(a), 0.0, math.sin(a)]])
    # Looking down by e: the body's up (-y) tips toward the camera (-z).
    tilt = np.array([[1.0, 0.0, 0.0], [0.0, math.cos(e), -math.sin(e)],
                     [0.0, math.sin(e), math.cos(e)]])
    return tilt @ turn


def _world(azimuth_deg: float, elevation_deg: float, *, lying: bool = False,
           frames: int = 20, noise_deg: float = 0.0, seed: int = 0) -> np.ndarray:
    """``(T, 33, 3)`` world landmarks, metres: a body standing (or lying, face up, head
    toward the picture's left) whose left-right axis is along the body's x."""
    rng = np.random.default_rng(seed)
    body = np.zeros((33, 3))
    # Body axes: x the left-right axis (left = +x), y down, z forward.
    for (left, right), height in ((SHOULDER, -0.5), (HIP, 0.0), (ANKLE, 0.9)):
        body[left] = (0.15, height, 0.0)
        body[right] = (-0.15, height, 0.0)
    if lying:  # trunk along the body's z, the floor's normal up (-y)
        body[list(SHOULDER), 2] = -0.5
        body[list(SHOULDER), 1] = 0.0
        body[list(ANKLE), 1] = -0.3
        body[list(ANKLE), 2] = 0.4
    out = []
    for _ in range(frames):
        jitter = rng.normal(0.0, noise_deg, 2) if noise_deg else np.zeros(2)
        out.append(body @ _rotation(azimuth_deg + jitter[0], elevation_deg + jitter[1]).T)
    return np.array(out)


@pytest.mark.parametrize(("azimuth", "expected"), [(0.0, 0.0), (30.0, 30.0), (60.0, 60.0),
                                                   (90.0, 90.0), (120.0, 60.0), (-45.0, 45.0)])
def test_off_side_angle_follows_the_turn_of_the_body(azimuth: float, expected: float) -> None:
    # Unturned, the left-right axis runs along the line of sight: side-on (0).
    assert off_side_deg(_world(azimuth, 0.0)) == pytest.approx(expected, abs=1e-6)
    # A camera looking down 10 degrees barely changes it.
    assert off_side_deg(_world(azimuth, 10.0)) == pytest.approx(expected, abs=0.5)


@pytest.mark.parametrize("elevation", [0.0, 8.0, 25.0, -5.0])
@pytest.mark.parametrize("lying", [False, True])
def test_elevation_is_how_far_the_camera_looks_down(elevation: float, lying: bool) -> None:
    world = _world(0.0, elevation, lying=lying)
    assert elevation_deg(world, lying=lying) == pytest.approx(elevation, abs=1e-6)


def _body(world: np.ndarray, fps: float = 30.0) -> SimpleNamespace:
    frames = world.shape[0]
    return SimpleNamespace(world_m=world, visibility=np.ones((frames, 33)),
                           t_s=np.arange(frames) / fps)


def test_the_clip_estimate_is_the_median_and_spread_lowers_confidence() -> None:
    steady = estimate(_body(_world(20.0, 8.0, frames=30)), np.ones(30, bool), lying=False)
    assert steady.off_side_deg == pytest.approx(20.0, abs=0.2)
    assert steady.elevation_deg == pytest.approx(8.0, abs=1e-6)
    assert steady.confidence == pytest.approx(1.0)
    shaky = estimate(_body(_world(20.0, 8.0, frames=30, noise_deg=12.0)), np.ones(30, bool),
                     lying=False)
    assert abs(shaky.off_side_deg - 20.0) < 6.0
    assert 0.0 < shaky.confidence < 1.0 - 6.0 / SPREAD_FOR_NO_CONFIDENCE_DEG


def test_little_time_at_rest_gives_little_confidence_and_no_frames_unknown() -> None:
    brief = estimate(_body(_world(70.0, 8.0, frames=3)), np.ones(3, bool), lying=False)
    # Three frames at 30 fps count for 0.1 s of rest, of the MIN_REST_S a full one needs.
    assert brief.confidence == pytest.approx(0.1 / MIN_REST_S, abs=0.01)
    none = estimate(_body(_world(70.0, 8.0, frames=3)), np.zeros(3, bool), lying=False)
    assert math.isnan(none.off_side_deg) and none.confidence == 0.0


def test_the_watch_keeps_only_its_window_of_the_past() -> None:
    watch = CameraWatch(lying=False, keep_s=1.0)
    watch.add(_body(_world(0.0, 8.0, frames=60)), np.ones(60, bool))  # side-on, 0-2 s
    later = _body(_world(60.0, 8.0, frames=60))
    later.t_s = later.t_s + 2.0
    watch.add(later, np.ones(60, bool))  # 60 degrees off side-on, 2-4 s
    assert watch.estimate().off_side_deg == pytest.approx(60.0, abs=0.5)


def test_a_hip_line_swapped_against_the_shoulders_does_not_read_as_front_on() -> None:
    world = _world(20.0, 8.0)
    swapped = world.copy()
    swapped[:, [HIP[0], HIP[1]]] = world[:, [HIP[1], HIP[0]]]
    assert off_side_deg(swapped) == pytest.approx(off_side_deg(world), abs=1e-6)
    assert elevation_deg(swapped, lying=False) == pytest.approx(8.0, abs=1e-6)
