"""Analyse a clip: recognise the exercise, count reps frame by frame, grade them, report."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np

from formcheck.body import BodySignals
from formcheck.exercises import EXERCISES, Exercise, Setup, View, get_exercise
from formcheck.exercises.bridge import working_side
from formcheck.grading import Tally, grade_rep, skipped
from formcheck.pipeline import ProgressCallback, extract_poses
from formcheck.pose.model import DEFAULT_MODEL
from formcheck.pose.series import PoseRecording
from formcheck.prescription import advice
from formcheck.recognition import lying_view, postures, recognise, standing_view
from formcheck.report import Report
from formcheck.reps import Rep, RepEngine
from formcheck.video import VideoInfo

logger = logging.getLogger(__name__)

#: Below this share of frames with a person, a clip is not graded.
MIN_DETECTION_RATE = 0.5


def count_reps(exercise: Exercise, body: BodySignals, setup: Setup) -> list[Rep]:
    """Feed the exercise's primary signal to a fresh rep engine, frame by frame."""
    engine = RepEngine(exercise.rep_settings)
    signal = exercise.primary_signal(body, setup)
    reps = (engine.update(float(t), float(v)) for t, v in zip(body.t_s, signal, strict=True))
    return [rep for rep in reps if rep is not None]


def _forced_view(exercise: str, body: BodySignals) -> View:
    detected, lying, standing = postures(body)
    if exercise == "bridge":
        frames = np.flatnonzero(lying if lying.any() else detected)
        return lying_view(body, frames)
    frames = np.flatnonzero(standing if standing.any() else detected)
    return standing_view(body, frames)


def analyse_recording(recording: PoseRecording, exercise: str = "auto") -> Report:
    """Grade a clip's pose recording.

    Args:
        recording: Poses from :func:`formcheck.pipeline.extract_poses`.
        exercise: ``auto`` to recognise it, or ``sldl`` / ``bridge`` to force it.
    """
    video = recording.video
    series = recording.clean
    rate = series.detection_rate
    if rate < MIN_DETECTION_RATE:
        return Report("ungradable", video, "other", detection_rate=rate, reason=(
            f"a person was found in only {100 * rate:.0f}% of frames: film in good light"
            " with the whole body in frame"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN frames without a person
        body = BodySignals.from_series(series)
        if exercise == "auto":
            recognition = recognise(body)
            if recognition.exercise == "other" or recognition.view is None:
                return Report("ungradable", video, "other", reason=recognition.seen,
                              seen=recognition.seen, detection_rate=rate,
                              view=recognition.view.value if recognition.view else None)
            name, view, seen = recognition.exercise, recognition.view, recognition.seen
        else:
            name, view = get_exercise(exercise).name, _forced_view(exercise, body)
            seen = f"graded as {EXERCISES[name].title} as asked"
        return grade_body(EXERCISES[name], body, view, video, seen=seen, detection_rate=rate)


def grade_body(exercise: Exercise, body: BodySignals, view: View, video: VideoInfo, *,
               seen: str = "", detection_rate: float = 1.0) -> Report:
    """Count and grade the reps of a known exercise filmed from a known view."""
    setup = Setup(exercise.name, view)
    reps = count_reps(exercise, body, setup)
    variant = None
    if exercise.name == "bridge":
        side = working_side(body, reps)
        variant = "single_leg" if side is not None else "double"
        if side is not None:
            setup = Setup(exercise.name, view, variant, side)
            reps = count_reps(exercise, body, setup)
    tally = Tally()
    for i, rep in enumerate(reps):
        tally.add(grade_rep(exercise, body, rep, setup, tuple(reps[:i])))
    skipped_checks = skipped(exercise.checks, view)
    filming = tuple(_filming_advice(exercise, code) for code, _ in skipped_checks)
    sets = tally.sets()
    return Report(
        status="graded",
        video=video,
        exercise=exercise.name,
        variant=variant,
        view=view.value,
        seen=seen,
        reps=tuple(tally.reps),
        sets=tuple(sets),
        skipped_checks=tuple(skipped_checks),
        filming_advice=filming,
        prescription=advice([s.good_reps for s in sets],
                            [s.rest_before_s for s in sets if s.rest_before_s is not None]),
        detection_rate=detection_rate,
    )


def _filming_advice(exercise: Exercise, code: str) -> str:
    """How to film so that the check ``code`` can be made."""
    views = [v for v in View if any(c.code == code and v in c.views for c in exercise.checks)]
    advised = next((v for v in views if v in exercise.filming_advice), None)
    label = code.split(".", 1)[1].replace("_", " ")
    if advised is None:
        return f"For {label}: film from the {' or '.join(v.value for v in views)}"
    return f"For {label}: {exercise.filming_advice[advised]}"


def analyse_video(path: str | Path, exercise: str = "auto", *, model: str = DEFAULT_MODEL,
                  on_progress: ProgressCallback | None = None) -> Report:
    """Extract poses from a video file and grade it."""
    recording = extract_poses(path, model=model, on_progress=on_progress)
    return analyse_recording(recording, exercise)

