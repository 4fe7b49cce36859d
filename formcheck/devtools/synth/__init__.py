"""Rendered exercise clips with exact ground truth (the optional ``[render]`` extra).

Never imported by the rest of formcheck. torch, anny and pyrender are imported only when
a clip is actually rendered, so the spec and label modules work without them.

    from formcheck.devtools.synth import render_clips
    render_clips([Path("sample_videos/specs/sldl_side_good.json")], Path("sample_videos"))
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from formcheck.devtools.synth.spec import ClipSpec, SpecError, load_spec, parse_spec

if TYPE_CHECKING:
    pass

__all__ = ["ClipSpec", "SpecError", "contact_sheet", "load_spec", "parse_spec", "render_clips"]


def render_clips(spec_paths: list[Path], out_dir: Path) -> Path:
    """Render each spec to ``out_dir/<spec stem>.mp4`` and write/update ``out_dir/labels.json``.

    Returns the path of labels.json. Needs the ``[render]`` extra (torch, anny, pyrender).
    """
    from formcheck.devtools.synth.clip import render_clips as _render_clips

    return _render_clips(spec_paths, out_dir)


def contact_sheet(
    video: Path, out_png: Path, times_s: list[float] | None = None, columns: int = 4, count: int = 8
) -> Path:
    """Save a grid of frames of ``video`` as a PNG (at ``times_s``, or ``count`` evenly spaced)."""
    from formcheck.devtools.synth.sheet import contact_sheet as _contact_sheet

    return _contact_sheet(video, out_png, times_s=times_s, columns=columns, count=count)
