"""Render clip specs to H.264 mp4 files with exact labels."""

from __future__ import annotations

import logging
import time
import zlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.devtools.synth.body import keypoints, load_body, part_colours, skin, vertex_parts
from formcheck.devtools.synth.geometry import unit
from formcheck.devtools.synth.labels import (
    RepLabel,
    SetLabel,
    clip_label,
    relative_path,
    update_labels,
)
from formcheck.devtools.synth.moves import MOVES, Poser
from formcheck.devtools.synth.pose import Rig
from formcheck.devtools.synth.scene import CameraPose, Renderer, project
from formcheck.devtools.synth.spec import ClipSpec, SpecError, hex_to_rgb, load_spec
from formcheck.devtools.synth.timing import Timeline
from formcheck.devtools.synth.truth import fault_problem, good_rep_problems

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class RenderedClip:
    """What rendering one spec produced."""

    video: Path
    label: dict[str, Any]
    seconds: float
    frames: int


def _camera(spec: ClipSpec, envelope: np.ndarray) -> CameraPose:
    """Camera at the spec's azimuth/elevation, framing all of ``envelope`` (N, 3) points."""
    cam = spec.camera
    lo, hi = envelope.min(axis=0), envelope.max(axis=0)
    target = 0.5 * (lo + hi)
    azimuth = np.radians(cam.azimuth_deg)
    elevation = np.radians(cam.elevation_deg)
    # Azimuth 0 is -y: in front of the face (sldl), at the feet end (bridge); +90 is +x, the
    # person's left.
    horizontal = np.array([np.sin(azimuth), -np.cos(azimuth), 0.0])
    direction = unit(horizontal * np.cos(elevation) + np.array([0.0, 0.0, np.sin(elevation)]))
    if cam.distance_m is not None:
        return CameraPose(target + direction * cam.distance_m, target, cam.fov_deg)
    distance = 1.5
    for _ in range(200):
        camera = CameraPose(target + direction * distance, target, cam.fov_deg)
        pixels = project(envelope, camera, spec.width, spec.height)
        margin_x, margin_y = 0.11 * spec.width, 0.09 * spec.height
        inside = (
            (pixels[:, 0] > margin_x).all()
            and (pixels[:, 0] < spec.width - margin_x).all()
            and (pixels[:, 1] > margin_y).all()
            and (pixels[:, 1] < spec.height - margin_y).all()
        )
        if inside:
            return camera
        distance *= 1.04
    return CameraPose(target + direction * distance, target, cam.fov_deg)


