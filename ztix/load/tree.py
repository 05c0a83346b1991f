"""The files of a peering repository as the loader sees them, from a directory or a git tree.

An entry is the bytes of a regular file, or a `NotAFile` that says what else it is (a symbolic
link, a directory, a submodule): the loader turns those into located problems instead of
following a link out of the repository or silently skipping a directory.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

EXCHANGE_FILE = "ix.yaml"
PEERS_DIR = "peers"
IRR_DIR = "irr"
# The repository's own templates (reviewed like the data; they override the shipped ones).
TEMPLATES_DIR = "templates"
# Directories whose direct entries the loader reads (every entry, so odd ones can be reported).
DATA_DIRS = (PEERS_DIR, IRR_DIR)
# Read at most this many bytes of one file: the loader refuses larger files anyway, and a
# stranger's 10 GB file must not be read into memory to find that out.
READ_LIMIT = 1024 * 1024
IRR_READ_LIMIT = 16 * 1024 * 1024  # generated IRR files: long prefix lists


def read_limit(path: str) -> int:
    """How many bytes of the file at `path` (relative to the root) are worth reading."""
    return IRR_READ_LIMIT if path.startswith(f"{IRR_DIR}/") else READ_LIMIT


@dataclass(frozen=True)
class NotAFile:
    """An entry that is not a regular file."""

    kind: Literal["symbolic link", "directory", "submodule", "special file"]


Entry = bytes | str | NotAFile
Files = Mapping[str, Entry]


def _entry(path: Path, limit: int = READ_LIMIT) -> Entry:
    """The bytes of a regular file, or what else the entry is; links are never followed.

    One open with O_NOFOLLOW (a link fails with ELOOP) and O_NONBLOCK (a FIFO does not block),
    then fstat on the open file: no window between checking and reading.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return _not_a_file(path)
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):
        os.close(fd)
        return NotAFile("directory" if stat.S_ISDIR(status.st_mode) else "special file")
    with os.fdopen(fd, "rb") as handle:
        # Sized by the file, not by the limit: read(n) allocates n bytes first, and 2,000 IRR
        # files would each get a 16 MiB buffer. A file that grew meanwhile reads on.
        # (Buffered: read(n) returns n bytes unless the file ends, where a raw read may not.)
        data: bytes = handle.read(min(status.st_size, limit) + 1)
        if status.st_size < len(data) <= limit:
            data += handle.read(limit + 1 - len(data))
        return data


def _not_a_file(path: Path) -> NotAFile:
    try:
        mode = path.lstat().st_mode
    except OSError:
        return NotAFile("special file")
    if stat.S_ISLNK(mode):
        return NotAFile("symbolic link")
    return NotAFile("directory" if stat.S_ISDIR(mode) else "special file")


def read_tree(root: Path) -> dict[str, Entry]:
    """`ix.yaml` and every entry directly in `peers/` and `irr/` of a directory."""
    files: dict[str, Entry] = {}
    if (root / EXCHANGE_FILE).exists() or (root / EXCHANGE_FILE).is_symlink():
        files[EXCHANGE_FILE] = _entry(root / EXCHANGE_FILE)
    for name in DATA_DIRS:
        folder = root / name
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            files[name] = NotAFile("symbolic link" if folder.is_symlink() else "special file")
            continue
        if not folder.is_dir():
            continue
        with os.scandir(folder) as entries:
            names = sorted(entry.name for entry in entries)
        for entry_name in names:
            relative = f"{name}/{entry_name}"
            files[relative] = _entry(folder / entry_name, read_limit(relative))
    return files
