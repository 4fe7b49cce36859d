"""What an analysis writes besides the terminal: a JSON report, an annotated video, an
HTML page, CSV rows.

All come from the one pass over the clip: the annotated video and the HTML report's trace
and key frames are sinks of that pass (:class:`OutputSinks`), and the files that need the
finished report are written after it (:meth:`OutputSinks.write`). Every file is written
under a temporary name and moved into place when complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from formcheck.analysis.report import Report
from formcheck.drivers.run import FrameSink
from formcheck.errors import UsageError
from formcheck.fileio import write_text_atomic
from formcheck.reporters.annotate import AnnotatedVideo
from formcheck.reporters.csv import write_reports_csv
from formcheck.reporters.faces import HeadBoxes
from formcheck.reporters.html import report_parts, write_html
from formcheck.reporters.json import write_json
from formcheck.reporters.key_frames import KeyFrames
from formcheck.reporters.overlay import Overlay
from formcheck.reporters.trace import SessionTrace
from formcheck.sources.frames import VideoInfo

#: Saved pose recordings (``formcheck pose -o poses.npz``) are graded without the model.
RECORDING_SUFFIX = ".npz"


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
        page_parts: The HTML report's key frames and plot as JSON
            (:class:`~formcheck.reporters.html.ReportParts`), for a page rendered later.
        head_boxes: Each frame's head box as JSON (:mod:`formcheck.reporters.faces`), to
            blur faces in the annotated video later.
    """

    json: Path | None = None
    annotated: Path | None = None
    html: Path | None = None
    embed_video: bool = False
    csv: Path | None = None
    per_rep: bool = False
    page_parts: Path | None = None
    head_boxes: Path | None = None

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
        for path in (self.json, self.annotated, self.html, self.csv, self.page_parts,
                     self.head_boxes):
            if path is not None and path.is_dir():
                raise UsageError(f"{path} is a folder: give the output a file name")
            if path is not None and not path.parent.is_dir():
                raise UsageError(f"{path}: the folder {path.parent} does not exist")
            if path is not None and path.resolve() == source.resolve():
                raise UsageError(f"{path}: would overwrite the clip being analysed")


class OutputSinks:
    """The sinks ``outputs`` needs during the pass, and the files written after it.

    Use as a context manager around the pass: on leaving it without an exception the
    annotated video is finished and moved into place; with an exception no file is left.

    Args:
        outputs: What to write.
        info: The source's description (the annotated video's rate).
        pictures: The source has pictures (False for a saved pose recording).
    """

    def __init__(self, outputs: Outputs, info: VideoInfo, *, pictures: bool = True) -> None:
        self.outputs = outputs
        self.annotated = (AnnotatedVideo(outputs.annotated, info)
                          if outputs.annotated is not None and pictures else None)
        pages = outputs.html is not None or outputs.page_parts is not None
        self.trace = SessionTrace() if pages else None
        self.key_frames = KeyFrames() if pages and pictures else None
        self.head_boxes = (HeadBoxes(outputs.head_boxes)
                           if outputs.head_boxes is not None and pictures else None)

    @property
    def sinks(self) -> list[FrameSink]:
        """The sinks to feed, in order."""
        return [sink for sink in (self.annotated, self.trace, self.key_frames, self.head_boxes)
                if sink is not None]

    @property
    def every_frame(self) -> bool:
        """Whether the sinks need every decoded frame at full size (the annotated video),
        not only the frames the analysis rate picks."""
        return self.annotated is not None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.annotated is None:
            return
        if exc_type is None:
            self.annotated.close()
        else:
            self.annotated.abort()

    def write(self, report: Report) -> None:
        """Write the files that need the finished report: JSON, CSV, HTML."""
        outputs = self.outputs
        if outputs.json is not None:
            write_json(report.to_dict(), outputs.json)
        if outputs.csv is not None:
            write_reports_csv([report], outputs.csv, per_rep=outputs.per_rep)
        if self.head_boxes is not None:
            self.head_boxes.write()
        if self.trace is None:
            return
        parts = report_parts(report, self.trace, key_frames=self.key_frames,
                             draw=Overlay().draw_pose)
        if outputs.page_parts is not None:
            write_text_atomic(outputs.page_parts, parts.to_json())
        if outputs.html is not None:
            link = embedded = None
            if outputs.annotated is not None and outputs.annotated.is_file():
                if outputs.embed_video:
                    embedded = outputs.annotated.read_bytes()
                else:
                    link = _relative(outputs.annotated, outputs.html.parent)
            write_html(outputs.html, report, parts=parts, annotated_video=link,
                       embedded_video=embedded)


def _relative(target: Path, folder: Path) -> str:
    try:
        return target.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return target.resolve().as_uri()