def _envelope(poser: Poser, timeline: Timeline) -> np.ndarray:
    """(N, 3) joint positions over the clip (every few frames), with the head top and feet."""
    points = []
    step = max(1, timeline.n_frames // 80)
    head = poser.rig.body.bone("head")
    for i in range(0, timeline.n_frames, step):
        posed = poser(timeline.params[i])
        heads = posed.heads
        # The top of the head lies ~0.2 m beyond the head bone along the head's axis.
        crown = heads[head] + posed.rotations[head] @ np.array([0.0, 0.0, 0.14])
        points.append(np.vstack([heads, crown[None]]))
    return np.concatenate(points)


class _VideoWriter:
    """H.264 (libx264, yuv420p) mp4 writer with exact frame timestamps i / fps."""

    def __init__(self, path: Path, width: int, height: int, fps: int) -> None:
        import av

        self._av = av
        self.container = av.open(str(path), mode="w")
        self.stream = self.container.add_stream("libx264", rate=fps)
        self.stream.width = width
        self.stream.height = height
        self.stream.pix_fmt = "yuv420p"
        self.stream.time_base = Fraction(1, fps)
        self.stream.options = {"crf": "23", "preset": "medium", "tune": "animation"}
        self.index = 0

    def write(self, rgb: np.ndarray) -> None:
        frame = self._av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = self.index
        self.index += 1
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def close(self) -> None:
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()


def _check_rep(exercise: str, label: RepLabel, single_leg: bool) -> list[str]:
    """Why a rep's truth is ambiguous: a good rep outside good form, a fault not clear."""
    if not label.faults:
        return [f"good rep {label.index}: {problem}" for problem in
                good_rep_problems(exercise, label.measured, single_leg=single_leg)]
    problems = (fault_problem(f["code"], float(f["magnitude"])) for f in label.faults)
    return [f"rep {label.index}: {problem}" for problem in problems if problem]


def render_clip(spec: ClipSpec, video_path: Path, labels_dir: Path) -> RenderedClip:
    """Render one validated spec to ``video_path`` and return its label entry."""
    started = time.monotonic()
    move = MOVES[spec.exercise]
    body = load_body(spec.body)
    rig = Rig(body, spec.working_leg, single_leg=spec.variant == "single_leg")
    poser = move.poser(rig)
    # The seed drives the small rep-to-rep variation of good form (a few degrees of depth).
    rng = np.random.default_rng(zlib.crc32(video_path.stem.encode("utf-8")))
    timeline = move.timeline(spec, poser, body, rng)
    camera = _camera(spec, _envelope(poser, timeline))
    colours = part_colours(spec.clothing)[vertex_parts(body, spec.clothing)]
    mat = None
    if spec.scene.mat is not None and move.on_mat:
        mat = (
            np.array([0.0, -0.45, 0.0]),
            np.array([0.75, 1.9]),
            np.array(hex_to_rgb(spec.scene.mat)),
        )
    renderer = Renderer(
        spec.width,
        spec.height,
        body.faces,
        colours,
        np.array(hex_to_rgb(spec.scene.floor)),
        np.array(hex_to_rgb(spec.scene.wall)),
        camera,
        mat=mat,
    )
    video_path.parent.mkdir(parents=True, exist_ok=True)
    writer = _VideoWriter(video_path, spec.width, spec.height, spec.fps)
    kps = np.empty((timeline.n_frames, len(body.keypoint_labels), 3))
    try:
        for i, params in enumerate(timeline.params):
            vertices = skin(body, poser(params))
            kps[i] = keypoints(body, vertices)
            writer.write(renderer.render(vertices))
    finally:
        writer.close()
        renderer.close()

    fps = spec.fps
    rep_labels = []
    for timing in timeline.reps:
        measured, by_code = move.measure_rep(
            spec, rig, kps, timing.start_frame, timing.end_frame, fps
        )
        faults = tuple(
            {
                "code": f.code,
                "magnitude": round(by_code[f.code], 3),
                "unit": move.label_units.get(f.code, f.unit),
                "commanded": f.magnitude,
            }
            for f in timing.rep.faults
        )
        rep_labels.append(
            RepLabel(
                index=timing.index,
                set_index=timing.set_index,
                start_s=timing.start_frame / fps,
                end_s=timing.end_frame / fps,
                faults=faults,
                measured=measured,
            )
        )
    problems = [problem for rep_label in rep_labels
                for problem in _check_rep(spec.exercise, rep_label, rig.single_leg)]
    if problems:
        video_path.unlink(missing_ok=True)
        raise SpecError(f"{video_path.name}: the rendered truth is ambiguous, change the"
                        f" spec: {'; '.join(problems)}")
    set_labels = [
        SetLabel(
            reps=sum(1 for r in timeline.reps if r.set_index == s.index),
            start_s=s.start_frame / fps,
            end_s=s.end_frame / fps,
            rest_before_s=s.rest_before_s,
        )
        for s in timeline.sets
    ]
    spec_ref = relative_path(spec.path, labels_dir) if spec.path is not None else ""
    label = clip_label(
        file=relative_path(video_path, labels_dir),
        exercise=spec.exercise,
        variant=spec.variant if len(move.variants) > 1 else None,
        view=spec.camera.view,
        reps=rep_labels,
        sets=set_labels,
        spec=spec_ref,
        extra={
            "camera_side": spec.camera.side,
            "working_leg": spec.working_leg,
            "fps": fps,
            "frames": timeline.n_frames,
            "duration_s": round(timeline.n_frames / fps, 4),
            "resolution": [spec.width, spec.height],
        },
    )
    seconds = time.monotonic() - started
    logger.info("rendered %s: %d frames in %.1f s", video_path.name, timeline.n_frames, seconds)
    return RenderedClip(video=video_path, label=label, seconds=seconds, frames=timeline.n_frames)


def render_clips(spec_paths: list[Path], out_dir: Path) -> Path:
    """Render each spec to ``out_dir/<spec stem>.mp4`` and write/update ``out_dir/labels.json``.

    All specs are validated before anything is rendered. labels.json is updated after each
    clip, so an interrupted run keeps the clips already done.

    Returns:
        The path of labels.json.

    Raises:
        SpecError: a spec is missing or invalid (the message names the file and field;
            nothing is rendered), or a clip's rendered truth was ambiguous (that clip is
            left out, the others are rendered).
    """
    specs = [load_spec(Path(p)) for p in spec_paths]
    stems = [Path(p).stem for p in spec_paths]
    if len(set(stems)) != len(stems):
        duplicates = sorted({s for s in stems if stems.count(s) > 1})
        raise SpecError(f"two specs would write the same clip: {', '.join(duplicates)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    labels_path = out_dir / "labels.json"
    refused: list[str] = []
    for spec, stem in zip(specs, stems, strict=True):
        try:
            result = render_clip(spec, out_dir / f"{stem}.mp4", out_dir)
        except SpecError as exc:  # an ambiguous truth: the others are still rendered
            logger.error("%s", exc)
            refused.append(str(exc))
            continue
        update_labels(labels_path, [result.label])
    if refused:
        raise SpecError(f"{len(refused)} of {len(specs)} clip(s) not rendered: "
                        + "; ".join(refused))
    return labels_path
