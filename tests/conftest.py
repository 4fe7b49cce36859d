"""Shared fixtures: paths to real and rendered footage, a pose cache, and schema checks."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_VIDEOS = ROOT / "sample_videos"
REALCLIPS = Path(os.environ.get("FORMCHECK_REALCLIPS", ROOT.parent / "shared" / "realclips"))


def realclip(name: str) -> Path:
    """Path of a clip in ../shared/realclips, skipping the test when it is absent.

    Those clips are for local evaluation only and are never committed.
    """
    path = REALCLIPS / name
    if not path.is_file():
        pytest.skip(f"real clip {name} not available (../shared/realclips is absent)")
    return path


@functools.cache
def cached_poses(path: Path):  # type: ignore[no-untyped-def]
    """Pose extraction is the slow part: run it once per clip per test session (every
    frame)."""
    from formcheck.drivers.file import extract_poses

    return extract_poses(path)


@functools.cache
def cached_default_poses(path: Path):  # type: ignore[no-untyped-def]
    """The poses of the frames ``formcheck analyse`` gives the model with its default
    analysis rate (the same as :func:`cached_poses` when that is every frame)."""
    from formcheck.drivers.file import extract_poses
    from formcheck.drivers.speed import DEFAULT_ANALYSIS_FPS

    if DEFAULT_ANALYSIS_FPS is None:
        return cached_poses(path)
    return extract_poses(path, analysis_fps=DEFAULT_ANALYSIS_FPS)


@pytest.fixture(autouse=True, scope="session")
def _every_report_matches_the_schema() -> Iterator[None]:
    """Every JSON report a test produces validates against the shipped schema.

    ``Report.to_dict`` is wrapped for the whole run: each dict it returns (unchanged)
    is first checked with :func:`formcheck.reporters.schema.validate_report`.
    """
    from formcheck.analysis.report import Report
    from formcheck.reporters.schema import validate_report

    to_dict = Report.to_dict

    @functools.wraps(to_dict)
    def validated_to_dict(self: Report) -> dict[str, Any]:
        data = to_dict(self)
        validate_report(data)
        return data

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Report, "to_dict", validated_to_dict)
        yield
