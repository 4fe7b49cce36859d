"""Single-leg deadlift: one leg planted, a hip hinge, the free leg travelling back.

Good form (NSCA and physiotherapy descriptions of the single-leg Romanian
deadlift): the stance knee stays softly bent at a near-constant angle, the trunk
hinges toward horizontal, the free leg stays in line with the trunk, the pelvis
stays square to the floor, the free foot stays off the floor until the rep ends,
and the movement is controlled.

The primary signal is the trunk's inclination from vertical: it rises during
each rep and falls back when the lifter stands up.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np

from formcheck.exercises import posture
from formcheck.exercises.base import (
    NAN,
    Check,
    Cue,
    Exercise,
    Measurement,
    Setup,
    View,
    measured_on_tuning,
    peak_phase,
)
from formcheck.signals.body import ANKLE, HIP, KNEE, SHOULDER, BodySignals
from formcheck.signals.geometry import angle_change_deg, angle_deg, line_tilt_deg
from formcheck.signals.reps import Rep, RepSettings

SAGITTAL = frozenset({View.SIDE, View.OBLIQUE})
#: Seen from the front, the head and hanging arms hide the stance knee and the free leg
#: points away (RENDERING-NOTES: visible from the rear only).
REAR_ONLY = frozenset({View.REAR})
ALL_VIEWS = frozenset(View)

#: Free ankle below this height above the stance ankle counts as touching down, torso lengths.
TOUCH_HEIGHT = 0.25
#: Touch-downs are judged only with the trunk hinged at least this far, deg.
TOUCH_MIN_TRUNK_DEG = 45.0
#: The bottom phase of a rep: the trunk beyond this fraction of the rep's amplitude.
BOTTOM_FRACTION = 0.5
#: A trunk drawn this far from upright in the picture, deg, is upside down: no hinge takes
#: it there, so the pose model has lost the body, and a rep with such frames is not judged
#: on its landmarks (its length still counts). Heuristic: every rendered deadlift of the
#: tuning and seen splits, the samples and the real deadlifts read at most 93 degrees; one
#: rear clip the model turned upside down for a second (shoulders below the hips) read
#: 160-176, and its hips "rolled open" 9-64 degrees on square reps.
FLIPPED_TRUNK_DEG = 120.0
FLIPPED = "the pose model drew the body upside down during this rep"

# Recognition cues (heuristics tuned on the labelled real clips and the rendered samples).
#: Share of the frames with a person spent standing, for the clip to be a standing exercise.
STANDING_SHARE = 0.2
#: Hinged: trunk beyond this from vertical (deg), in at least this share of frames.
HINGE_TRUNK_DEG, HINGE_SHARE = 40.0, 0.08
#: At the bottom of a single-leg deadlift the free ankle is this high, torso lengths.
FREE_FOOT_HEIGHT = 0.5
#: One leg looks this much shorter than the other when it points along the line of sight.
SHORT_LEG_RATIO = 0.6
#: Knee flexion (deg) beyond which the bend is a squat or lunge rather than a hinge.
DEEP_KNEE_FLEXION = 75.0
#: Seen from the front or rear, the higher ankle's median rise above the standing floor
#: level over the hinged frames, torso lengths, at which the hinge is on one leg. From
#: behind, MediaPipe lifts both ankles at the bottom of a single-leg deadlift (RENDERING-
#: NOTES), so the ankles' difference vanishes but their rise does not; in a two-legged hinge
#: both stay on the floor. Heuristic: rendered front/rear single-leg deadlifts (tuning
#: split) read 0.41-0.89, the real two-legged hinges filmed near front-on (realclips 17,
#: 18, 20) 0.06-0.19.
FRONTAL_ANKLE_RISE = 0.3

#: Why knee valgus is not judged from behind, the only view that shows it: at the bottom of
#: a hinge the pose model places the stance knee too loosely. On the rendered tuning split
#: and the earlier held-out split (seen), good reps read 0-18 degrees of change from
#: standing and reps caving 16-17 degrees read 5.5-22: no limit catches caving without
#: failing good reps (a limit of 6 was tried and failed good held-out reps).
REAR_KNEE_VALGUS = (
    "from behind the pose model places the stance knee too loosely at the bottom of a hinge"
    " (on rendered clips, good reps and knees caving in read the same), so knee valgus"
    " cannot be judged from any view yet")

# How well each checked metric is read (issue 21): the 90th percentile of |reading - truth|
# over the rendered tuning split's reps (benchmarks/specs: 56 clips, analysed at 15 frames a
# second), by the camera's estimated angle from side-on, in bins up to 25, 60 and 90
# degrees (BENCHMARKS.md, "Measurement margins"). A reading past a limit by no more is
# borderline, not a fault. Regenerate with `python benchmarks/margins.py SPLIT`.
STANCE_KNEE_ERROR = measured_on_tuning((6.31, 18.01, NAN), (40, 18, 0))
#: The picture shows about a third of the true opening from behind (gain fitted there).
HIP_LINE_ERROR = measured_on_tuning((NAN, NAN, 5.92), (0, 0, 17), truth_gain=0.34)
LEG_TRUNK_ERROR = measured_on_tuning((11.89, 10.19, NAN), (40, 18, 0))
TOUCH_DOWN_ERROR = measured_on_tuning((0.04, 0.00, NAN), (40, 18, 0))
TRUNK_ERROR = measured_on_tuning((4.91, 16.77, NAN), (40, 18, 0))
#: The rep engine times a rep from leaving rest to 35% of the way back: 0.73 of the whole
#: movement side-on (gain fitted there); from in front and behind it reads shorter still.
DURATION_ERROR = measured_on_tuning((0.28, 0.30, 0.76), (40, 18, 26), truth_gain=0.73)
PACE_ERROR = measured_on_tuning((0.06, 0.07, 0.04), (14, 6, 8))
#: The checks read in the picture side-on and obliquely were measured up to 55 degrees
#: from side-on (the tuning split's widest oblique camera); beyond 60 the picture is nearly
#: front-on or rear-on, where they mean something else: uncertain there.
SAGITTAL_MAX_OFF_SIDE_DEG = 60.0


CHECKS: tuple[Check, ...] = (
    Check(
        code="sldl.stance_knee_bend",
        metric="stance_knee_flexion_img_deg",
        unit="deg",
        fault_when="above",
        limit=55.0,
        views=SAGITTAL,
        cue="keep the stance knee soft and still: push the hips back, do not squat down",
        describe="your stance knee bent {value:.0f} degrees",
        source=(
            "heuristic: coaching descriptions ask for a soft (about 10-20 degree) stance knee"
            " held constant; 2-D measurement of a clean demonstration (realclips 01) reads"
            " 51 degrees at the bottom; rendered clips read 5-10 degrees above the true"
            " angle (15 reads 19-21, 48 reads 58), so 55"
        ),
        landmarks=(*HIP, *KNEE, *ANKLE),
        error=STANCE_KNEE_ERROR,
        max_off_side_deg=SAGITTAL_MAX_OFF_SIDE_DEG,
    ),
    Check(
        code="sldl.hip_opening",
        metric="hips_shoulders_tilt_img_deg",
        unit="deg",
        fault_when="above",
        limit=6.5,
        views=REAR_ONLY,
        cue=("keep the hips square to the floor (point the free leg's toes down) and the"
             " standing knee over the foot"),
        describe=("your hips and trunk rolled open {value:.0f} degrees (from behind, a"
                  " standing knee caving in looks the same)"),
        source=(
            "heuristic: the pelvis, and the trunk that turns with it, should stay square."
            " Measured from behind as the mean change of the hip line's and the shoulder"
            " line's tilt in the picture, from the start of the rep to the bottom (median"
            " over the bottom frames): MediaPipe's hips alone spread 1-9 degrees on square"
            " reps. On the tuning split of the rendered benchmark, square reps read 0.7-5.1,"
            " true openings of 27-34 degrees 7.7-11.6; limit set between them. A standing"
            " knee caving in tilts both lines too (caving reps of the tuning and seen"
            " splits read 6.1-14.9), so the message says so"
        ),
        landmarks=(*HIP, *SHOULDER),
        error=HIP_LINE_ERROR,
    ),
    Check(
        code="sldl.leg_trunk_misalign",
        metric="leg_trunk_angle_deg",
        unit="deg",
        fault_when="above",
        limit=30.0,
        views=SAGITTAL,
        cue="lift the free leg in line with your trunk, like a see-saw",
        describe="your free leg hung {value:.0f} degrees below the line of your trunk",
        source=(
            "heuristic: shoulder, hip and free ankle should form a straight line at the"
            " bottom; limit 30 degrees off that line, allowing for 2-D error and a slightly"
            " bent free knee"
        ),
        landmarks=(*SHOULDER, *HIP, *ANKLE),
        error=LEG_TRUNK_ERROR,
        max_off_side_deg=SAGITTAL_MAX_OFF_SIDE_DEG,
    ),
    Check(
        code="sldl.touch_down",
        metric="free_foot_down_s",
        unit="s",
        fault_when="above",
        limit=0.15,
        views=SAGITTAL,
        cue="keep the free foot off the floor until you are standing tall again",
        describe="your free foot touched down for {value:.1f} s mid-rep",
        source=(
            "heuristic: the free foot should not touch the floor mid-rep; 0.15 s (about"
            " five frames at 30 fps) so that one noisy frame is not a touch"
        ),
        landmarks=ANKLE,
        error=TOUCH_DOWN_ERROR,
        max_off_side_deg=SAGITTAL_MAX_OFF_SIDE_DEG,
    ),
    Check(
        code="sldl.partial_range",
        metric="trunk_incl_bottom_deg",
        unit="deg",
        fault_when="below",
        limit=45.0,
        views=SAGITTAL,
        cue="hinge further: lower your chest toward horizontal while the free leg rises",
        describe="your trunk only reached {value:.0f} degrees from vertical",
        source=(
            "heuristic: the trunk should hinge toward horizontal (70-90 degrees); under"
            " 45 degrees is well short of that target"
        ),
        landmarks=(*SHOULDER, *HIP),
        error=TRUNK_ERROR,
        max_off_side_deg=SAGITTAL_MAX_OFF_SIDE_DEG,
    ),
    Check(
        code="sldl.knee_valgus",
        metric="stance_knee_valgus_img_deg",
        unit="deg",
        fault_when="above",
        limit=10.0,
        views=REAR_ONLY,
        too_coarse_in={View.REAR: REAR_KNEE_VALGUS},
        cue="keep the stance knee over the middle of the foot: do not let it cave in",
        describe="your stance knee caved in {value:.0f} degrees",
        source=(
            "heuristic limit on the 2-D frontal plane projection angle, a measure shown to"
            " be reliable for dynamic knee valgus by Munro, Herrington and Carolan (2012),"
            " J Sport Rehabil 21(1):7-11; 10 degrees of change from standing. Seen from"
            " behind at the bottom of a hinge the picture under-reads it (true 14-16 degrees"
            " read 8-18 on the rendered tuning split), so some caving is missed; a limit of"
            " 6 tried on the tuning split failed good reps on held-out clips (read 6 and 9)"
        ),
        landmarks=(*HIP, *KNEE, *ANKLE),
    ),
    Check(
        code="sldl.rushed",
        metric="rep_duration_s",
        unit="s",
        fault_when="below",
        limit=1.0,
        views=ALL_VIEWS,
        cue="slow down: about two seconds down and two up, under control",
        describe="the rep took only {value:.1f} s",
        source=(
            "heuristic: controlled single-leg deadlifts take 3-4 s; under 1 s is not"
            " controlled"
        ),
        error=DURATION_ERROR,
    ),
    Check(
        code="sldl.rushed",
        metric="pace_vs_earlier_reps",
        unit="ratio",
        fault_when="below",
        limit=0.5,
        views=ALL_VIEWS,
        cue="keep every rep as slow as the first ones",
        describe="the rep was {value:.0%} the length of your earlier reps",
        source="heuristic: a rep under half the median length of the earlier reps is rushed",
        error=PACE_ERROR,
    ),
)


def primary_signal(body: BodySignals, setup: Setup) -> np.ndarray:
    """Trunk inclination from vertical, deg: from the image in sagittal views, else 3-D."""
    if setup.view in SAGITTAL:
        return body.trunk_incl_img_deg
    return body.trunk_incl_world_deg


def stance_side(body: BodySignals, rep: Rep) -> int:
    """The planted leg in a rep: the one whose ankle is lower around the bottom."""
    frames = peak_phase(body, rep, body.trunk_incl_img_deg, BOTTOM_FRACTION)
    heights = np.nanmean(body.ankle_height[frames], axis=0)
    return int(np.nanargmin(heights)) if np.isfinite(heights).any() else 0


def resolve_setup(window: BodySignals, first_rep: Rep, setup: Setup) -> Setup:
    """The stance leg of the first rep, kept as the clip's working side (each rep's checks
    still read their own rep's stance leg: see :func:`measure`)."""
    return Setup(setup.exercise, setup.view, setup.variant, stance_side(window, first_rep))


