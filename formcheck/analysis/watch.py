"""What may make a grade less trustworthy, found while a clip is analysed.

:class:`ClipWatch` looks at the decoded frames as they go by (timestamps, brightness, a
hard cut between two frames) and at the session's events (the person lost and found),
at a cost of about 0.3 ms a 720p frame (looked at on the decoding thread, while the
frame is in the cache). At the end it turns what it saw into the
report's ``warnings``, each with the reps it touches, or says the clip is too short to
grade. It never changes a grade.

Warning codes (a contract, never renamed): ``truncated``, ``frame_rate``, ``timestamps``,
``poorly_lit``, ``frames_without_person``, ``person_left``, ``cut``, ``exercise_changed``.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from formcheck.analysis.events import (
    Event,
    ExerciseChanged,
    FrameState,
    PersonFound,
    PersonLost,
    exercise_changed_message,
)
from formcheck.analysis.report import Report, ReportWarning, Status
from formcheck.errors import TooShortError
from formcheck.sources.frames import Frame, VideoInfo

logger = logging.getLogger(__name__)

#: Every warning code, a contract (README "Warnings", the schema's description).
WARNING_CODES = ("truncated", "frame_rate", "timestamps", "poorly_lit", "frames_without_person",
                 "person_left", "cut", "exercise_changed")


@dataclass(frozen=True)
class WatchSettings:
    """Thresholds of the warnings.

    Attributes:
        min_clip_s: A clip shorter than this (first to last frame plus one frame) is too
            short to grade, seconds (heuristic: the shortest rep the engine takes lasts
            0.4 s, with a rest frame either side; the shortest real clip, a 0.97 s
            deadlift, is long enough to be judged).
        min_frames: Fewer decoded frames than this is too short to grade.
        min_fps, max_fps: A decoded frame rate outside these is implausible, frames per
            second (heuristic: phones film at 24-240; under 5 a rep is a few frames;
            over 300 is a wrong time base, as with a 30 fps clip declared 1000 fps).
        truncated_min_gap_s, truncated_min_share: The frames end this long before the
            declared duration, and by this share of it, before the file is called cut off
            (heuristic: containers pad durations by a frame or two and audio may outlast
            the video by a fraction of a second; real cut files miss seconds).
        dark_luma: The clip is poorly lit when the brighter parts of its frames are
            darker than this: the 90th percentile of the brightness (0-255, Rec. 601 luma
            of a subsample), averaged over the frames (heuristic: the real clips filmed on
            a black studio background have means of 29-37 but 90th percentiles of 51-82,
            and the pose model finds the person in them; the other real clips and the
            rendered samples are over 170; a black clip is 0).
        min_detection_rate: Below this share of frames with a person, say so (under the
            session's own 50% the clip is not graded at all; heuristic).
        person_gone_s: The person out of the frame for at least this long is a
            ``person_left`` warning, seconds (heuristic: shorter gaps are the model
            missing a frame or two).
        cut_min_diff: A frame differing from the one before by at least this much (mean
            absolute difference of the subsampled grey image, 0-255) may be a hard cut
            (heuristic, measured on the 34 real clips and the 10 samples: continuous takes
            peak at 1-9, a crowded one at 18 over a median of 10; the cuts of the edited
            tutorials 64-133; a cut between two takes in one room 19).
        cut_ratio: ... and by this many times the median difference of the last frames
            (heuristic: continuous takes stay under 8 times, with differences under 9; a
            crowd or a shaking camera raises the median, not a single frame).
        cut_window_s: The median is over the frames of the last this many seconds
            (heuristic: 15 frames at 30 fps; in seconds so that a lower analysis rate,
            whose frames differ more from one to the next, compares a frame with as much
            of the clip's motion). The differences are between consecutive frames looked
            at, which at a lower analysis rate are further apart in time: a person moving
            fast raises both the difference and the median.
        cut_merge_s: A cut this soon after another is the same one (a transition over
            two or three frames), seconds.
        max_cuts: Cuts listed one by one; more are summed up in the last warning.
        cut_off_share, cut_off_min_s: A clip cut off (``truncated``) whose frames reach
            less than this share of its declared length, or whose readable part is
            shorter than this many seconds, is not graded: the set is mostly missing, and
            what is left cannot hold a rep with rest either side (heuristic: a deadlift
            rep lasts 2-4 s, a bridge rep 1-3 s; phones' clips cut by a failed upload
            kept 1.0-1.8 s of 7.9-13.1 s and graded as "no complete rep" or as the
            wrong exercise, by luck).
        sample_px: The grey image is sampled every this many pixels along each side of
            a 720-pixel-high frame (scaled with the frame).
    """

    min_clip_s: float = 0.5
    min_frames: int = 2
    min_fps: float = 5.0
    max_fps: float = 300.0
    truncated_min_gap_s: float = 1.0
    truncated_min_share: float = 0.05
    dark_luma: float = 40.0
    min_detection_rate: float = 0.9
    person_gone_s: float = 1.0
    cut_min_diff: float = 12.0
    cut_ratio: float = 5.0
    cut_window_s: float = 0.5
    cut_merge_s: float = 0.5
    max_cuts: int = 10
    cut_off_share: float = 0.5
    cut_off_min_s: float = 3.0
    sample_px: int = 16


@dataclass
class _Seen:
    """What the frames showed so far."""

    frames: int = 0
    first_t: float | None = None
    last_t: float | None = None
    backwards: int = 0
    first_backwards_t: float | None = None
    bright_sum: float = 0.0  # 90th percentiles of the brightness
    cuts: list[float] = field(default_factory=list)
    gone: list[tuple[float, float | None]] = field(default_factory=list)  # (lost, found)
    changed: ExerciseChanged | None = None
    #: Every frame decoded, analysed or not: (count, first time, last time), when the
    #: analysis rate left some out of the frames above (:meth:`ClipWatch.count_decoded`).
    decoded: tuple[int, float, float] | None = None


@dataclass(frozen=True)
class FrameReadings:
    """What :class:`FrameMeter` measured on a run of frames, as arrays: made where the
    frames were decoded (a chunk's worker process) and replayed into a
    :class:`ClipWatch` (:meth:`ClipWatch.replay`).

    Attributes:
        t_s: Each frame's time, seconds.
        bright: The 90th percentile of its brightness, 0-255.
        diff: Its mean absolute difference from the frame before, 0-255 (NaN: none
            before it, or one of another size).
        backwards: Frames dropped because their time did not move forward.
        first_backwards_t: The time before the first of those, seconds.
    """

    t_s: np.ndarray
    bright: np.ndarray
    diff: np.ndarray
    backwards: int = 0
    first_backwards_t: float | None = None


class FrameMeter:
    """Looks at frames in decoding order: drops each whose time does not move forward
    (the analysis needs time to increase), and measures the others' brightness and
    difference from the frame before.

    Args:
        sample_px: See :attr:`WatchSettings.sample_px`.
        record_from_s: Frames before this time are looked at (as the frame before the
            next) but not recorded nor counted: a chunk's warm-up.
    """

    def __init__(self, sample_px: int = WatchSettings.sample_px, *,
                 record_from_s: float = -math.inf) -> None:
        self.sample_px = sample_px
        self.record_from_s = record_from_s
        self._previous: np.ndarray | None = None
        self._last_t: float | None = None
        self._t: list[float] = []
        self._bright: list[float] = []
        self._diff: list[float] = []
        self._backwards = 0
        self._first_backwards_t: float | None = None

    def frames(self, frames: Iterable[Frame]) -> Iterator[Frame]:
        """Pass ``frames`` on, less those going back in time, looking at each."""
        return (frame for frame in frames if self.look(frame))

    def look(self, frame: Frame) -> bool:
        """Look at the next frame; False when it goes back in time (it is then dropped)."""
        if self._last_t is not None and frame.t_s <= self._last_t:
            if self._last_t >= self.record_from_s:
                self._backwards += 1
                if self._first_backwards_t is None:
                    self._first_backwards_t = self._last_t
            return False
        self._last_t = frame.t_s
        bright, diff = self._measure(frame.image)
        if frame.t_s >= self.record_from_s:
            self._t.append(frame.t_s)
            self._bright.append(bright)
            self._diff.append(diff)
        return True

    def _measure(self, image: np.ndarray) -> tuple[float, float]:
        step = max(1, round(self.sample_px * image.shape[0] / 720))
        small = image[::step, ::step].astype(np.float32)
        grey = small @ np.array([0.299, 0.587, 0.114], np.float32)
        diff = math.nan
        if self._previous is not None and self._previous.shape == grey.shape:
            diff = float(np.abs(grey - self._previous).mean())
        self._previous = grey
        return float(np.percentile(grey, 90)), diff

    def readings(self) -> FrameReadings:
        """What was recorded so far (the record starts again empty)."""
        readings = FrameReadings(np.array(self._t, np.float64), np.array(self._bright, np.float64),
                           np.array(self._diff, np.float64), self._backwards,
                           self._first_backwards_t)
        self._t, self._bright, self._diff = [], [], []
        self._backwards, self._first_backwards_t = 0, None
        return readings


class ClipWatch:
    """Watches one clip's frames and session events; see the module docstring.

    The frames are looked at either as they go by (:meth:`frames`) or, when they were
    decoded in other processes, from what those processes measured (:meth:`replay`).

    Args:
        info: The source's description as declared by the container (before decoding).
        settings: Thresholds.
    """

    def __init__(self, info: VideoInfo, settings: WatchSettings | None = None) -> None:
        self.info = info
        self.settings = settings or WatchSettings()
        self._seen = _Seen()
        self._diffs: deque[tuple[float, float]] = deque()  # (t, difference)

    # ------------------------------------------------------------------ frames

    def frames(self, frames: Iterator[Frame]) -> Iterator[Frame]:
        """Pass ``frames`` on, dropping any whose timestamp does not move forward (the
        analysis needs time to increase), and look at each."""
        meter = FrameMeter(self.settings.sample_px)
        try:
            yield from meter.frames(frames)
        finally:  # the warnings are made at the end: take what was seen once
            self.replay(meter.readings())

    def replay(self, readings: FrameReadings) -> None:
        """Take what a :class:`FrameMeter` measured on the next frames of the clip."""
        seen, settings = self._seen, self.settings
        if readings.backwards:
            seen.backwards += readings.backwards
            if seen.first_backwards_t is None:
                seen.first_backwards_t = readings.first_backwards_t
        for t_s, bright, diff in zip(readings.t_s.tolist(), readings.bright.tolist(),
                                     readings.diff.tolist(), strict=True):
            seen.frames += 1
            seen.first_t = t_s if seen.first_t is None else seen.first_t
            seen.last_t = t_s
            seen.bright_sum += bright
            if math.isnan(diff):
                continue
            while self._diffs and self._diffs[0][0] < t_s - settings.cut_window_s - 1e-6:
                self._diffs.popleft()
            typical = float(np.median([d for _, d in self._diffs])) if self._diffs else diff
            if (len(self._diffs) >= 2 and diff >= settings.cut_min_diff
                    and diff >= settings.cut_ratio * max(typical, 1.0)
                    and (not seen.cuts or t_s - seen.cuts[-1] >= settings.cut_merge_s)):
                seen.cuts.append(t_s)
            self._diffs.append((t_s, diff))

    # ------------------------------------------------------------------ session

    def observe(self, state: FrameState, events: list[Event]) -> None:
        """Take the session's state and events of one frame: the person lost and found,
        and a change of exercise (which the session sees, :class:`ExerciseChanged`)."""
        seen = self._seen
        for event in events:
            if isinstance(event, PersonLost):
                seen.gone.append((event.t_s, None))
            elif isinstance(event, PersonFound) and seen.gone and seen.gone[-1][1] is None:
                seen.gone[-1] = (seen.gone[-1][0], event.t_s)
            elif isinstance(event, ExerciseChanged) and seen.changed is None:
                seen.changed = event

    def count_decoded(self, frames: int, first_t_s: float, last_t_s: float) -> None:
        """Take every frame decoded, analysed or not. At an analysis rate the watch sees
        only the analysed frames; the clip's length and frame rate are judged on all."""
        self._seen.decoded = (frames, first_t_s, last_t_s)

    # ------------------------------------------------------------------ verdict

    def _decoded_span(self) -> tuple[int, float | None, float | None]:
        """(frames, first time, last time) of every frame decoded."""
        seen = self._seen
        if seen.decoded is not None and seen.decoded[0] >= seen.frames:
            return seen.decoded
        return seen.frames, seen.first_t, seen.last_t

    @property
    def decoded_fps(self) -> float | None:
        frames, first, last = self._decoded_span()
        if frames < 2 or first is None or last is None or last <= first:
            return None
        return (frames - 1) / (last - first)

    @property
    def decoded_end_s(self) -> float:
        """Where the decoded frames end: the last frame's time plus one frame, seconds."""
        _, _, last = self._decoded_span()
        if last is None:
            return 0.0
        fps = self.decoded_fps or self.info.fps or 30.0
        return last + 1.0 / fps

    def check_length(self) -> None:
        """Raise :class:`TooShortError` when the clip is too short to grade."""
        settings = self.settings
        decoded, first, _ = self._decoded_span()
        span = 0.0 if first is None else self.decoded_end_s - first
        if decoded >= settings.min_frames and span >= settings.min_clip_s:
            return
        fps = self.decoded_fps
        timing = ""
        if fps is not None and not settings.min_fps <= fps <= settings.max_fps:
            timing = (f" at {fps:.0f} frames per second: its frame rate looks wrong,"
                      " export it again")
        frames = f"{decoded} frame{'s' if decoded != 1 else ''}"
        raise TooShortError(f"{self.info.path} is too short to grade ({frames}, {span:.2f} s"
                            f"{timing}): film the whole set, at least a few seconds")

    def warnings(self, report: Report, decode_error: str | None = None
                 ) -> tuple[ReportWarning, ...]:
        """The warnings for ``report`` (the reps it touches come from its reps)."""
        seen, settings = self._seen, self.settings
        found: list[ReportWarning] = []

        def reps_between(start: float, end: float | None) -> tuple[int, ...]:
            end = math.inf if end is None else end
            return tuple(i for i, r in enumerate(report.reps, start=1)
                         if r.rep.start_s <= end and r.rep.end_s >= start)

        end = self.decoded_end_s
        declared = self.info.duration_s
        gap = declared - end
        count = self.info.frame_count
        short_of_frames = count is not None and seen.frames + seen.backwards < count * (
            1 - settings.truncated_min_share) - 1
        if decode_error is not None or (
                gap >= settings.truncated_min_gap_s
                and gap >= settings.truncated_min_share * declared) or (
                short_of_frames and gap >= settings.truncated_min_gap_s):
            why = f" ({decode_error})" if decode_error else ""
            if declared > end:
                message = (f"the file ends at {end:.1f} s of its {declared:.1f} s{why}: it"
                           " looks cut off; send the whole clip (graded on what there is)")
            else:
                message = (f"decoding stopped at {end:.1f} s{why}: the file is damaged or cut"
                           " off; send the whole clip (graded on what there is)")
            found.append(ReportWarning("truncated", message, end, reps_between(end, None)))
        fps = self.decoded_fps
        if fps is not None and not settings.min_fps <= fps <= settings.max_fps:
            found.append(ReportWarning(
                "frame_rate",
                f"the frames are {fps:.4g} per second by their timestamps: the file's timing"
                " looks wrong, so rep times and tempo may be wrong; export it again at its"
                " real frame rate", None, tuple(range(1, len(report.reps) + 1))))
        if seen.backwards:
            found.append(ReportWarning(
                "timestamps",
                f"{seen.backwards} frame{'s' if seen.backwards != 1 else ''} went back in time"
                f" (from {seen.first_backwards_t:.1f} s) and were skipped: the file's"
                " timestamps are damaged", seen.first_backwards_t,
                reps_between(seen.first_backwards_t or 0.0, None)))
        if seen.frames:
            luma = seen.bright_sum / seen.frames
            if luma < settings.dark_luma:
                found.append(ReportWarning(
                    "poorly_lit",
                    f"the clip is dark (its brighter parts at {100 * luma / 255:.0f}% brightness):"
                    " film in good light, the pose model misses people in the dark", None, ()))
        if report.detection_rate < settings.min_detection_rate:
            found.append(ReportWarning(
                "frames_without_person",
                f"a person was found in only {100 * report.detection_rate:.0f}% of frames:"
                " keep the whole body in frame, in good light", None, ()))
        last = seen.last_t if seen.last_t is not None else 0.0
        for lost, back in seen.gone:
            until = last if back is None else back
            if until - lost < settings.person_gone_s:
                continue
            again = f", back at {back:.1f} s" if back is not None else " and did not come back"
            found.append(ReportWarning(
                "person_left", f"the person left the frame at {lost:.1f} s{again}",
                lost, reps_between(lost, back)))
        for i, t in enumerate(seen.cuts[: settings.max_cuts]):
            more = len(seen.cuts) - settings.max_cuts
            tail = (f" ({more} more cut{'s' if more != 1 else ''} after it)"
                    if i == settings.max_cuts - 1 and more > 0 else "")
            found.append(ReportWarning(
                "cut", f"a cut at {t:.1f} s{tail}: the picture changes at once, this looks"
                " like an edited clip; reps across a cut may be wrong, send one continuous"
                " take", t, reps_between(t, t)))
        if seen.changed is not None:
            found.append(ReportWarning(
                "exercise_changed", exercise_changed_message(seen.changed),
                seen.changed.since_s, reps_between(seen.changed.since_s, None)))
        return tuple(sorted(found, key=lambda w: -1.0 if w.at_s is None else w.at_s))

    def with_warnings(self, report: Report, decode_error: str | None = None) -> Report:
        """``report`` with its warnings; not graded when the clip is cut off too short to
        be judged (see :attr:`WatchSettings.cut_off_share`), with the cut-off as the
        reason (whatever else the frames there were took for the reason)."""
        warnings = report.warnings + self.warnings(report, decode_error)
        cut = next((w for w in warnings if w.code == "truncated"), None)
        if cut is None:
            return replace(report, warnings=warnings)
        settings, declared = self.settings, self.info.duration_s
        _, decoded_first, _ = self._decoded_span()
        first = decoded_first if decoded_first is not None else 0.0
        readable = self.decoded_end_s - first
        if readable >= settings.cut_off_min_s and (
                declared <= 0 or self.decoded_end_s >= settings.cut_off_share * declared):
            return replace(report, warnings=warnings)
        if declared > self.decoded_end_s:
            reason = (f"the file ends at {self.decoded_end_s:.1f} s of its {declared:.1f} s:"
                      " it looks cut off, too short to hold a set; send the whole clip")
        else:
            reason = (f"decoding stopped at {self.decoded_end_s:.1f} s: the file is damaged"
                      " or cut off, too short to hold a set; send the whole clip")
        ungraded = Report(Status.UNGRADABLE, report.video, report.exercise, reason=reason,
                          view=report.view, seen=report.seen,
                          detection_rate=report.detection_rate, provenance=report.provenance)
        # The warnings again, of a report without reps; the cut-off is the reason now.
        kept = tuple(w for w in report.warnings + self.warnings(ungraded, decode_error)
                     if w.code != "truncated")
        return replace(ungraded, warnings=kept)
