from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from formcheck.errors import ModelError
from formcheck.fileio import sha256_of
from formcheck.pose.model import MODEL_DIR_ENV, MODELS, resolve_model


def test_shipped_model_is_found_and_intact() -> None:
    path = resolve_model("full")
    assert path.is_file()
    assert sha256_of(path) == MODELS["full"].sha256


def test_corrupt_model_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / MODELS["full"].filename
    shutil.copy(resolve_model("full"), copy)
    with copy.open("r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00\x01\x02\x03")
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    with pytest.raises(ModelError, match="is corrupt"):
        resolve_model("full")


def test_unknown_model_lists_the_known_ones() -> None:
    with pytest.raises(ModelError, match="choose one of full"):
        resolve_model("huge")


def test_missing_model_says_where_it_looked(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setattr("formcheck.pose.model.model_dirs", lambda: [tmp_path])
    with pytest.raises(ModelError, match="not found"):
        resolve_model("full")
