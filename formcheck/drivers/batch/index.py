"""``RESULTS/index.html``: every stored clip's verdict on one self-contained page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from formcheck import __version__
from formcheck.analysis.outcome import Outcome
from formcheck.drivers.batch.jobs import clip_folder
from formcheck.fileio import write_text_atomic
from formcheck.reporters import pages
from formcheck.store.results import StoredClip

# --- index page, listing, CSV ----------------------------------------------------------

def index_rows(results: Path, clips: list[StoredClip]) -> list[dict[str, Any]]:
    """One row per clip for ``index.html``: what it says, and links to its files."""
    rows = []
    for clip in clips:
        result = clip.result
        report = result.report or {}
        folder = clip_folder(results, result.hash)
        html = folder / "report.html"
        annotated = folder / "annotated.mp4"
        seen = clip.glance
        rows.append({
            "hash": result.hash,
            "short_hash": result.hash[:16],
            "paths": list(clip.paths),
            "status": result.status.value,
            "outcome": seen.outcome.words,
            "banner": seen.banner.value,
            "headline": seen.headline,
            "doubts": list(seen.doubts),
            "warnings": [w["message"] for w in report.get("warnings", [])],
            "verdict": report.get("verdict") or result.reason or "",
            "exercise": report.get("exercise") or "",
            "total_reps": report.get("total_reps"),
            "good_reps": report.get("good_reps"),
            "first_bad_rep": report.get("first_bad_rep"),
            "seconds": result.seconds,
            "html": html.relative_to(results).as_posix() if html.is_file() else None,
            "annotated": (annotated.relative_to(results).as_posix()
                          if annotated.is_file() else None),
        })
    return rows


def write_index(results: Path, clips: list[StoredClip]) -> Path:
    """Write ``RESULTS/index.html`` (atomically): every clip's verdict on one page."""
    environment = pages.environment()
    rows = index_rows(results, clips)
    counts = {outcome.words: sum(1 for r in rows if r["outcome"] == outcome.words)
              for outcome in Outcome}
    text = environment.get_template("index.html.j2").render(
        rows=rows, counts=counts, formcheck_version=__version__)
    target = results / "index.html"
    write_text_atomic(target, text)
    return target
