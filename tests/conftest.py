"""Shared fixtures: paths to real and rendered footage, and a pose cache."""

from __future__ import annotations

import functools
import os
from pathlib import Path

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
    """Pose extraction is the slow part: run it once per clip per test session."""
    from formcheck.pipeline import extract_poses

    return extract_poses(path)
