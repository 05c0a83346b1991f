"""The embedded state store: one SQLite file (WAL), safe for several processes on one host.

Writes that must be atomic across processes (add, hit) run in `BEGIN IMMEDIATE` transactions,
which take SQLite's write lock first (https://www.sqlite.org/lang_transaction.html). Locks are
flock(2) locks on files beside the database: the kernel releases them when the holder's file
closes, so a process that dies holding one frees it. Calls run in a worker thread; lock waits
poll without blocking the event loop, so a cancelled wait never leaves a lock behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TypeVar

from ztix.ports.state import LockBusy, StoreError

T = TypeVar("T")
SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS hits_key_at ON hits (key, at);
"""
# Counted events are kept this long at most (every window the portal uses is shorter).
HITS_KEPT = 86400.0
PURGE_EVERY = 200  # writes between purges of expired rows
BUSY_WAIT = 10.0  # seconds a call waits for another process's write lock


def _delays(wait: float) -> Iterator[float]:
    """Sleeps between tries of a lock: doubling from 5 ms to 100 ms, until `wait` has passed."""
    deadline = time.monotonic() + wait
    delay = 0.005
    while (left := deadline - time.monotonic()) > 0:
        yield min(delay, left)
        delay = min(delay * 2, 0.1)


def _took(fd: int) -> bool:
    """Whether an exclusive flock on `fd` was taken now (never waits)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def _flocked(path: Path, wait: float) -> Iterator[None]:
    """Hold an flock on `path`, polled for at most `wait` seconds (a worker thread waits)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not _took(fd):
            for delay in _delays(wait):
                time.sleep(delay)
                if _took(fd):
                    break
            else:
                raise sqlite3.OperationalError(f"{path} is held past {wait:g} s")
        yield
    finally:
        os.close(fd)  # releases the flock


class SqliteStore:
    """State in one SQLite file; `path`'s directory also holds the lock files."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.locks = path.with_name(path.name + ".locks")
        self._clock = clock
        self._conn: sqlite3.Connection | None = None
        self._guard = threading.Lock()
        self._writes = 0

    # ------------------------------------------------------------------ plumbing
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)  # never world-readable
            os.close(fd)
            conn = sqlite3.connect(
                self.path, timeout=BUSY_WAIT, isolation_level=None, check_same_thread=False
            )
            try:
                # Switching to WAL takes an exclusive lock without calling the busy handler,
                # so stores opening a new file at once may get "database is locked" at once
                # (18 of 2,400 opens from threads of one process). One opener at a time.
                with _flocked(self.path.with_name(self.path.name + ".setup"), BUSY_WAIT):
                    conn.execute(f"PRAGMA busy_timeout={int(BUSY_WAIT * 1000)}")
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute("PRAGMA synchronous=NORMAL")
                    conn.executescript(SCHEMA)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _call(self, work: Callable[[sqlite3.Connection], T]) -> T:
        with self._guard:
            try:
                return work(self._db())
            except sqlite3.Error as exc:
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None
                raise StoreError(f"state store {self.path}: {exc}") from None

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.to_thread(self._call, work)

    @staticmethod
    def _immediate(conn: sqlite3.Connection, work: Callable[[], T]) -> T:
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = work()
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    def _purge(self, conn: sqlite3.Connection, now: float) -> None:
        self._writes += 1
        if self._writes % PURGE_EVERY == 0:
            conn.execute("DELETE FROM kv WHERE expires <= ?", (now,))
            conn.execute("DELETE FROM hits WHERE at <= ?", (now - HITS_KEPT,))

    # ------------------------------------------------------------------ the port
    async def get(self, key: str) -> bytes | None:
        """The value, unless absent or expired."""
        now = self._clock()

        def work(conn: sqlite3.Connection) -> bytes | None:
            row = conn.execute(
                "SELECT value FROM kv WHERE key = ? AND expires > ?", (key, now)
            ).fetchone()
            return None if row is None else bytes(row[0])

        return await self._run(work)

    async def put(self, key: str, value: bytes, ttl: float) -> None:
        """Set the key for `ttl` seconds."""
        now = self._clock()

        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO kv (key, value, expires) VALUES (?, ?, ?) ON CONFLICT (key) "
                "DO UPDATE SET value = excluded.value, expires = excluded.expires",
                (key, value, now + ttl),
            )
            self._purge(conn, now)

        await self._run(work)

    async def add(self, key: str, value: bytes, ttl: float) -> bool:
        """Set the key unless it holds an unexpired value."""
        now = self._clock()

        def work(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "INSERT INTO kv (key, value, expires) VALUES (?, ?, ?) ON CONFLICT (key) "
                "DO UPDATE SET value = excluded.value, expires = excluded.expires "
                "WHERE kv.expires <= ?",
                (key, value, now + ttl, now),
            )
            return cursor.rowcount == 1

        return await self._run(lambda conn: self._immediate(conn, lambda: work(conn)))

    async def delete(self, key: str) -> None:
        """Remove the key."""
        await self._run(lambda conn: conn.execute("DELETE FROM kv WHERE key = ?", (key,)))

    async def hit(self, key: str, window: float, limit: int) -> bool:
        """Count one event unless `limit` were counted in the window."""
        now = self._clock()

        def work(conn: sqlite3.Connection) -> bool:
            conn.execute("DELETE FROM hits WHERE key = ? AND at <= ?", (key, now - window))
            (count,) = conn.execute("SELECT count(*) FROM hits WHERE key = ?", (key,)).fetchone()
            if count >= limit:
                return False
            conn.execute("INSERT INTO hits (key, at) VALUES (?, ?)", (key, now))
            self._purge(conn, now)
            return True

        return await self._run(lambda conn: self._immediate(conn, lambda: work(conn)))

    async def unhit(self, key: str) -> None:
        """Take back the newest event of `key`."""
        await self._run(
            lambda conn: conn.execute(
                "DELETE FROM hits WHERE rowid = "
                "(SELECT rowid FROM hits WHERE key = ? ORDER BY at DESC LIMIT 1)",
                (key,),
            )
        )

    @contextlib.asynccontextmanager
    async def lock(self, name: str, wait: float) -> AsyncIterator[None]:
        """An flock on a file named after `name`, polled until `wait` seconds have passed."""
        self.locks.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.locks / hashlib.sha256(name.encode()).hexdigest()[:32]
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if not _took(fd):
                for delay in _delays(wait):
                    await asyncio.sleep(delay)
                    if _took(fd):
                        break
                else:
                    raise LockBusy(f"{name} is held by another request")
            yield
        finally:
            os.close(fd)  # releases the flock, held or not

    async def ping(self) -> None:
        """A read that must succeed."""
        await self._run(lambda conn: conn.execute("SELECT 1").fetchone())

    async def aclose(self) -> None:
        """Close the database."""
        with self._guard:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
