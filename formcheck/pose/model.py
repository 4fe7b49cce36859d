"""Finding the shipped pose model file and checking it is intact.

The model ships in the repository's ``models/`` folder (see models/README.md for
where it comes from and how it is built). An editable install reads it from
there; a wheel installs it under ``<prefix>/share/formcheck/models``. Nothing is
ever downloaded.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from formcheck.errors import ModelError
from formcheck.fileio import sha256_of

#: Set to a folder to load model files from there instead.
MODEL_DIR_ENV = "FORMCHECK_MODEL_DIR"


@dataclass(frozen=True)
class ModelFile:
    """A pose model the package knows, with the sha256 of the committed file."""

    name: str
    filename: str
    sha256: str


MODELS: dict[str, ModelFile] = {
    "full": ModelFile(
        "full",
        "pose_landmarker_full.task",
        "46223baa5793c524b092f37af2f649725401705b8b9fba0702b7961dfe58658f",
    ),
}
DEFAULT_MODEL = "full"


def model_dirs() -> list[Path]:
    """Folders searched for model files, in order."""
    dirs = []
    if os.environ.get(MODEL_DIR_ENV):
        dirs.append(Path(os.environ[MODEL_DIR_ENV]))
    dirs.append(Path(__file__).resolve().parents[2] / "models")  # source tree, editable install
    dirs.append(Path(sys.prefix) / "share" / "formcheck" / "models")  # wheel install
    return dirs


def resolve_model(name: str = DEFAULT_MODEL, *, verify: bool = True) -> Path:
    """Find the file of model ``name`` and check its sha256.

    Raises:
        ModelError: unknown name, file missing, or checksum mismatch.
    """
    if name not in MODELS:
        raise ModelError(f"unknown pose model {name!r}: choose one of {', '.join(MODELS)}")
    model = MODELS[name]
    searched = model_dirs()
    for folder in searched:
        path = folder / model.filename
        if path.is_file():
            break
    else:
        where = ", ".join(str(d) for d in searched)
        raise ModelError(
            f"pose model {model.filename} not found (looked in {where}): reinstall formcheck,"
            f" or rebuild it with tools/build_pose_model.py"
        )
    if verify:
        actual = sha256_of(path)
        if actual != model.sha256:
            raise ModelError(
                f"pose model {path} is corrupt (sha256 {actual[:12]}..., expected"
                f" {model.sha256[:12]}...): restore it with `git checkout -- models/` or reinstall"
            )
    return path
