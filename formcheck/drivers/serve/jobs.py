"""The web service's other job for the workers: a featured clip's face-blurred video."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class BlurResult:
    """What became of a blur job."""

    public_id: str
    ok: bool
    reason: str | None
    seconds: float


@dataclass(frozen=True)
class BlurJob:
    """Blur the faces of ``source`` (the annotated video) into ``target`` (the gallery's
    copy), from the head boxes the grading recorded."""

    public_id: str
    source: str
    boxes: str
    target: str

    @property
    def key(self) -> str:
        return f"blur:{self.public_id}"

    @property
    def outputs(self) -> tuple[str, ...]:
        return (self.target,)

    def run(self, on_progress: Callable[[float], None] | None = None) -> BlurResult:
        from formcheck.errors import FormcheckError
        from formcheck.reporters.faces import blur_video

        started = time.monotonic()
        try:
            blur_video(self.source, self.boxes, self.target)
        except (FormcheckError, OSError, ValueError, KeyError) as exc:
            return BlurResult(self.public_id, False, f"{type(exc).__name__}: {exc}",
                              time.monotonic() - started)
        return BlurResult(self.public_id, True, None, time.monotonic() - started)

    def failed(self, reason: str, seconds: float) -> BlurResult:
        return BlurResult(self.public_id, False, reason, seconds)
