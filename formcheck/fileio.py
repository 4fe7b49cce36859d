"""Files: checking an input before anything slow starts, hashing it, and writing outputs
so that a crash never leaves one half-written."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from formcheck.errors import ErrorCode, InputError, UsageError


def new_file_mode() -> int:
    """The mode a new file gets (0666 less the process umask), read without changing the
    umask where the system allows."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read by setting, and put back at once
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it into place on success.

    The temporary file keeps ``target``'s suffix so that writers that choose a
    format from the name (numpy, PyAV) still do. On an exception it is removed
    and ``target`` is left as it was. On success the file gets the mode any new file
    gets under the user's umask.

    Raises:
        UsageError: ``target``'s folder does not exist (it is never created: a typo in
            a path should not grow a folder tree).
    """
    target = Path(target)
    require_folder(target)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp makes the file private (0600); give it the mode any new file gets.
        tmp.chmod(new_file_mode())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(target: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def output_file(target: str | Path, what: str = "output") -> Path:
    """Check that ``target`` can be written as a file: its folder exists, and it is not a
    folder itself.

    Raises:
        UsageError: it cannot (one line, naming the folder).
    """
    path = Path(target)
    if path.is_dir():
        raise UsageError(f"{path} is a folder: give the {what} a file name")
    require_folder(path)
    return path


def input_folder(path: str | Path, what: str = "folder") -> Path:
    """Check that ``path`` is an existing folder, before anything slow starts.

    Raises:
        InputError: it does not exist (code ``missing``) or is not a folder.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such {what}", code=ErrorCode.MISSING)
    if not path.is_dir():
        raise InputError(f"{path} is a file, not a {what}", code=ErrorCode.UNREADABLE)
    return path


def require_folder(target: str | Path) -> None:
    """Refuse an output path whose folder does not exist.

    Raises:
        UsageError: it does not (one line, naming the folder).
    """
    folder = Path(target).parent
    if not folder.is_dir():
        raise UsageError(f"{target}: the folder {folder} does not exist (formcheck does not"
                         " create it)")


def readable_input(path: str | Path, what: str = "video") -> Path:
    """Check that ``path`` is a file formcheck can open, before anything slow starts.

    Args:
        path: The file named by the user.
        what: What it should be, for the message (``video``, ``labels file``).

    Returns:
        The path.

    Raises:
        InputError: with code ``missing`` (no such file), ``not_a_video`` (a folder, a
            device, a pipe) or ``unreadable`` (no permission, an I/O error).
    """
    path = Path(path)
    try:
        path.stat()
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file", code=ErrorCode.MISSING) from exc
    except PermissionError as exc:  # a folder on the way that may not be entered
        raise InputError(f"cannot read {path}: permission denied", code=ErrorCode.UNREADABLE
                         ) from exc
    except OSError as exc:  # a name too long, a loop of links, a folder in the path a file
        raise InputError(f"cannot read {path}: {exc.strerror or exc}",
                         code=ErrorCode.MISSING if isinstance(exc, NotADirectoryError)
                         else ErrorCode.UNREADABLE) from exc
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a {what} file", code=ErrorCode.NOT_A_VIDEO)
    if not path.is_file():
        raise InputError(f"{path} is not a regular file (a device or a pipe): give a {what}"
                         " file", code=ErrorCode.NOT_A_VIDEO)
    # Asked of the file system, not by opening the file: the clip is opened once to be
    # hashed and once to be decoded, and by nothing else.
    if not os.access(path, os.R_OK):
        raise InputError(f"cannot read {path}: permission denied", code=ErrorCode.UNREADABLE)
    return path


def sha256_of(path: str | Path) -> str:
    """The sha256 of a file's bytes, hex (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
