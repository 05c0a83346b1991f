"""The portal's audit trail for what git does not record: every login (success and each kind of
failure) and every request submitted or refused, as JSON lines. Never a token, code or secret:
only the PeeringDB user id, the ASN, the source address, the event and its outcome."""

from __future__ import annotations

import datetime
import json
import os
import stat
import sys
import threading
from pathlib import Path
from typing import TextIO

from ztix.errors import SettingsError


class AuditLog:
    """Appends one JSON object per line to a file, or to standard error (one per portal)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()

    def check(self) -> None:
        """At start-up: the trail can be appended to (else a SettingsError naming the variable),
        so a wrong path stops the portal instead of failing its first login."""
        if self.path is None:
            return
        try:
            # O_NONBLOCK: a FIFO without a reader is refused (ENXIO), never waited on.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, 0o640)
        except OSError as exc:
            raise SettingsError(
                f"ZTIX_PORTAL_AUDIT_LOG: cannot append to {self.path}: {exc.strerror}"
            ) from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise SettingsError(f"ZTIX_PORTAL_AUDIT_LOG: {self.path} is not a regular file")
        finally:
            os.close(fd)

    def record(self, event: str, outcome: str, **fields: str | int | None) -> None:
        """One event: e.g. record("login", "failed", reason="state", source="192.0.2.1")."""
        entry = {
            "time": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "event": event,
            "outcome": outcome,
            **{k: v for k, v in sorted(fields.items()) if v is not None},
        }
        line = json.dumps(entry, ensure_ascii=True, sort_keys=False) + "\n"
        with self._lock:
            if self.path is None:
                self._write(sys.stderr, line)
            else:
                with self.path.open("a", encoding="utf-8") as out:
                    self._write(out, line)

    @staticmethod
    def _write(stream: TextIO, line: str) -> None:
        stream.write(line)
        stream.flush()
