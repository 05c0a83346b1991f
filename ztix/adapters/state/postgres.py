"""The shared state store: PostgreSQL through psycopg 3, for portals on several hosts.

One connection serves the simple operations (re-made after PostgreSQL restarts or the network
drops it: a long-running portal outlives the outage); each held lock has a connection of its
own, because a session-level advisory lock lives exactly as long as its session
(https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS): a portal that
dies holding one releases it when its connection closes. Counters take a transaction-level
advisory lock per key, so two portals at the limit count one between them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import psycopg

from ztix.ports.state import LockBusy, StoreError

T = TypeVar("T")
SCHEMA = """
CREATE TABLE IF NOT EXISTS ztix_kv (
  key text PRIMARY KEY, value bytea NOT NULL, expires double precision NOT NULL);
CREATE TABLE IF NOT EXISTS ztix_hits (key text NOT NULL, at double precision NOT NULL);
CREATE INDEX IF NOT EXISTS ztix_hits_key_at ON ztix_hits (key, at);
"""
HITS_KEPT = 86400.0  # as the SQLite store: every window the portal uses is shorter
PURGE_EVERY = 200


def _advisory(name: str) -> int:
    """A signed 64-bit advisory-lock key for `name` (stable across processes and versions)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


SCHEMA_LOCK = _advisory("ztix-portal-schema")


