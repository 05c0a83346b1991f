"""Reading the small files an operator names for a secret or a key: bounded and never blocking.

A `*_FILE` variable pointing at a FIFO would hang the run, at /dev/zero it would read until
memory runs out, and at a wrong large file it would send that file as a token. Only a regular
file of at most `limit` bytes is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ztix.errors import SettingsError

# A ZeroTier token is 24-32 characters, an OpenSSH private key a few KiB (RSA 4096: ~3.3 KiB).
SECRET_LIMIT = 64 * 1024


def read_small(path: Path, name: str, limit: int = SECRET_LIMIT) -> bytes:
    """The bytes of the regular file `path` (at most `limit`); anything else is a SettingsError
    naming `name` (the variable or flag) and the path, never the content."""
    try:
        # O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError as exc:
        raise SettingsError(f"{name}: cannot read {path}: {exc.strerror}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
            raise SettingsError(f"{name}: {path} is {kind}; name the file itself")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:  # bounded: a file growing while read stops at limit + 1 bytes
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise SettingsError(f"{name}: cannot read {path}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise SettingsError(
            f"{name}: {path} is larger than {limit // 1024} KiB; is it the right file?"
        )
    return b"".join(chunks)


def read_secret(path: Path, name: str) -> str:
    """A secret (a token, a password) from the file `path`: one line of printable text.

    The trailing newline an editor adds is dropped; an empty file, or one whose text holds
    spaces, line breaks or control characters (a wrong file, or a key where a token belongs),
    is an error that never shows the content.
    """
    data = read_small(path, name)
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise SettingsError(f"{name}: {path} is not UTF-8 text; is it the right file?") from None
    if not text:
        raise SettingsError(f"{name}: {path} is empty")
    return one_word(text, f"{name}: {path}")


def one_word(secret: str, where: str) -> str:
    """`secret` if it is one word of printable text; else an error naming `where`, not the
    secret (it goes into a header, where a line break would be refused or split it)."""
    if any(c.isspace() or not c.isprintable() for c in secret):
        raise SettingsError(
            f"{where} holds spaces, line breaks or control characters; it should hold the secret "
            "alone"
        )
    return secret
