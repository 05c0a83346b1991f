"""Breakers shared through the state store (issue 20): an outage one replica finds, the others
and the next process after a restart honour until its cool-down ends; then each probes."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.postgres import Postgres
from ztix.adapters.http import Breaker
from ztix.adapters.state.postgres import PostgresStore
from ztix.adapters.state.sqlite import SqliteStore
from ztix.portal.breakers import SharedBreakers
from ztix.ports.state import StateStore

COOLDOWN = 30.0


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class Replica:
    """One portal process: its breaker for the service and its link to the store."""

    def __init__(self, store: StateStore, name: str, clock: Clock) -> None:
        self.breaker = Breaker(cooldown=COOLDOWN, clock=clock)
        self.shared = SharedBreakers(store, {name: self.breaker}, wall=clock)

    def down(self) -> None:
        for _ in range(self.breaker.threshold):
            self.breaker.failure()


@pytest.fixture(params=["sqlite", "postgres"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, list[StateStore]]:
    """A service name of this test, and three handles on one store (three processes)."""
    clock = time.time
    if request.param == "sqlite":
        path = tmp_path / "state.sqlite3"
        return "peeringdb", [SqliteStore(path, clock=clock) for _ in range(3)]
    server: Postgres = request.getfixturevalue("postgres")
    name = f"peeringdb{time.monotonic_ns()}"  # one server for the whole run
    return name, [PostgresStore(server.url, clock=clock) for _ in range(3)]


def test_an_outage_found_by_one_replica_is_honoured_by_the_others_until_one_gets_through(
    stores: tuple[str, list[StateStore]],
) -> None:
    name, (store_a, store_b, store_c) = stores
    clock = Clock()

    async def go() -> None:
        a, b = Replica(store_a, name, clock), Replica(store_b, name, clock)
        await a.shared.sync()
        await b.shared.sync()
        assert a.breaker.admit() and b.breaker.admit()  # nothing known: both call
        a.down()
        assert a.breaker.state == "open"
        await a.shared.sync()
        await b.shared.sync()
        assert b.breaker.state == "open" and not b.breaker.admit()  # B does not wait its turn
        # A restart: the new process starts knowing the service is down.
        c = Replica(store_c, name, clock)
        await c.shared.sync()
        assert not c.breaker.admit()
        # The cool-down ends: each replica probes for itself.
        clock.now += COOLDOWN + 1
        assert a.breaker.admit()
        a.breaker.success()  # A gets an answer: the service is back
        await a.shared.sync()
        await b.shared.sync()
        await c.shared.sync()
        assert b.breaker.state == "closed" and c.breaker.state == "closed"
        assert b.breaker.admit() and c.breaker.admit()
        for store in (store_a, store_b, store_c):
            await store.aclose()

    asyncio.run(go())


def test_an_adopted_outage_whose_probe_fails_becomes_the_replicas_own(
    stores: tuple[str, list[StateStore]],
) -> None:
    name, (store_a, store_b, _) = stores
    clock = Clock()

    async def go() -> None:
        a, b = Replica(store_a, name, clock), Replica(store_b, name, clock)
        a.down()
        await a.shared.sync()
        await b.shared.sync()
        clock.now += COOLDOWN + 1
        assert b.breaker.admit()  # B's own probe ...
        b.breaker.failure()  # ... fails: another cool-down, published by B
        await b.shared.sync()
        late = Replica(store_a, name, clock)
        clock.now += COOLDOWN / 2
        await late.shared.sync()
        assert not late.breaker.admit()  # B's cool-down, not A's expired one
        await store_a.aclose()
        await store_b.aclose()

    asyncio.run(go())


def test_a_replica_that_recovers_first_clears_it_for_the_one_that_adopted(
    stores: tuple[str, list[StateStore]],
) -> None:
    name, (store_a, store_b, _) = stores
    clock = Clock()

    async def go() -> None:
        a, b = Replica(store_a, name, clock), Replica(store_b, name, clock)
        a.down()
        await a.shared.sync()
        await b.shared.sync()
        assert not b.breaker.admit()
        clock.now += COOLDOWN + 1
        assert b.breaker.admit()
        b.breaker.success()  # the one that only adopted it gets through first
        await b.shared.sync()  # and clears it
        await a.shared.sync()
        assert a.breaker.state == "open"  # A's own failures: A still probes for itself
        assert a.breaker.admit()
        a.breaker.success()
        await a.shared.sync()
        fresh = Replica(store_b, name, clock)
        await fresh.shared.sync()
        assert fresh.breaker.state == "closed"
        await store_a.aclose()
        await store_b.aclose()

    asyncio.run(go())