def measure(body: BodySignals, rep: Rep, setup: Setup,
            previous: tuple[Rep, ...]) -> dict[str, Measurement]:
    """Every metric of one rep."""
    signal = primary_signal(body, setup)
    frames = body.window(rep.start_s, rep.end_s)
    bottom = peak_phase(body, rep, signal, BOTTOM_FRACTION)
    peak = body.index_at(rep.peak_s)
    stance = stance_side(body, rep)
    free = 1 - stance
    t = body.t_s
    out: dict[str, Measurement] = {}

    knee_flexion = 180.0 - body.knee_angle_img_deg[bottom, stance]
    if np.isfinite(knee_flexion).any():
        i = bottom[int(np.nanargmax(knee_flexion))]
        out["stance_knee_flexion_img_deg"] = Measurement(
            float(np.nanmax(knee_flexion)), float(t[i]),
            body.side_visibility((HIP[stance], KNEE[stance], ANKLE[stance]), bottom))

    start = frames[0] if frames.size else peak
    img = body.image_px
    turns = [np.abs(angle_change_deg(tilt[bottom], tilt[start])) for tilt in (
        body.hip_tilt_img_deg, line_tilt_deg(img[:, SHOULDER[0]], img[:, SHOULDER[1]]))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames without a person
        turn = np.nanmedian(0.5 * (turns[0] + turns[1])) if bottom.size else np.nan
    if np.isfinite(turn):
        out["hips_shoulders_tilt_img_deg"] = Measurement(
            float(turn), float(t[peak]), body.side_visibility((*HIP, *SHOULDER), bottom))

    shoulders = img[peak, list(SHOULDER)].mean(axis=0)
    out["leg_trunk_angle_deg"] = Measurement(
        float(180.0 - angle_deg(shoulders, img[peak, HIP[free]], img[peak, ANKLE[free]])),
        float(t[peak]),
        body.side_visibility((SHOULDER[free], HIP[free], ANKLE[free]), np.array([peak])))

    # Only where the hinge is deep enough that the free foot must be off the floor. Each
    # frame down counts for the sample interval, so the time is the same at any rate (to
    # within one interval: 0.1 s at 10 frames a second, against the limit of 0.15 s).
    deep = bottom[signal[bottom] >= TOUCH_MIN_TRUNK_DEG]
    free_height = np.nanmax(body.ankle_height[deep], axis=1)
    period = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    down = free_height < TOUCH_HEIGHT
    first_down = deep[int(np.argmax(down))] if down.any() else peak
    out["free_foot_down_s"] = Measurement(float(down.sum() * period), float(t[first_down]),
                                          body.side_visibility(ANKLE, bottom))

    out["trunk_incl_bottom_deg"] = Measurement(
        float(rep.peak_value), rep.peak_s, body.side_visibility((*SHOULDER, *HIP), bottom))

    hip, knee, ankle = img[:, HIP[stance]], img[:, KNEE[stance]], img[:, ANKLE[stance]]
    deviation = 180.0 - angle_deg(hip, knee, ankle)
    # Medial: the knee moves toward the free leg's hip, across the hip-ankle line.
    toward_free = np.sign(img[:, HIP[free], 0] - hip[:, 0])
    medial = np.sign(knee[:, 0] - (hip[:, 0] + ankle[:, 0]) / 2) == toward_free
    valgus = np.where(medial, deviation, -deviation)
    change = valgus[bottom] - valgus[start]
    if np.isfinite(change).any():
        i = bottom[int(np.nanargmax(change))]
        out["stance_knee_valgus_img_deg"] = Measurement(
            float(max(0.0, np.nanmax(change))), float(t[i]),
            body.side_visibility((HIP[stance], KNEE[stance], ANKLE[stance]), bottom))

    if (body.trunk_incl_img_deg[frames] > FLIPPED_TRUNK_DEG).any():
        out = {name: replace(m, unreliable=FLIPPED) for name, m in out.items()}
    cut = "the clip ended before the rep did" if rep.ended_by_clip else None
    out["rep_duration_s"] = Measurement(rep.duration_s, rep.end_s, unreliable=cut)
    if len(previous) >= 2:
        median = float(np.median([r.duration_s for r in previous]))
        out["pace_vs_earlier_reps"] = Measurement(rep.duration_s / median, rep.end_s,
                                                  unreliable=cut)
    return out


def view(body: BodySignals) -> View:
    """The camera view, from the upright frames (or every frame with a person)."""
    return posture.standing_view(body, posture.frames_or_all(posture.standing(body), body))


def in_posture(body: BodySignals, view: View) -> np.ndarray:
    """``(T,)`` frames in a deadlift's posture (not lying down), from any view."""
    return posture.not_lying(body)


def recognise(body: BodySignals) -> Cue:
    """Is this a single-leg deadlift? Told apart by its hinged frames: the trunk well
    forward, one ankle high off the floor, and the standing knee only softly bent."""
    seen = posture.detected(body)
    upright = posture.standing(body)
    standing_share = posture.share(upright, seen)

    def cue(matches: bool, view: View | None, seen_text: str) -> Cue:
        return Cue("sldl", matches, view, seen_text, standing_share)

    if standing_share < STANDING_SHARE:
        return cue(False, None, "the person was not standing for most of the clip")
    camera = posture.standing_view(body, np.flatnonzero(upright))
    with np.errstate(invalid="ignore"):
        hinged = seen & (primary_signal(body, Setup("sldl", camera)) > HINGE_TRUNK_DEG)
        knee_flexion = 180.0 - body.knee_angle_img_deg
        free_height = np.nanmax(body.ankle_height, axis=1)
        stance = np.nanargmin(np.nan_to_num(body.ankle_height, nan=np.inf), axis=1)
        stance_flexion = knee_flexion[np.arange(len(body)), stance]
        deep_knees = seen & (np.nanmax(knee_flexion, axis=1) > DEEP_KNEE_FLEXION)
    if posture.share(hinged, seen) < HINGE_SHARE:
        if posture.share(deep_knees, seen) > 0.05:
            return cue(False, camera, "the knees bent deeply with the trunk upright: this looks"
                       " like a squat or a lunge, not a single-leg deadlift")
        return cue(False, camera, "standing, but no hip hinge was seen: this is not a"
                   " single-leg deadlift")
    # Seen from the side the free foot rises; from the front or rear it points at the
    # camera and its leg looks short.
    free_leg = (free_height >= FREE_FOOT_HEIGHT) | (body.leg_length_ratio < SHORT_LEG_RATIO)
    one_leg = float(np.mean(free_leg[hinged]))
    stance_deep = float(np.nanmedian(stance_flexion[hinged]))
    if one_leg >= 0.5 and stance_deep <= DEEP_KNEE_FLEXION:
        return cue(True, camera, "standing on one leg, hinging at the hip")
    if one_leg >= 0.5:
        return cue(False, camera, "one foot left the floor but the standing knee bent"
                   f" {stance_deep:.0f} degrees: this looks like a lunge or split squat")
    if stance_deep > DEEP_KNEE_FLEXION:
        return cue(False, camera, "both feet stayed on the floor and the knees bent deeply:"
                   " this looks like a squat")
    if camera in (View.FRONT, View.REAR):
        rise = ankle_rise(body, upright)[hinged]
        if rise.size and float(np.nanmedian(rise)) >= FRONTAL_ANKLE_RISE:
            return cue(True, camera, "standing on one leg, hinging at the hip")
        return cue(False, camera, "a hip hinge with both feet on the floor, filmed from the"
                   f" {camera.value}: this looks like a two-legged deadlift or good morning;"
                   " if it is a single-leg deadlift, run again with --exercise sldl")
    return cue(False, camera, "both feet stayed on the floor: this looks like a two-legged"
               " deadlift or good morning, not a single-leg deadlift")


def ankle_rise(body: BodySignals, upright: np.ndarray) -> np.ndarray:
    """``(T,)`` the higher ankle's height above the floor, torso lengths; the floor is the
    lower ankle's median level over the ``upright`` frames."""
    ankle_y = body.image_px[:, list(ANKLE), 1]
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames without a person
        floor = np.nanmedian(np.nanmax(ankle_y[upright], axis=1)) if upright.any() else np.nan
        return (floor - np.nanmin(ankle_y, axis=1)) / body.scale_px


def readouts(body: BodySignals, setup: Setup) -> dict[str, np.ndarray]:
    """Live values of the checked angles, frame by frame: the trunk's inclination, the
    knee of the leg whose ankle is lower (the stance leg), and the free leg's line."""
    frames = np.arange(len(body))
    stance = np.nanargmin(np.nan_to_num(body.ankle_height, nan=np.inf), axis=1)
    free = 1 - stance
    img = body.image_px
    shoulders = img[:, list(SHOULDER)].mean(axis=1)
    hips = np.stack([img[:, HIP[0]], img[:, HIP[1]]], axis=1)[frames, free]
    ankles = np.stack([img[:, ANKLE[0]], img[:, ANKLE[1]]], axis=1)[frames, free]
    return {
        "trunk_incl_bottom_deg": primary_signal(body, setup),
        "stance_knee_flexion_img_deg": 180.0 - body.knee_angle_img_deg[frames, stance],
        "leg_trunk_angle_deg": 180.0 - angle_deg(shoulders, hips, ankles),
    }


SLDL = Exercise(
    name="sldl",
    views=(View.SIDE, View.FRONT, View.REAR, View.OBLIQUE),
    title="single-leg deadlift",
    posture="standing",
    in_posture=in_posture,
    checks=CHECKS,
    # Heuristic, tuned on the rendered tuning split and the seen held-out split: a partial
    # rep hinging to 25-38 degrees reads 19 obliquely, so a rep travels at least 15; a
    # rushed rep of 0.67 s reads 0.38 s from behind (the model snaps to the bottom in
    # three frames), so a rep lasts at least 0.3 s. Neither changed a real clip's grade.
    rep_settings=RepSettings(start_delta=10.0, min_amplitude=15.0, end_fraction=0.35,
                             min_duration_s=0.3, max_duration_s=12.0),
    primary_signal=primary_signal,
    measure=measure,
    recognise=recognise,
    view=view,
    resolve_setup=resolve_setup,
    readouts=readouts,
    phases=("lowering", "at the bottom", "standing up"),
    signal_label="trunk from vertical (deg)",
    signal_metric="trunk_incl_bottom_deg",
    signal_views=ALL_VIEWS,
    filming_advice={
        View.SIDE: "film from the side, camera at hip height, whole body in frame",
        View.REAR: "film from behind, camera at hip height, 3-4 m away",
    },
)
