"""Where the web service keeps files inside its data folder, named only by content hash.

    DIR/results.sqlite              the store
    DIR/session.key                 the session cookie's signing key (mode 0600)
    DIR/incoming/.upload-*          uploads being received (removed if not completed)
    DIR/uploads/<sha256>/clip       an uploaded clip, its bytes as sent
    DIR/uploads/<sha256>/<exercise>/annotated.mp4, parts.json, heads.json
                                    what its grading made (the report is in the store)
    DIR/gallery/<public id>.mp4     a featured clip, faces blurred

No path is built from a request field: a clip's folder is its sha256 (checked to be 64 hex
digits), the exercise one of the registry's names or ``auto``.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from formcheck.exercises import EXERCISES

_HASH = re.compile(r"[0-9a-f]{64}")


def exercise_choices() -> tuple[str, ...]:
    """``auto`` and every registered exercise."""
    return ("auto", *EXERCISES)


@dataclass(frozen=True)
class DataFolder:
    """The layout of ``root``."""

    root: Path

    @property
    def incoming(self) -> Path:
        return self.root / "incoming"

    @property
    def uploads(self) -> Path:
        return self.root / "uploads"

    def clip_folder(self, hash_hex: str) -> Path:
        if not _HASH.fullmatch(hash_hex):
            raise ValueError(f"not a sha256: {hash_hex!r}")
        return self.uploads / hash_hex

    def clip(self, hash_hex: str) -> Path:
        return self.clip_folder(hash_hex) / "clip"

    def outputs(self, hash_hex: str, exercise: str) -> Path:
        if exercise not in exercise_choices():
            raise ValueError(f"not an exercise: {exercise!r}")
        return self.clip_folder(hash_hex) / exercise

    def annotated(self, hash_hex: str, exercise: str) -> Path:
        return self.outputs(hash_hex, exercise) / "annotated.mp4"

    def parts(self, hash_hex: str, exercise: str) -> Path:
        return self.outputs(hash_hex, exercise) / "parts.json"

    def heads(self, hash_hex: str, exercise: str) -> Path:
        return self.outputs(hash_hex, exercise) / "heads.json"

    @property
    def gallery(self) -> Path:
        return self.root / "gallery"

    def gallery_video(self, public_id: str) -> Path:
        if not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", public_id):
            raise ValueError(f"not a gallery id: {public_id!r}")
        return self.gallery / f"{public_id}.mp4"

    def create(self) -> None:
        for folder in (self.root, self.incoming, self.uploads, self.gallery):
            folder.mkdir(parents=True, exist_ok=True)

    def sweep(self) -> int:
        """Remove what an interrupted server left: partial uploads and atomic-write
        temporaries. Returns how many files went."""
        removed = 0
        patterns = [self.incoming.glob(".upload-*"), self.uploads.glob("*/.*"),
                    self.uploads.glob("*/*/.*"), self.gallery.glob(".*")]
        for pattern in patterns:
            for path in pattern:
                if path.is_file():
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed

    def remove_outputs(self, hash_hex: str, exercise: str) -> None:
        shutil.rmtree(self.outputs(hash_hex, exercise), ignore_errors=True)

    def remove_clip(self, hash_hex: str) -> None:
        shutil.rmtree(self.clip_folder(hash_hex), ignore_errors=True)
