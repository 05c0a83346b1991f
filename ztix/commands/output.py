"""Writing what a command was asked to write: whole files or nothing, errors that name the flag.

A path that is a directory, lies under a file or in a folder that does not exist is a usage
error (exit 2) naming the flag and the reason, never a traceback; a file is written beside its
target and renamed over it, so a reader never sees half of it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from pathlib import Path

from ztix.errors import SettingsError

STDOUT = "-"  # as a file name: standard output, as every Unix tool reads it


def write_file(path: Path, text: str, flag: str) -> None:
    """Write `text` to the file `path` (given with `flag`) atomically.

    `-` is standard output. A character device, FIFO or socket (`--diff-out /dev/null`, `--out
    /dev/stdout` on a pipe) is written in place: renaming a file over it would replace the node
    itself (as root, /dev/null would become a file); a block device is refused. Anything else is
    replaced by a new file under the name given, a link included: what is written never lands
    outside the path named (a link planted there points nowhere it could be led).
    """
    if str(path) == STDOUT:
        sys.stdout.write(text)
        return
    if path.is_dir():
        raise SettingsError(f"{flag} {path}: is a directory; give a file name")
    try:
        mode: int | None = os.stat(path).st_mode
    except OSError as exc:
        if not (isinstance(exc, FileNotFoundError) or path.is_symlink()):
            raise SettingsError(f"{flag} {path}: cannot write there ({exc.strerror})") from None
        mode = None  # a new file, or a dangling or looping link: replaced like any other link
    if mode is not None and stat.S_ISBLK(mode):
        raise SettingsError(f"{flag} {path}: is a block device; give a file name")
    if mode is not None and not stat.S_ISREG(mode):
        _write_in_place(path, text, flag)
        return
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


def _write_in_place(path: Path, text: str, flag: str) -> None:
    """Write `text` into the existing non-regular file `path` (a device, a FIFO's reader)."""
    try:
        with path.open("w", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        raise SettingsError(f"{flag} {path}: cannot write it ({exc.strerror})") from None


def check_dir(path: Path, flag: str) -> None:
    """Refuse `path` (given with `flag`) as a directory to write into when it cannot be one."""
    if str(path) == STDOUT:
        raise SettingsError(f"{flag} -: give a directory (standard output holds no files)")
    if path.exists() and not path.is_dir():
        raise SettingsError(f"{flag} {path}: is a file, not a directory")


def output_dir(path: Path, flag: str) -> Path:
    """The directory `path` (given with `flag`), created if missing; never a file."""
    check_dir(path, flag)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(f"{flag} {path}: cannot create it ({exc.strerror})") from None
    return path
