"""What ``formcheck analyse`` writes besides the terminal: a JSON report, an annotated
video, an HTML page, CSV rows. All come from one analysis (the pose model runs once)
and are written atomically.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from formcheck.analyse import RECORDING_SUFFIX, FrameCallback, analyse_file
from formcheck.errors import UsageError
from formcheck.pipeline import ProgressCallback
from formcheck.pose.model import DEFAULT_MODEL
from formcheck.report import Report
from formcheck.reporters.annotate import AnnotatedVideo
from formcheck.reporters.csv import write_reports_csv
from formcheck.reporters.html import write_html
from formcheck.reporters.json import write_json
from formcheck.reporters.overlay import Overlay
from formcheck.reporters.trace import SessionTrace
from formcheck.session import Event, FrameState
from formcheck.speed import SpeedSettings
from formcheck.video import Frame, VideoFile


@dataclass(frozen=True)
class Outputs:
    """Files to write, each optional.

    Attributes:
        json: The report as JSON (``formcheck.report/1``).
        annotated: The clip with the analysis drawn on it (H.264 MP4).
        html: A self-contained HTML page.
        embed_video: Put the annotated video inside the HTML page instead of linking it.
        csv: The report as CSV rows.
        per_rep: One CSV row per rep instead of one per clip.
    """

    json: Path | None = None
    annotated: Path | None = None
    html: Path | None = None
    embed_video: bool = False
    csv: Path | None = None
    per_rep: bool = False

    def check(self, source: Path) -> None:
        """Refuse combinations that cannot work, before the slow part starts."""
        is_recording = source.suffix.lower() == RECORDING_SUFFIX
        if self.annotated is not None:
            if is_recording:
                raise UsageError("--annotate needs the video: a pose recording has no pictures")
            if self.annotated.suffix.lower() != ".mp4":
                raise UsageError(f"--annotate {self.annotated}: use a .mp4 file name")
        if self.embed_video and (self.html is None or self.annotated is None):
            raise UsageError("--embed-video needs both --html and --annotate")
        for path in (self.json, self.annotated, self.html, self.csv):
            if path is not None and not path.parent.is_dir():
                raise UsageError(f"{path}: the folder {path.parent} does not exist")
            if path is not None and path.resolve() == source.resolve():
                raise UsageError(f"{path}: would overwrite the clip being analysed")


def analyse_to(source: Path, outputs: Outputs, exercise: str = "auto", *,
               model: str = DEFAULT_MODEL,
               on_progress: ProgressCallback | None = None,
               speed: SpeedSettings | None = None) -> Report:
    """Analyse ``source`` once and write every requested output (``speed``: see
    :mod:`formcheck.speed`)."""
    outputs.check(source)
    trace = SessionTrace() if outputs.html is not None else None
    with ExitStack() as stack:
        annotated: AnnotatedVideo | None = None
        if outputs.annotated is not None:
            with VideoFile(source) as probe:
                info = probe.info
            annotated = stack.enter_context(AnnotatedVideo(outputs.annotated, info))

        def on_frame(state: FrameState, events: list[Event], frame: Frame | None) -> None:
            if trace is not None:
                trace.add(state, events, frame)
            if annotated is not None and frame is not None:
                annotated.add(frame, state, events)

        callback: FrameCallback | None = on_frame if (trace or annotated) else None
        report = analyse_file(source, exercise, model=model, on_progress=on_progress,
                              on_frame=callback, speed=speed)
    if outputs.json is not None:
        write_json(report.to_dict(), outputs.json)
    if outputs.csv is not None:
        write_reports_csv([report], outputs.csv, per_rep=outputs.per_rep)
    if outputs.html is not None and trace is not None:
        video = None if source.suffix.lower() == RECORDING_SUFFIX else source
        link = embedded = None
        if outputs.annotated is not None:
            if outputs.embed_video:
                embedded = outputs.annotated.read_bytes()
            else:
                link = _relative(outputs.annotated, outputs.html.parent)
        write_html(outputs.html, report, trace, video=video, draw=Overlay().draw_pose,
                   annotated_video=link, embedded_video=embedded)
    return report


def _relative(target: Path, folder: Path) -> str:
    try:
        return target.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return target.resolve().as_uri()
