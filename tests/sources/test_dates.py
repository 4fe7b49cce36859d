"""A clip's date: the container's creation time when credible, else the file's time."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from formcheck.sources.dates import ClipDate, DateSource, clip_date, parse_creation_time
from tests.conftest import SAMPLE_VIDEOS


def _clip(path: Path, creation_time: str | None) -> Path:
    """A five-frame H.264 clip, with ``creation_time`` in its header when given."""
    import av

    with av.open(str(path), "w") as container:
        if creation_time is not None:
            container.metadata["creation_time"] = creation_time
        stream = container.add_stream("libx264", rate=10)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        for _ in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def test_the_container_creation_time_is_preferred_to_the_file_time(tmp_path: Path) -> None:
    clip = _clip(tmp_path / "phone.mp4", "2026-03-04T05:06:07.000000Z")
    os.utime(clip, (1_800_000_000, 1_800_000_000))
    assert clip_date(clip) == ClipDate(datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
                                       DateSource.METADATA)


@pytest.mark.parametrize("creation_time", [None, "1904-01-01T00:00:00.000000Z",
                                           "1970-01-01T00:00:00Z", "not a date",
                                           "2039-01-01T00:00:00Z"])
def test_without_a_credible_creation_time_the_file_time_is_used(tmp_path: Path,
                                                                creation_time: str | None
                                                                ) -> None:
    clip = _clip(tmp_path / "clip.mp4", creation_time)
    os.utime(clip, (1_767_225_600, 1_767_225_600))  # 2026-01-01 00:00 UTC
    assert clip_date(clip) == ClipDate(datetime(2026, 1, 1, tzinfo=UTC), DateSource.FILE)


def test_a_sample_clip_and_a_pose_recording_have_file_times(tmp_path: Path) -> None:
    # The rendered samples carry no creation time; a .npz is no container at all.
    sample = SAMPLE_VIDEOS / "sldl_side_knee_breaks_rep3.mp4"
    assert clip_date(sample).source is DateSource.FILE
    recording = tmp_path / "poses.npz"
    np.savez(recording, t_s=np.zeros(3))
    assert clip_date(recording).source is DateSource.FILE


def test_creation_times_are_read_as_utc() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert parse_creation_time("2026-05-01 10:20:30", now=now) == datetime(
        2026, 5, 1, 10, 20, 30, tzinfo=UTC)
    assert parse_creation_time("2026-05-01T12:20:30+02:00", now=now) == datetime(
        2026, 5, 1, 10, 20, 30, tzinfo=UTC)
    assert parse_creation_time("2026-06-01T20:00:00Z", now=now) is not None  # within a day
    assert parse_creation_time("2026-06-03T00:00:00Z", now=now) is None


def test_a_date_must_know_its_time_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ClipDate(datetime(2026, 1, 1), DateSource.FILE)
    assert ClipDate(datetime(2026, 1, 1, tzinfo=UTC), "upload").source is DateSource.UPLOAD


def test_an_upload_falls_back_to_when_it_arrived(tmp_path: Path) -> None:
    arrived = ClipDate(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), DateSource.UPLOAD)
    plain = _clip(tmp_path / "upload.mp4", None)
    assert clip_date(plain, fallback=arrived) == arrived
    phone = _clip(tmp_path / "phone.mp4", "2026-11-30T18:00:00Z")
    assert clip_date(phone, fallback=arrived).source is DateSource.METADATA
