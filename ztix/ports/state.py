"""The state port: what the portal keeps between requests, processes and replicas.

Logins, pending logins (PKCE verifier, nonce), rate-limit counters, idempotency keys and the
locks that make address allocation safe: small values with an expiry, one counter operation and
one lock. SQLite (one host, the default) and PostgreSQL (replicas) implement it; values are
opaque bytes (the portal seals them before they get here: nothing secret is stored in clear).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from ztix.errors import AdapterError


class StoreError(AdapterError):
    """The state store could not be reached or refused an operation."""


class LockBusy(StoreError):
    """A lock stayed held by someone else for longer than the caller would wait."""


class StateStore(Protocol):
    """Expiring keys, sliding-window counters and named locks, shared by every process."""

    async def get(self, key: str) -> bytes | None:
        """The value of `key`, None when absent or expired."""
        ...

    async def put(self, key: str, value: bytes, ttl: float) -> None:
        """Set `key` to `value` for `ttl` seconds (replacing any value)."""
        ...

    async def add(self, key: str, value: bytes, ttl: float) -> bool:
        """Set `key` only if it is absent or expired; whether it was set (atomic)."""
        ...

    async def delete(self, key: str) -> None:
        """Remove `key` (absent is fine)."""
        ...

    async def hit(self, key: str, window: float, limit: int) -> bool:
        """Count one event for `key` unless `limit` were counted in the last `window` seconds;
        whether it was counted (atomic: two processes at the limit count one between them)."""
        ...

    async def unhit(self, key: str) -> None:
        """Take back the newest event counted for `key` (it turned out not to count)."""
        ...

    def lock(self, name: str, wait: float) -> AbstractAsyncContextManager[None]:
        """Hold the lock `name` across every process using this store; LockBusy after `wait`
        seconds. A process that dies holding it releases it (its connection or file closes)."""
        ...

    async def ping(self) -> None:
        """Raise StoreError unless the store answers (readiness)."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
