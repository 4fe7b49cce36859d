"""The annotated video: written with a session's states on blank frames, read back with PyAV."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.analysis.events import Event, FrameState, RepGraded
from formcheck.reporters.annotate import AnnotatedVideo
from formcheck.reporters.overlay import Overlay
from formcheck.sources.frames import Frame, VideoInfo
from tests.factories import HEIGHT, WIDTH, HingeRep, Script, hinge_series, session_for


@dataclass(frozen=True)
class Step:
    t_s: float
    state: FrameState
    events: list[Event]


@pytest.fixture(scope="module")
def clip() -> tuple[VideoInfo, list[Step]]:
    """A session's states over a synthetic clip whose rep 2 is bad; the stretch around
    rep 2's grading, with every fifth frame dropped (variable frame rate)."""
    series = hinge_series(Script([HingeRep(), HingeRep(knee_flexion_deg=70), HingeRep()]))
    session = session_for(series)
    steps = []
    for i in range(len(series)):
        events = session.feed(series.sample(i))
        steps.append(Step(float(series.t_s[i]), session.state, events))
    graded = next(i for i, s in enumerate(steps)
                  if any(isinstance(e, RepGraded) and e.graded.faults for e in s.events))
    # The events of dropped frames are carried to the next frame written.
    kept: list[Step] = []
    carried: list[Event] = []
    for i in range(graded - 30, graded + 30):
        carried += steps[i].events
        if i % 5 != 0:
            kept.append(Step(steps[i].t_s, steps[i].state, carried))
            carried = []
    return session.video, kept


def frames(steps: list[Step], width: int = WIDTH, height: int = HEIGHT) -> list[Frame]:
    return [Frame(i, step.t_s, np.zeros((height, width, 3), np.uint8))
            for i, step in enumerate(steps)]


def read_back(path: Path) -> tuple[str, str, int, int, list[float], list[np.ndarray]]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        decoded = list(container.decode(stream))
        return (stream.codec_context.name, stream.codec_context.pix_fmt,
                stream.codec_context.width, stream.codec_context.height,
                [float(f.time) for f in decoded], [f.to_ndarray(format="rgb24") for f in decoded])


def test_writes_h264_with_the_frames_and_their_timing(
        clip: tuple[VideoInfo, list[Step]], tmp_path: Path) -> None:
    info, steps = clip
    path = tmp_path / "out.mp4"
    with AnnotatedVideo(path, info) as video:
        for frame, step in zip(frames(steps), steps, strict=True):
            video.add(step.state, step.events, frame)
    assert video.frames_written == len(steps)
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]
    codec, pix_fmt, width, height, times, images = read_back(path)
    assert (codec, pix_fmt, width, height) == ("h264", "yuv420p", WIDTH, HEIGHT)
    assert len(times) == len(steps)
    np.testing.assert_allclose(times, [s.t_s for s in steps], atol=1e-3)
    # The overlay is in the pixels: the fault banner (dark red) after the bad rep only.
    graded = next(i for i, s in enumerate(steps)
                  if any(isinstance(e, RepGraded) and e.graded.faults for e in s.events))
    for i in (graded - 1, graded):
        strip = images[i][-30:].reshape(-1, 3).mean(axis=0)
        assert (strip[0] > strip[1] + 40) == (i == graded), i


def test_odd_frames_are_cropped_to_even(clip: tuple[VideoInfo, list[Step]],
                                        tmp_path: Path) -> None:
    info, steps = clip
    steps = steps[:6]
    path = tmp_path / "odd.mp4"
    with AnnotatedVideo(path, info) as video:
        for frame, step in zip(frames(steps, WIDTH + 1, HEIGHT + 1), steps, strict=True):
            video.add(step.state, step.events, frame)
    _, pix_fmt, width, height, times, _ = read_back(path)
    assert (pix_fmt, width, height, len(times)) == ("yuv420p", WIDTH, HEIGHT, len(steps))


def test_an_error_inside_the_with_leaves_no_file(clip: tuple[VideoInfo, list[Step]],
                                                 tmp_path: Path) -> None:
    info, steps = clip
    path = tmp_path / "out.mp4"
    with pytest.raises(RuntimeError, match="interrupted"), AnnotatedVideo(path, info) as video:
        for frame, step in zip(frames(steps[:5]), steps[:5], strict=True):
            video.add(step.state, step.events, frame)
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_a_frame_of_another_size_is_refused_and_leaves_no_file(
        clip: tuple[VideoInfo, list[Step]], tmp_path: Path) -> None:
    info, steps = clip
    path = tmp_path / "out.mp4"
    small = Frame(1, steps[1].t_s, np.zeros((360, 640, 3), np.uint8))
    with pytest.raises(ValueError, match="frame 1 is 640x360, but the video is 1280x720"), \
            AnnotatedVideo(path, info) as video:
        video.add(steps[0].state, steps[0].events, frames(steps[:1])[0])
        video.add(steps[1].state, steps[1].events, small)
    assert list(tmp_path.iterdir()) == []


def test_no_frames_writes_nothing(clip: tuple[VideoInfo, list[Step]], tmp_path: Path,
                                  caplog: pytest.LogCaptureFixture) -> None:
    info, _ = clip
    with caplog.at_level(logging.WARNING), AnnotatedVideo(tmp_path / "out.mp4", info):
        pass
    assert list(tmp_path.iterdir()) == []
    assert "no frames to annotate" in caplog.text


def test_uses_the_overlay_given(clip: tuple[VideoInfo, list[Step]], tmp_path: Path) -> None:
    info, steps = clip
    overlay = Overlay(banner_s=0.5)
    with AnnotatedVideo(tmp_path / "out.mp4", info, overlay=overlay) as video:
        for frame, step in zip(frames(steps[:3]), steps[:3], strict=True):
            video.add(step.state, step.events, frame)
    assert video.overlay is overlay
    with pytest.raises(RuntimeError, match="closed"):
        video.add(steps[0].state, [], frames(steps[:1])[0])
