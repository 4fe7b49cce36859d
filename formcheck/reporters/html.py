"""A self-contained HTML report: one file, no network, readable on a phone.

Everything comes from the report and the frame-by-frame trace of the same analysis;
nothing here grades. The page is rendered from a Jinja2 template with autoescaping
(file names and messages are untrusted text); the plot is matplotlib SVG inline; the
pictures are JPEG data URIs of the key frames kept during the analysis
(:mod:`formcheck.reporters.key_frames`): the clip is never decoded a second time.
"""

from __future__ import annotations

import base64
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.analysis.advice import filming_advice
from formcheck.analysis.events import FrameState
from formcheck.analysis.grading import applicable
from formcheck.analysis.report import Report
from formcheck.exercises import EXERCISES, View, check_label
from formcheck.fileio import write_text_atomic
from formcheck.reporters import pages
from formcheck.reporters.key_frames import THUMB_WIDTH_PX, KeyFrames, key_time
from formcheck.reporters.trace import SessionTrace

#: Draws one frame's state on an RGB image (the annotated video's overlay).
Drawer = Callable[[np.ndarray, FrameState], np.ndarray]

#: Frames shown for a clip that could not be graded.
UNGRADED_FRAMES = 4


@dataclass(frozen=True)
class Picture:
    """A key frame: its time, a caption, and a JPEG data URI."""

    t_s: float
    caption: str
    good: bool | None
    data_uri: str


def _jpeg_uri(image_rgb: np.ndarray) -> str:
    import cv2

    height, width = image_rgb.shape[:2]
    if width > THUMB_WIDTH_PX:
        size = (THUMB_WIDTH_PX, max(2, round(height * THUMB_WIDTH_PX / width)))
        image_rgb = cv2.resize(image_rgb, size, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR),
                               [cv2.IMWRITE_JPEG_QUALITY, 82])
    if not ok:
        raise ValueError("could not encode a thumbnail")
    return "data:image/jpeg;base64," + base64.b64encode(encoded.tobytes()).decode("ascii")


def _pictures(report: Report, trace: SessionTrace, key_frames: KeyFrames | None,
              draw: Drawer | None) -> list[Picture]:
    if key_frames is None or not trace.states:
        return []
    wanted: list[tuple[float, str, bool | None]]
    if report.graded:
        wanted = [(key_time(g), f"rep {i}: " + ("good" if g.good else g.faults[0].message),
                   g.good) for i, g in enumerate(report.reps, start=1)]
    else:
        first, last = trace.states[0].t_s, trace.states[-1].t_s
        times = np.linspace(first, last, UNGRADED_FRAMES + 2)[1:-1]
        wanted = [(float(x), "what the pose model saw", None) for x in times]
    pictures = []
    for t_s, caption, good in wanted:
        thumb = key_frames.at(t_s)
        if thumb is None:
            continue
        image = thumb.image()
        state = trace.state_at(thumb.t_s)
        if draw is not None and state is not None:
            # What is known at the end: the exercise and view, for the checked joints
            # (a rep before the decision was drawn while still recognising).
            image = draw(image, replace(state, exercise=report.exercise, view=report.view,
                                        landmarks_px=state.landmarks_px * thumb.scale))
        pictures.append(Picture(thumb.t_s, caption, good, _jpeg_uri(image)))
    return pictures


def signal_svg(report: Report, trace: SessionTrace) -> str | None:
    """The primary signal over time, with rep spans, the limits on it, and the first bad rep,
    as inline SVG (matplotlib, text as paths: no font is needed to show it)."""
    exercise = EXERCISES.get(report.exercise)
    signal = trace.signal
    if exercise is None or report.view is None or not np.isfinite(signal).any():
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = trace.t_s
    matplotlib.rcParams["svg.hashsalt"] = "formcheck"  # the same page for the same report
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    try:
        ax.plot(t, signal, color="#222222", lw=1.3)
        for i, graded in enumerate(report.reps, start=1):
            colour = "#2e9e4f" if graded.good else "#d43d2a"
            ax.axvspan(graded.rep.start_s, graded.rep.end_s, color=colour, alpha=0.15, lw=0)
            ax.text((graded.rep.start_s + graded.rep.end_s) / 2, 1.0, str(i), color=colour,
                    ha="center", va="bottom", transform=ax.get_xaxis_transform(), fontsize=8)
        if report.first_bad_rep is not None:
            bad = report.reps[report.first_bad_rep - 1].rep
            ax.axvline(bad.start_s, color="#d43d2a", lw=1.5, ls="--")
        metric = exercise.signal_metric if report.view in exercise.signal_views else None
        for check in applicable(exercise.checks, View(report.view)):
            if metric is not None and check.metric == metric:
                ax.axhline(check.limit, color="#e08a00", lw=1, ls=":")
                ax.text(t[-1], check.limit, f" {check.code.split('.', 1)[1]} {check.limit:g}",
                        color="#e08a00", fontsize=7, va="center", ha="left")
        ax.set_xlabel("time (s)")
        sagittal = report.view in exercise.signal_views
        ax.set_ylabel(exercise.signal_label if sagittal else "primary signal (deg)", fontsize=8)
        ax.set_xlim(float(t[0]), float(t[-1]))
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg")
    finally:
        plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    # Drop the RDF block (creator, date): namespace URLs that a reader might take for links.
    return re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)


