"""Synthetic pose series for testing rules and the rep engine without the model.

Each factory draws a stick figure in pixel coordinates, frame by frame, from a
list of rep specifications, so a fault can be injected at a known rep with a
known magnitude. World landmarks are the same figure in metres (200 px = 1 m),
centred on the hips, y down, as MediaPipe gives them.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from formcheck.analysis.events import Event
from formcheck.analysis.progression import SetFault, TrackSide, TrainedSession, TrainedSet
from formcheck.analysis.report import Report
from formcheck.analysis.session import Session
from formcheck.analysis.settings import SessionSettings
from formcheck.exercises import Exercise
from formcheck.pose.cleaning import CleaningSettings
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.series import PoseSample, PoseSeries
from formcheck.signals.body import BodySignals
from formcheck.sources.dates import ClipDate, DateSource
from formcheck.sources.frames import VideoInfo

FPS = 30.0
WIDTH, HEIGHT = 1280, 720
PX_PER_M = 200.0


def _unit(deg: float) -> np.ndarray:
    """Unit vector at ``deg`` measured from image-down (0) toward image-right (90)."""
    rad = math.radians(deg)
    return np.array([math.sin(rad), math.cos(rad)])


def _smooth_step(u: np.ndarray) -> np.ndarray:
    """0 -> 1 -> 0 bump over u in [0, 1] (cosine), 0 outside."""
    inside = (u >= 0) & (u <= 1)
    return np.where(inside, 0.5 - 0.5 * np.cos(2 * np.pi * np.clip(u, 0, 1)), 0.0)


def _sample(t_s: float, points: dict[int, np.ndarray], offset: np.ndarray,
            visibility: float = 0.95, depth_m: float = 0.0) -> PoseSample:
    """Build a sample; the person's left side is drawn at ``points + offset`` and lies
    ``depth_m`` further from the camera than the right side."""
    image = np.zeros((33, 3), np.float32)
    head = (points[L.LEFT_SHOULDER] + points[L.RIGHT_SHOULDER]) / 2 + np.array([0.0, -40.0])
    image[:, :2] = head
    for index, xy in points.items():
        image[index, :2] = xy
    for index in range(33):
        if L(index).name.startswith("LEFT"):
            image[index, :2] += offset
    hips = (image[L.LEFT_HIP, :2] + image[L.RIGHT_HIP, :2]) / 2
    world = np.zeros((33, 3), np.float32)
    world[:, :2] = (image[:, :2] - hips) / PX_PER_M
    for index in range(33):
        if L(index).name.startswith("LEFT"):
            world[index, 2] = depth_m
    return PoseSample(t_s, image, world, np.full(33, visibility, np.float32),
                      np.full(33, 0.99, np.float32), detected=True)


@dataclass(frozen=True)
class HingeRep:
    """One single-leg deadlift rep.

    Attributes:
        depth_deg: Trunk inclination from vertical at the bottom.
        knee_flexion_deg: Stance knee flexion at the bottom (standing is 5).
        leg_drop_deg: Free leg below the trunk line at the bottom.
        touch_s: Free foot on the floor around the bottom for this long.
        duration_s: Rep length.
        pelvis_tilt_deg: Tilt of the hip and shoulder lines at the bottom (seen from the
            rear: the trunk rolls open with the pelvis).
        valgus_deg: Stance knee caving in at the bottom (seen from the rear).
    """

    depth_deg: float = 80.0
    knee_flexion_deg: float = 18.0
    leg_drop_deg: float = 0.0
    touch_s: float = 0.0
    duration_s: float = 3.0
    pelvis_tilt_deg: float = 0.0
    valgus_deg: float = 0.0


@dataclass(frozen=True)
class BridgeRep:
    """One glute bridge rep: hip angle at the top, knee angle at the top, timing."""

    top_hip_deg: float = 180.0
    top_knee_deg: float = 90.0
    duration_s: float = 3.0
    pelvis_tilt_deg: float = 0.0
    knees_in: float = 0.0  # share of the knees' width lost at the top (seen from the feet)


@dataclass
class Script:
    """Reps with rests between them, sampled at ``fps``."""

    reps: list = field(default_factory=list)
    rest_s: float = 1.0
    lead_s: float = 1.0
    fps: float = FPS
    gaps_s: dict[int, float] = field(default_factory=dict)  # extra rest before rep i (0-based)

    def timeline(self) -> tuple[np.ndarray, list[tuple[float, float, object]]]:
        spans = []
        t = self.lead_s
        for i, rep in enumerate(self.reps):
            t += self.gaps_s.get(i, 0.0)
            spans.append((t, t + rep.duration_s, rep))
            t += rep.duration_s + self.rest_s
        times = np.arange(0.0, t + self.lead_s, 1.0 / self.fps)
        return times, spans


def _phase(t: float, spans: list[tuple[float, float, object]]) -> tuple[float, object | None]:
    for start, end, rep in spans:
        if start <= t <= end:
            return float(_smooth_step(np.array([(t - start) / (end - start)]))[0]), rep
    return 0.0, None


def hinge_points(phase: float, rep: HingeRep | None, t: float, spans) -> dict[int, np.ndarray]:
    """A side view of a single-leg deadlift, facing right, standing on the right leg."""
    rep = rep or HingeRep()
    trunk = phase * rep.depth_deg
    knee_flexion = 5.0 + phase * (rep.knee_flexion_deg - 5.0)
    shin, thigh, torso = 95.0, 100.0, 120.0
    ankle = np.array([640.0, 600.0])
    knee = ankle + shin * _unit(180.0 + knee_flexion / 2)
    hip = knee + thigh * _unit(180.0 - knee_flexion / 2)
    shoulder = hip + torso * _unit(180.0 - trunk)
    free_dir = -trunk - rep.leg_drop_deg * phase
    start = next((s for s, e, r in spans if r is rep), 0.0)
    middle = start + rep.duration_s / 2
    touching = rep.touch_s > 0 and abs(t - middle) <= rep.touch_s / 2
    free_ankle = hip + (thigh + shin) * _unit(free_dir)
    if touching:
        free_ankle = np.array([hip[0] - 60.0, ankle[1]])
    free_knee = (hip + free_ankle) / 2
    return {
        L.RIGHT_SHOULDER: shoulder, L.LEFT_SHOULDER: shoulder,
        L.RIGHT_ELBOW: shoulder + np.array([0, 60.0]), L.LEFT_ELBOW: shoulder + np.array([0, 60.0]),
        L.RIGHT_WRIST: shoulder + np.array([0, 110.0]),
        L.LEFT_WRIST: shoulder + np.array([0, 110.0]),
        L.RIGHT_HIP: hip, L.LEFT_HIP: hip,
        L.RIGHT_KNEE: knee, L.LEFT_KNEE: free_knee,
        L.RIGHT_ANKLE: ankle, L.LEFT_ANKLE: free_ankle,
        L.RIGHT_HEEL: ankle + np.array([-10, 8.0]), L.LEFT_HEEL: free_ankle + np.array([-10, 8.0]),
        L.RIGHT_FOOT_INDEX: ankle + np.array([25, 8.0]),
        L.LEFT_FOOT_INDEX: free_ankle + np.array([25, 8.0]),
    }


def hinge_series(script: Script, *, depth_offset_px: float = 12.0) -> PoseSeries:
    """Single-leg deadlifts filmed from the side (the far side a few pixels off)."""
    times, spans = script.timeline()
    samples = []
    for t in times:
        phase, rep = _phase(float(t), spans)
        samples.append(_sample(float(t), hinge_points(phase, rep, float(t), spans),
                               np.array([depth_offset_px, -4.0]), depth_m=0.35))
    return PoseSeries.from_samples(samples, WIDTH, HEIGHT)


def rear_hinge_series(script: Script) -> PoseSeries:
    """Single-leg deadlifts filmed from behind: the trunk foreshortens, the hips show.

    The person stands on the right leg, which is on the right of the picture.
    """
    times, spans = script.timeline()
    samples = []
    for t in times:
        phase, rep = _phase(float(t), spans)
        rep = rep or HingeRep()
        half_hip, torso, thigh, shin = 35.0, 120.0, 100.0, 95.0
        trunk = math.radians(phase * rep.depth_deg)
        tilt = math.radians(phase * rep.pelvis_tilt_deg)
        centre = np.array([640.0, 400.0])
        right_hip = centre + half_hip * np.array([math.cos(tilt), math.sin(tilt)])
        left_hip = centre - half_hip * np.array([math.cos(tilt), math.sin(tilt)])
        right_ankle = np.array([675.0, 600.0])
        valgus = math.radians(phase * rep.valgus_deg)
        right_knee = (right_hip + right_ankle) / 2 + np.array([-thigh * math.sin(valgus), 0.0])
        shoulders_y = centre[1] - torso * math.cos(trunk)
        left_ankle = left_hip + np.array([0.0, (thigh + shin) * (1 - 0.9 * phase)])
        # An opening hip rolls the trunk with it: the shoulder line tilts as the hips do.
        shoulder_roll = 40.0 * math.sin(tilt)
        points = {
            L.RIGHT_SHOULDER: np.array([680.0, shoulders_y + shoulder_roll]),
            L.LEFT_SHOULDER: np.array([600.0, shoulders_y - shoulder_roll]),
            L.RIGHT_HIP: right_hip, L.LEFT_HIP: left_hip,
            L.RIGHT_KNEE: right_knee, L.LEFT_KNEE: (left_hip + left_ankle) / 2,
            L.RIGHT_ANKLE: right_ankle, L.LEFT_ANKLE: left_ankle,
            L.RIGHT_HEEL: right_ankle, L.LEFT_HEEL: left_ankle,
            L.RIGHT_FOOT_INDEX: right_ankle, L.LEFT_FOOT_INDEX: left_ankle,
        }
        sample = _sample(float(t), points, np.zeros(2))
        # The trunk leans away from the camera: in metres it keeps its length.
        sample.world_m[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER], 2] = torso * math.sin(trunk) / PX_PER_M
        samples.append(sample)
    return PoseSeries.from_samples(samples, WIDTH, HEIGHT)


def bridge_points(phase: float, rep: BridgeRep | None, *,
                  single_leg: bool = False) -> dict[int, np.ndarray]:
    """A side view of a glute bridge, head on the left, lying on the floor at y=600; in a
    single-leg bridge the left leg is held straight in line with the thigh."""
    rep = rep or BridgeRep()
    torso, thigh, shin = 120.0, 100.0, 95.0
    rest_hip, rest_knee = 130.0, 80.0
    hip_angle = rest_hip + phase * (rep.top_hip_deg - rest_hip)
    knee_angle = rest_knee + phase * (rep.top_knee_deg - rest_knee)
    trunk_rise = phase * 28.0  # degrees the trunk lifts off the floor at the top
    shoulder = np.array([300.0, 600.0])
    # Directions as angles from image-right, counter-clockwise upward (y up on screen).
    def ray(origin: np.ndarray, angle_deg: float, length: float) -> np.ndarray:
        rad = math.radians(angle_deg)
        return origin + length * np.array([math.cos(rad), -math.sin(rad)])
    hip = ray(shoulder, trunk_rise, torso)
    thigh_dir = trunk_rise + (180.0 - hip_angle)
    knee = ray(hip, thigh_dir, thigh)
    shin_dir = thigh_dir + 180.0 + knee_angle  # turn back down toward the floor
    ankle = ray(knee, shin_dir, shin)
    free_knee, free_ankle = knee, ankle
    if single_leg:
        free_ankle = ray(knee, thigh_dir, shin)
    points = {
        L.LEFT_SHOULDER: shoulder, L.RIGHT_SHOULDER: shoulder,
        L.LEFT_ELBOW: shoulder + np.array([40, 0.0]), L.RIGHT_ELBOW: shoulder + np.array([40, 0.0]),
        L.LEFT_WRIST: shoulder + np.array([90, 0.0]), L.RIGHT_WRIST: shoulder + np.array([90, 0.0]),
        L.LEFT_HIP: hip, L.RIGHT_HIP: hip,
        L.LEFT_KNEE: free_knee, L.RIGHT_KNEE: knee,
        L.LEFT_ANKLE: free_ankle, L.RIGHT_ANKLE: ankle,
        L.LEFT_HEEL: free_ankle + np.array([-8, 5.0]), L.RIGHT_HEEL: ankle + np.array([-8, 5.0]),
        L.LEFT_FOOT_INDEX: free_ankle + np.array([20, 5.0]),
        L.RIGHT_FOOT_INDEX: ankle + np.array([20, 5.0]),
    }
    return points


def bridge_series(script: Script, *, oblique: bool = False,
                  single_leg: bool = False) -> PoseSeries:
    """Glute bridges filmed from the side, or obliquely (the left side drawn lower);
    double-leg, or single-leg on the right leg."""
    times, spans = script.timeline()
    samples = []
    for t in times:
        phase, rep = _phase(float(t), spans)
        rep_or_default = rep or BridgeRep()
        offset = np.array([10.0, -4.0])
        # The far side's depth: side-on the hip line runs mostly along the line of sight
        # (about 10 degrees off side-on, as the camera module reads it); obliquely about 45.
        depth_m = 0.35
        if oblique:
            tilt = math.radians(25.0 + phase * rep_or_default.pelvis_tilt_deg)
            offset = 50.0 * np.array([math.cos(tilt), math.sin(tilt)])
            depth_m = 50.0 / PX_PER_M
        samples.append(_sample(float(t), bridge_points(phase, rep, single_leg=single_leg),
                               offset, depth_m=depth_m))
    return PoseSeries.from_samples(samples, WIDTH, HEIGHT)


def feet_end_bridge_series(script: Script, *, lost_above: float | None = None,
                           low_camera: bool = False) -> PoseSeries:
    """Glute bridges filmed from the feet end: the trunk runs up the picture, the knees
    stand above the hips until the hips rise to their level; the feet are nearest.

    With ``lost_above``, the pose model's failure seen on rendered feet-end clips: past
    that share of each lift it takes the raised thighs for the trunk, which then reads
    across the picture (the shoulders beside the hips), and puts the knees down the shins,
    below the hips.

    With ``low_camera``, the misreading seen from a camera low at the feet: the body looks
    upright, a short trunk (far, along the line of sight) over the knees, and shins much
    longer than the trunk standing up near the camera.
    """
    times, spans = script.timeline()
    samples = []
    for t in times:
        phase, rep = _phase(float(t), spans)
        rep = rep or BridgeRep()
        hips_y = 420.0 - 100.0 * phase
        knee_half = 55.0 * (1.0 - rep.knees_in * phase)
        lost = lost_above is not None and phase > lost_above
        points = {}
        for side, sign in ((("LEFT",), 1.0), (("RIGHT",), -1.0)):
            name = side[0]
            if low_camera:
                hips_low = 300.0 - 15.0 * phase
                shoulder = np.array([640.0 + sign * 60.0, hips_low - 35.0])
                hip = np.array([640.0 + sign * 40.0, hips_low])
                knee = np.array([640.0 + sign * 55.0, 340.0])
            else:
                shoulder = (np.array([560.0, hips_y + sign * 20.0]) if lost
                            else np.array([640.0 + sign * 60.0, 300.0]))
                hip = np.array([640.0 + sign * 40.0, hips_y])
                knee = np.array([640.0 + sign * knee_half, hips_y + 80.0 if lost else 330.0])
            points[L[f"{name}_SHOULDER"]] = shoulder
            points[L[f"{name}_HIP"]] = hip
            points[L[f"{name}_KNEE"]] = knee
            points[L[f"{name}_ANKLE"]] = np.array([640.0 + sign * 60.0, 460.0])
            points[L[f"{name}_HEEL"]] = np.array([640.0 + sign * 60.0, 465.0])
            points[L[f"{name}_FOOT_INDEX"]] = np.array([640.0 + sign * 62.0, 475.0])
        sample = _sample(float(t), points, np.zeros(2))
        if not low_camera:  # (from a low camera the model reads the trunk upright in 3-D too)
            sample.world_m[[L.LEFT_ANKLE, L.RIGHT_ANKLE], 2] = -0.5  # the feet nearest
            sample.world_m[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER], 2] = 0.5
        samples.append(sample)
    return PoseSeries.from_samples(samples, WIDTH, HEIGHT)


def body(series: PoseSeries) -> BodySignals:
    return BodySignals.from_series(series)


def rep_spans(script: Script) -> list[tuple[float, float]]:
    _, spans = script.timeline()
    return [(start, end) for start, end, _ in spans]


#: Synthetic series are drawn clean: the session takes them as they are.
AS_DRAWN = CleaningSettings(repair_swaps=False, smooth=False)


def session_for(series: PoseSeries, exercise: str = "auto", *,
                exercises: dict[str, Exercise] | None = None) -> Session:
    info = VideoInfo("synthetic", series.width, series.height, series.fps, 0.0, None, "none")
    return Session(info, SessionSettings(exercise=exercise, cleaning=AS_DRAWN),
                   exercises=exercises)


def grade(series: PoseSeries, exercise: str = "auto", *,
          exercises: dict[str, Exercise] | None = None) -> Report:
    """Feed a synthetic series frame by frame through a session; its report."""
    return stream(series, exercise, exercises=exercises)[0]


def stream(series: PoseSeries, exercise: str = "auto", *,
           exercises: dict[str, Exercise] | None = None) -> tuple[Report, list[Event]]:
    """The report and every event of a session fed the series frame by frame."""
    session = session_for(series, exercise, exercises=exercises)
    events: list[Event] = []
    for i in range(len(series)):
        events += session.feed(series.sample(i))
    events += session.end()
    return session.report(), events


def write_dark_noise_clip(path: Path, frames: int) -> Path:
    """A 320x240, 10 fps H.264 clip of dark noise: a video with no person in it."""
    from formcheck.sources.writer import VideoWriter

    rng = np.random.default_rng(0)
    with VideoWriter(path, 320, 240, 10) as writer:
        for _ in range(frames):
            writer.write(rng.integers(0, 40, (240, 320, 3), dtype=np.uint8))
    return path


def legs_exchanged(series: PoseSeries) -> PoseSeries:
    """``series`` with the left and right legs' landmarks exchanged in every frame: a
    hinge on the right leg becomes one on the left leg."""
    from formcheck.pose.swaps import swap_legs

    return PoseSeries.from_samples([swap_legs(series.sample(i)) for i in range(len(series))],
                                   series.width, series.height)


def write_recording(path: Path, series: PoseSeries, *, name: str = "synthetic.mp4") -> Path:
    """``series`` saved as a pose recording (``formcheck pose -o x.npz``), its raw poses
    the drawn ones: ``formcheck analyse x.npz`` grades it without the model."""
    from formcheck.pose.series import PoseRecording

    info = VideoInfo(name, series.width, series.height, series.fps, float(series.t_s[-1]),
                     len(series), "h264")
    PoseRecording(video=info, raw=series, clean=series, model="synthetic").save_npz(path)
    return path


# --- training histories for progress (no clip at all) ------------------------------------

#: The first day of a synthetic history: a morning, so that up to 16 hours on is the same day.
DAY0 = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
KNEE_FAULT = SetFault("sldl.stance_knee_bend", "your stance knee bent 63 degrees",
                      "keep the stance knee soft and still: push the hips back, do not"
                      " squat down")


def on_day(day: int, hour: int = 0) -> ClipDate:
    """``day`` days and ``hour`` hours after :data:`DAY0`, from a clip's metadata."""
    return ClipDate(DAY0 + timedelta(days=day, hours=hour), DateSource.METADATA)


def trained_sets(*good: int, rest_s: float = 90.0, stopped: tuple[int, ...] = ()
                 ) -> tuple[TrainedSet, ...]:
    """Sets with these good reps, ``rest_s`` apart; the sets at the 0-based indices
    ``stopped`` ended at a bad rep (the knee bending)."""
    return tuple(TrainedSet(g + (1 if i in stopped else 0), g, None if i == 0 else rest_s,
                            KNEE_FAULT if i in stopped else None) for i, g in enumerate(good))


def trained_session(day: int, *good: int, rest_s: float = 90.0, stopped: tuple[int, ...] = (),
                    side: TrackSide = "left", hour: int = 0,
                    exercise: str = "sldl") -> TrainedSession:
    """A session of ``good`` good reps per set on ``day`` (see :func:`trained_sets`), its
    clip hash made from the day, hour, side and exercise."""
    return TrainedSession(exercise, side, on_day(day, hour),
                          trained_sets(*good, rest_s=rest_s, stopped=stopped),
                          clip=hashlib.sha256(f"{exercise} {day} {hour} {side}".encode()
                                              ).hexdigest())
