"""Writing what a command was asked to write: whole files or nothing, errors that name the flag.

A path that is a directory, lies under a file or in a folder that does not exist is a usage
error (exit 2) naming the flag and the reason, never a traceback; a file is written beside its
target and renamed over it, so a reader never sees half of it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from ztix.errors import SettingsError


def write_file(path: Path, text: str, flag: str) -> None:
    """Write `text` to the file `path` (given with `flag`) atomically."""
    if path.is_dir():
        raise SettingsError(f"{flag} {path}: is a directory; give a file name")
    parent = path.absolute().parent
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        raise SettingsError(f"{flag} {path}: {parent} {what}")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=parent)
    except OSError as exc:
        raise SettingsError(f"{flag} {path}: cannot write there ({exc.strerror})") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise SettingsError(f"{flag} {path}: cannot write it ({exc.strerror})") from None


def output_dir(path: Path, flag: str) -> Path:
    """The directory `path` (given with `flag`), created if missing; never a file."""
    if path.exists() and not path.is_dir():
        raise SettingsError(f"{flag} {path}: is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(f"{flag} {path}: cannot create it ({exc.strerror})") from None
    return path