class PostgresStore:
    """State in PostgreSQL; `url` is a libpq connection string (it may hold a password)."""

    def __init__(
        self, url: str, *, connect_timeout: float = 5.0, clock: Callable[[], float] = time.time
    ) -> None:
        self._url = url
        self._timeout = connect_timeout
        self._clock = clock
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._guard: asyncio.Lock | None = None
        self._writes = 0
        self.where = _where(url)

    # ------------------------------------------------------------------ plumbing
    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        try:
            conn = await psycopg.AsyncConnection.connect(
                self._url, autocommit=True, connect_timeout=max(1, int(self._timeout))
            )
        except psycopg.Error as exc:
            raise StoreError(f"state store ({self.where}): {_first_line(exc)}") from None
        return conn

    def _bound(self) -> asyncio.Lock:
        """The guard of this event loop (a connection belongs to the loop that made it)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._conn, self._guard = loop, None, asyncio.Lock()
        assert self._guard is not None
        return self._guard

    async def _run(self, work: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]) -> T:
        async with self._bound():
            for attempt in (1, 2):  # once more on a new connection after the old one broke
                try:
                    if self._conn is None or self._conn.closed:
                        self._conn = await self._connect()
                        await self._schema(self._conn)
                    return await work(self._conn)
                except psycopg.OperationalError as exc:
                    await self._drop()
                    if attempt == 2:
                        raise StoreError(
                            f"state store ({self.where}): {_first_line(exc)}"
                        ) from None
                except psycopg.Error as exc:
                    raise StoreError(f"state store ({self.where}): {_first_line(exc)}") from None
        raise AssertionError("unreachable")

    async def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error, OSError):
                await self._conn.close()
        self._conn = None

    @staticmethod
    async def _schema(conn: psycopg.AsyncConnection[Any]) -> None:
        # Two portals starting at once would race on CREATE TABLE IF NOT EXISTS (pg_type).
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            await conn.execute(SCHEMA)

    async def _purge(self, conn: psycopg.AsyncConnection[Any], now: float) -> None:
        self._writes += 1
        if self._writes % PURGE_EVERY == 0:
            await conn.execute("DELETE FROM ztix_kv WHERE expires <= %s", (now,))
            await conn.execute("DELETE FROM ztix_hits WHERE at <= %s", (now - HITS_KEPT,))

    # ------------------------------------------------------------------ the port
    async def get(self, key: str) -> bytes | None:
        """The value, unless absent or expired."""
        now = self._clock()

        async def work(conn: psycopg.AsyncConnection[Any]) -> bytes | None:
            cursor = await conn.execute(
                "SELECT value FROM ztix_kv WHERE key = %s AND expires > %s", (key, now)
            )
            row = await cursor.fetchone()
            return None if row is None else bytes(row[0])

        return await self._run(work)

    async def put(self, key: str, value: bytes, ttl: float) -> None:
        """Set the key for `ttl` seconds."""
        now = self._clock()

        async def work(conn: psycopg.AsyncConnection[Any]) -> None:
            await conn.execute(
                "INSERT INTO ztix_kv (key, value, expires) VALUES (%s, %s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, "
                "expires = EXCLUDED.expires",
                (key, value, now + ttl),
            )
            await self._purge(conn, now)

        await self._run(work)

    async def add(self, key: str, value: bytes, ttl: float) -> bool:
        """Set the key unless it holds an unexpired value (one statement: atomic)."""
        now = self._clock()

        async def work(conn: psycopg.AsyncConnection[Any]) -> bool:
            cursor = await conn.execute(
                "INSERT INTO ztix_kv (key, value, expires) VALUES (%s, %s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, "
                "expires = EXCLUDED.expires WHERE ztix_kv.expires <= %s RETURNING key",
                (key, value, now + ttl, now),
            )
            return await cursor.fetchone() is not None

        return await self._run(work)

    async def delete(self, key: str) -> None:
        """Remove the key."""

        async def work(conn: psycopg.AsyncConnection[Any]) -> None:
            await conn.execute("DELETE FROM ztix_kv WHERE key = %s", (key,))

        await self._run(work)

    async def hit(self, key: str, window: float, limit: int) -> bool:
        """Count one event unless `limit` were counted in the window."""
        now = self._clock()

        async def work(conn: psycopg.AsyncConnection[Any]) -> bool:
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_advisory(key),))
                await conn.execute(
                    "DELETE FROM ztix_hits WHERE key = %s AND at <= %s", (key, now - window)
                )
                cursor = await conn.execute("SELECT count(*) FROM ztix_hits WHERE key = %s", (key,))
                row = await cursor.fetchone()
                if row is None or row[0] >= limit:
                    return False
                await conn.execute("INSERT INTO ztix_hits (key, at) VALUES (%s, %s)", (key, now))
            await self._purge(conn, now)
            return True

        return await self._run(work)

    async def unhit(self, key: str) -> None:
        """Take back the newest event of `key`."""

        async def work(conn: psycopg.AsyncConnection[Any]) -> None:
            await conn.execute(
                "DELETE FROM ztix_hits WHERE ctid = (SELECT ctid FROM ztix_hits "
                "WHERE key = %s ORDER BY at DESC LIMIT 1)",
                (key,),
            )

        await self._run(work)

    @contextlib.asynccontextmanager
    async def lock(self, name: str, wait: float) -> AsyncIterator[None]:
        """A session-level advisory lock on a connection of its own, polled until `wait`."""
        conn = await self._connect()
        try:
            deadline = time.monotonic() + wait
            delay = 0.005
            while True:
                try:
                    cursor = await conn.execute(
                        "SELECT pg_try_advisory_lock(%s)", (_advisory(name),)
                    )
                    row = await cursor.fetchone()
                except psycopg.Error as exc:
                    raise StoreError(f"state store ({self.where}): {_first_line(exc)}") from None
                if row is not None and row[0]:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LockBusy(f"{name} is held by another request")
                await asyncio.sleep(min(delay, left))
                delay = min(delay * 2, 0.1)
            yield
        finally:
            # Closing the session releases its advisory locks, held or not.
            with contextlib.suppress(psycopg.Error, OSError):
                await conn.close()

    async def ping(self) -> None:
        """A round trip that must succeed."""

        async def work(conn: psycopg.AsyncConnection[Any]) -> None:
            await conn.execute("SELECT 1")

        await self._run(work)

    async def aclose(self) -> None:
        """Close the connection."""
        if self._loop is asyncio.get_running_loop():
            await self._drop()


def _first_line(exc: BaseException) -> str:
    """libpq's message, first line (it never holds the password)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _where(url: str) -> str:
    """host:port/dbname of a connection string, for messages (never the password)."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        return "PostgreSQL"
    host = str(info.get("host") or "localhost")
    port = str(info.get("port") or 5432)
    return f"PostgreSQL {host}:{port}/{info.get('dbname') or info.get('user') or ''}"
