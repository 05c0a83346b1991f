"""The state stores against the port's promises: SQLite on disk, PostgreSQL as a real server.

Two store objects stand for two portal processes (each has its own connections and files);
the two-process portal test (tests/portal/test_replicas.py) does the same with real processes.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.postgres import Postgres
from ztix.adapters.state.postgres import PostgresStore
from ztix.adapters.state.sqlite import SqliteStore
from ztix.ports.state import LockBusy, StateStore, StoreError


@dataclass
class Stores:
    """Stores over one shared state: each `new()` stands for another portal process."""

    kind: str
    where: str  # the SQLite file or the PostgreSQL URL
    prefix: str  # PostgreSQL is shared by the whole run: keys carry the test's prefix

    def new(self, clock: Callable[[], float] = time.time) -> StateStore:
        if self.kind == "sqlite":
            return SqliteStore(Path(self.where), clock=clock)
        return PostgresStore(self.where, clock=clock)


Make = Stores
T = TypeVar("T")


@pytest.fixture(params=["sqlite", "postgres"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Stores:
    """The stores of one test."""
    if request.param == "sqlite":
        return Stores("sqlite", str(tmp_path / "state.sqlite3"), "")
    server: Postgres = request.getfixturevalue("postgres")
    return Stores("postgres", server.url, f"t{time.monotonic_ns()}")


def key(make: Stores, name: str) -> str:
    return f"{make.prefix}:{name}"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def test_values_expire_and_add_sets_only_once(make: Make) -> None:
    store = make.new()
    k = key(make, "v")

    async def go() -> None:
        assert await store.get(k) is None
        await store.put(k, b"one", ttl=60)
        assert await store.get(k) == b"one"
        assert not await store.add(k, b"two", ttl=60)
        assert await store.get(k) == b"one"
        await store.put(k, b"old", ttl=-1)  # already expired
        assert await store.get(k) is None
        assert await store.add(k, b"three", ttl=60)
        await store.delete(k)
        assert await store.get(k) is None
        await store.aclose()

    run(go())


def test_add_is_atomic_across_processes(make: Make) -> None:
    stores = [make.new() for _ in range(4)]
    k = key(make, "claim")

    async def go() -> list[bool]:
        try:
            return list(
                await asyncio.gather(
                    *(
                        s.add(k, f"{n}".encode(), ttl=60)
                        for n, s in enumerate(stores)
                        for _ in (1, 2)
                    )
                )
            )
        finally:
            for s in stores:
                await s.aclose()

    assert sorted(run(go())) == [False] * 7 + [True]


def test_many_open_a_new_sqlite_file_at_once(tmp_path: Path) -> None:
    """Setting up WAL skips SQLite's busy handler: openers of a new file must take turns."""
    failures: list[BaseException] = []

    def open_and_ping(store: StateStore, start: threading.Barrier) -> None:
        start.wait(timeout=10)
        try:
            run(store.ping())
        except BaseException as exc:  # collected for the assertion below
            failures.append(exc)
        finally:
            run(store.aclose())

    for n in range(100):  # without turns, 4 runs in 6 of this test failed
        start = threading.Barrier(8)
        threads = [
            threading.Thread(
                target=open_and_ping, args=(SqliteStore(tmp_path / f"{n}.sqlite3"), start)
            )
            for _ in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert failures == []


def test_a_held_setup_lock_is_waited_for_and_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An opener stuck setting the file up delays others for at most the busy wait, then they
    fail with a StoreError (not a hang); once it is gone, the file opens."""
    import fcntl  # noqa: PLC0415
    import os  # noqa: PLC0415

    from ztix.adapters.state import sqlite  # noqa: PLC0415

    monkeypatch.setattr(sqlite, "BUSY_WAIT", 0.3)
    fd = os.open(tmp_path / "state.sqlite3.setup", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    store = SqliteStore(tmp_path / "state.sqlite3")
    started = time.monotonic()
    try:
        with pytest.raises(StoreError, match=r"held past 0\.3 s"):
            run(store.ping())
        assert 0.3 <= time.monotonic() - started < 5
    finally:
        os.close(fd)
    run(store.ping())
    run(store.aclose())


def test_hits_hold_the_limit_across_processes(make: Make) -> None:
    stores = [make.new() for _ in range(3)]
    k = key(make, "rate")

    async def go() -> list[bool]:
        try:
            counted = await asyncio.gather(
                *(s.hit(k, window=60, limit=5) for s in stores for _ in range(6))
            )
            await stores[0].unhit(k)  # one turned out not to count
            again = await stores[1].hit(k, window=60, limit=5)
            last = await stores[2].hit(k, window=60, limit=5)
            return [*counted, again, last]
        finally:
            for s in stores:
                await s.aclose()

    results = run(go())
    assert results[:18].count(True) == 5
    assert results[18:] == [True, False]


def test_a_window_slides(make: Make, tmp_path: Path) -> None:
    now = [1000.0]
    store = make.new(clock=lambda: now[0])
    k = key(make, "slide")

    async def go() -> list[bool]:
        try:
            out = [await store.hit(k, window=10, limit=2) for _ in range(3)]
            now[0] += 11
            out.append(await store.hit(k, window=10, limit=2))
            return out
        finally:
            await store.aclose()

    assert run(go()) == [True, True, False, True]


def test_a_lock_excludes_other_processes_and_gives_up_after_its_wait(make: Make) -> None:
    a, b = make.new(), make.new()
    name = key(make, "allocation")
    order: list[str] = []

    async def holder() -> None:
        async with a.lock(name, wait=5):
            order.append("a in")
            await asyncio.sleep(0.3)
            order.append("a out")

    async def waiter() -> None:
        await asyncio.sleep(0.05)
        async with b.lock(name, wait=5):
            order.append("b in")

    async def impatient() -> None:
        await asyncio.sleep(0.05)
        with pytest.raises(LockBusy):
            async with b.lock(name, wait=0.1):
                order.append("never")

    async def go() -> None:
        try:
            await asyncio.gather(holder(), waiter(), impatient())
        finally:
            await a.aclose()
            await b.aclose()

    run(go())
    assert order == ["a in", "a out", "b in"]


def test_a_cancelled_wait_leaves_no_lock_behind(make: Make) -> None:
    a, b = make.new(), make.new()
    name = key(make, "cancel")

    async def go() -> None:
        async with a.lock(name, wait=5):
            waiting = asyncio.create_task(_enter(b, name))
            await asyncio.sleep(0.1)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
        async with b.lock(name, wait=1):  # free again
            pass

    run(go())


async def _enter(store: StateStore, name: str) -> None:
    async with store.lock(name, wait=5):
        await asyncio.sleep(10)


HOLD = """
import asyncio
from ztix.adapters.state.postgres import PostgresStore
from ztix.adapters.state.sqlite import SqliteStore
async def main():
    store = {made}
    async with store.lock({name!r}, wait=5):
        print("held", flush=True)
        await asyncio.sleep(60)
asyncio.run(main())
"""


def test_a_process_killed_holding_a_lock_releases_it(make: Make, tmp_path: Path) -> None:
    store = make.new()
    name = key(make, "killed")
    if make.kind == "sqlite":
        made = f"SqliteStore(__import__('pathlib').Path({make.where!r}))"
    else:
        made = f"PostgresStore({make.where!r})"
    script = HOLD.format(made=made, name=name)
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"

        async def busy() -> None:
            with pytest.raises(LockBusy):
                async with store.lock(name, wait=0.2):
                    pass

        run(busy())
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

        async def free() -> None:
            async with store.lock(name, wait=5):
                pass
            await store.aclose()

        run(free())
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_postgres_outage_is_an_error_then_recovers_without_a_restart(postgres: Postgres) -> None:
    store = PostgresStore(postgres.url, connect_timeout=2)
    k = f"outage{time.monotonic_ns()}"

    async def before() -> None:
        await store.put(k, b"kept", ttl=600)

    async def during() -> None:
        with pytest.raises(StoreError) as failed:
            await store.get(k)
        assert "pg-test-password" not in str(failed.value)
        assert "127.0.0.1" in str(failed.value)
        with pytest.raises(StoreError):
            await store.ping()

    async def after() -> bytes | None:
        try:
            await store.ping()
            return await store.get(k)
        finally:
            await store.aclose()

    run(before())
    postgres.stop(signal.SIGKILL)
    try:
        run(during())
    finally:
        postgres.start()
    assert run(after()) == b"kept"


def test_sqlite_files_are_private(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.sqlite3")
    run(store.put("k", b"v", ttl=60))
    assert (tmp_path / "state.sqlite3").stat().st_mode & 0o077 == 0
    run(store.aclose())
