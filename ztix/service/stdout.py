"""Standard output as the CLI writes it: a failed write is an `OutputFailed`, not a traceback.

`ztix plan > /dev/full` or `ztix plan | head -1` make Python's own stream raise OSError from any
print(); the guard turns that into one typed error the CLI reports (exit 74), and points the
descriptor at /dev/null so nothing retries the lost output at exit.
"""

from __future__ import annotations

import io
import os
from typing import Any, TextIO

from ztix.errors import OutputFailed


def output_failed(exc: OSError, stream: TextIO) -> OutputFailed:
    """The error for a failed write to `stream`; later writes to it go to /dev/null."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        # Python's recipe for EPIPE (library docs, signal: "Note on SIGPIPE").
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # a stream without a descriptor (a test's capture): nothing to point elsewhere
    reason = exc.strerror or type(exc).__name__
    return OutputFailed(
        f"cannot write to standard output ({reason}); what was printed is incomplete"
    )


class GuardedOutput:
    """`stream` (sys.stdout) whose write and flush raise OutputFailed instead of OSError;
    everything else (encoding, isatty, fileno, buffer) is the stream's own."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write to the stream (OutputFailed when it cannot be written)."""
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise output_failed(exc, self._stream) from None

    def flush(self) -> None:
        """Flush the stream (OutputFailed when it cannot be written)."""
        try:
            self._stream.flush()
        except OSError as exc:
            raise output_failed(exc, self._stream) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)  # encoding, isatty, fileno, buffer ... as the stream's
