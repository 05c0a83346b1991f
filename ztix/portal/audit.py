"""The portal's audit trail for what git does not record: every login (success and each kind of
failure) and every request submitted or refused, as JSON lines. Never a token, code or secret:
only the PeeringDB user id, the ASN, the source address, the event and its outcome."""

from __future__ import annotations

import datetime
import json
import sys
import threading
from pathlib import Path
from typing import TextIO


class AuditLog:
    """Appends one JSON object per line to a file, or to standard error (one per portal)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()

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