def _rep_rows(report: Report) -> list[dict[str, Any]]:
    rows = []
    for i, graded in enumerate(report.reps, start=1):
        rep = graded.rep
        rows.append({
            "index": i, "set": graded.set_index, "start": rep.start_s, "end": rep.end_s,
            "good": graded.good, "after_stop": graded.after_stop,
            "ended_by_clip": rep.ended_by_clip,
            "faults": [{"message": f.message, "cue": f.cue, "value": f.value, "limit": f.limit,
                        "unit": f.unit} for f in graded.faults],
            "borderline": [{"message": b.message, "cue": b.cue} for b in graded.borderline],
            "uncertain": [f"{check_label(u.code)}: {u.reason}"
                          for u in graded.uncertain],
        })
    return rows


def _how_to_film() -> list[str]:
    return [f"{exercise.title}: {advice}" for exercise in EXERCISES.values()
            for advice in list(exercise.filming_advice.values())[:1]]


@dataclass(frozen=True)
class ReportParts:
    """What of a report page only the analysis pass can make: the key frames and the plot.

    Kept as JSON (:meth:`to_json`) beside a stored report, they let a page be rendered
    later (the web service's result page) without decoding the clip again.

    Attributes:
        pictures: The key frames, each a JPEG data URI.
        plot: The signal plot as inline SVG, or None.
    """

    pictures: tuple[Picture, ...] = ()
    plot: str | None = None

    def to_json(self) -> str:
        import json

        return json.dumps({"pictures": [vars(p) for p in self.pictures], "plot": self.plot})

    @classmethod
    def from_json(cls, text: str) -> ReportParts:
        import json

        data = json.loads(text)
        return cls(pictures=tuple(Picture(**p) for p in data["pictures"]), plot=data["plot"])


def report_parts(report: Report, trace: SessionTrace | None, *,
                 key_frames: KeyFrames | None = None, draw: Drawer | None = None
                 ) -> ReportParts:
    """The key frames and the plot of ``report``'s page, from the analysis's trace."""
    if trace is None:
        return ReportParts()
    return ReportParts(pictures=tuple(_pictures(report, trace, key_frames, draw)),
                       plot=signal_svg(report, trace) if report.graded else None)


def report_context(report: Report, parts: ReportParts, *, video_src: str | None = None
                   ) -> dict[str, Any]:
    """The variables ``_report_body.html.j2`` reads, for any page that shows a report."""
    exercise = EXERCISES.get(report.exercise)
    return {
        "report": report,
        "name": Path(report.video.path).name,
        "title": exercise.title if exercise else "",
        "variant": (report.variant or "").replace("_", "-"),
        "reps": _rep_rows(report),
        "sets": report.sets,
        "pictures": list(parts.pictures),
        "plot": parts.plot,
        "skipped": [(reason, filming_advice(exercise, code)) for code, reason in
                    report.skipped_checks if code not in report.not_judged] if exercise else [],
        "not_judged": [check_label(code) for code in report.not_judged],
        "glance": report.glance,
        "how_to_film": _how_to_film(),
        "video_src": video_src,
        "duration": report.video.duration_s if math.isfinite(report.video.duration_s) else 0.0,
    }


def render_html(report: Report, trace: SessionTrace | None = None, *,
                key_frames: KeyFrames | None = None,
                draw: Drawer | None = None, annotated_video: str | None = None,
                embedded_video: bytes | None = None,
                parts: ReportParts | None = None) -> str:
    """The report page.

    Args:
        report: What the analysis found.
        trace: The same analysis, frame by frame.
        key_frames: The pictures kept from the analysis (None: no pictures).
        draw: Overlay for the key frames.
        annotated_video: Link to the annotated video, relative to the page.
        embedded_video: The annotated video's bytes, to embed instead of linking.
        parts: The pictures and plot made already (instead of ``trace`` and ``key_frames``).
    """
    environment = pages.environment()
    template = environment.get_template("report.html.j2")
    video_src = None
    if embedded_video is not None:
        video_src = "data:video/mp4;base64," + base64.b64encode(embedded_video).decode("ascii")
    elif annotated_video is not None:
        video_src = annotated_video
    if parts is None:
        parts = report_parts(report, trace, key_frames=key_frames, draw=draw)
    return template.render(**report_context(report, parts, video_src=video_src))


def write_html(path: str | Path, report: Report, trace: SessionTrace | None = None,
               **options: Any) -> None:
    """Write :func:`render_html`'s page atomically."""
    write_text_atomic(path, render_html(report, trace, **options))
