"""Both cores for one clip: chunks analysed in parallel, stitched, graded as one run; and
the analysis rate, against every frame. The real model, on a short cut of a sample."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pytest

from formcheck.analysis.report import Report
from formcheck.drivers.chunks import ChunkJob, analyse_chunk, analyse_in_chunks, stitched
from formcheck.drivers.file import analyse_video
from formcheck.drivers.run import ClipRun
from formcheck.drivers.speed import SpeedSettings
from formcheck.sources.file import VideoFile
from tests.conftest import SAMPLE_VIDEOS

pytestmark = pytest.mark.model

CUT_S = 11.0  # two reps of the sample, and the start of a third


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 11 s of a 30 fps sample deadlift (side view, good reps), re-encoded with
    a keyframe every second so that a chunk can seek into it."""
    import av

    path = tmp_path_factory.mktemp("chunks") / "sldl_11s.mp4"
    with av.open(str(SAMPLE_VIDEOS / "sldl_side_good.mp4")) as inp, \
            av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        stream.codec_context.gop_size = 30
        for frame in inp.decode(video=0):
            if frame.time > CUT_S:
                break
            image = frame.to_ndarray(format="rgb24")
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _grades(report: Report) -> tuple[object, ...]:
    return (report.exercise, report.total_reps, report.good_reps, report.first_bad_rep,
            [tuple(f.code for f in rep.faults) for rep in report.reps])


def test_chunks_in_parallel_give_a_sequential_runs_frames_landmarks_and_grades(
        clip: Path) -> None:
    with VideoFile(clip) as video:
        info = video.info
    whole = analyse_chunk(ChunkJob(str(clip), 0.0, math.inf, 1.0, "full", 15.0, None))
    chunks = analyse_in_chunks(clip, duration_s=info.duration_s, processes=2, model="full",
                               analysis_fps=15.0, max_side_px=None)
    assert len(chunks) == 2 and 0.0 < chunks[1].start_s < info.duration_s
    assert whole.decoded == sum(c.decoded for c in chunks)  # every frame counted once
    seq = whole.poses
    got = [sample for sample in stitched(chunks)]
    # The same frames, picked on the same grid, in time order, none twice.
    assert [s.t_s for s in got] == seq.t_s.tolist()
    assert len(got) == pytest.approx(15.0 * info.duration_s, abs=2)
    # Landmarks: identical before the second chunk; close after (its own tracker,
    # warmed up on the second before its range).
    split = chunks[1].start_s
    image = np.stack([s.image_px for s in got])
    before = seq.t_s < split
    assert np.array_equal(image[before], seq.image_px[before], equal_nan=True)
    error = np.linalg.norm(image[~before, :, :2] - seq.image_px[~before, :, :2], axis=-1)
    visible = seq.visibility[~before] > 0.5
    assert np.nanmedian(error[visible]) < 2.0  # pixels, in a 640x480 frame
    # Graded through the one session: the same reps, good reps and faults.
    stitched_report = ClipRun(info).run((s, None) for s in got)
    whole_report = ClipRun(info).run((seq.sample(i), None) for i in range(len(seq)))
    assert whole_report.total_reps >= 2
    assert _grades(stitched_report) == _grades(whole_report)


def test_analyse_with_two_processes_grades_like_one(clip: Path) -> None:
    one = analyse_video(clip, speed=SpeedSettings(workers=1))
    two = analyse_video(clip, speed=SpeedSettings(workers=2, min_chunk_s=0.0))
    assert _grades(two) == _grades(one)
    assert two.video.frame_count == one.video.frame_count == round(30 * CUT_S) + 1
    assert two.video.fps == pytest.approx(one.video.fps)


def test_the_analysis_rate_grades_like_every_frame_and_reports_every_frame(
        clip: Path) -> None:
    every = analyse_video(clip, speed=SpeedSettings(analysis_fps=None, workers=1))
    half = analyse_video(clip, speed=SpeedSettings(analysis_fps=15.0, workers=1))
    assert every.total_reps >= 2
    assert _grades(half) == _grades(every)
    # The report describes the clip, not the frames the model saw.
    assert half.video.frame_count == every.video.frame_count
    assert half.video.fps == pytest.approx(30.0, abs=0.1)


def test_the_warnings_are_the_same_when_the_chunks_watch_the_frames(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A cut inside the second chunk is found by that chunk's worker, against the frames
    before it (its warm-up) and the first chunk's history, as one process finds it."""
    from tests.corpus import BRIDGE, DEADLIFT, sample_frames, write_clip

    frames = sample_frames(DEADLIFT, 0.0, 7.5) + sample_frames(BRIDGE, 0.0, 3.0)
    path = write_clip(tmp_path / "deadlift_cut_to_bridge.mp4", frames)
    one = analyse_video(path, speed=SpeedSettings(workers=1))
    with caplog.at_level(logging.WARNING, logger="formcheck.drivers.file"):
        two = analyse_video(path, speed=SpeedSettings(workers=2))
    assert not caplog.records  # no fall-back to one process
    cuts = [w for w in one.warnings if w.code == "cut"]
    assert len(cuts) == 1 and cuts[0].at_s == pytest.approx(7.5, abs=0.1)
    assert two.warnings == one.warnings
    assert _grades(two) == _grades(one)


def test_chunks_stop_at_the_clips_time_limit(clip: Path) -> None:
    from formcheck.drivers.time_limits import TimeLimits
    from formcheck.errors import TimeLimitError

    with VideoFile(clip) as video:
        duration_s = video.info.duration_s
    with pytest.raises(TimeLimitError, match="gave up"):
        analyse_in_chunks(clip, duration_s=duration_s, processes=2, model="full",
                          analysis_fps=None, max_side_px=None,
                          limits=TimeLimits(factor=0.0, base_s=0.5))
