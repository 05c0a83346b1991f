"""The portal's breakers, shared through the state store.

An outage one replica finds is honoured by every replica, and by the next process after a
restart, until its cool-down ends: each then sends its own probe (half-open), so one replica's
broken path cannot hold the others back for longer than a cool-down. The store keeps, per
service, the wall-clock time the newest cool-down ends; a process that had the service down
and then gets an answer removes it, and the processes that only adopted it close too.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ztix.adapters.http import Breaker
from ztix.ports.state import StateStore, StoreError

LOG = logging.getLogger("ztix.portal")
SLACK = 1.0  # seconds: cool-downs ending closer than this are the same one (clocks, rounding)


def _key(name: str) -> str:
    return f"breaker:{name}"


@dataclass
class SharedBreakers:
    """Publishes this process's open breakers and adopts the others' (call `sync` often)."""

    store: StateStore
    breakers: dict[str, Breaker]
    wall: Callable[[], float] = time.time
    published: dict[str, float] = field(default_factory=dict)  # name -> until, ours
    adopted: dict[str, float] = field(default_factory=dict)  # name -> until, another's

    async def sync(self) -> None:
        """One exchange with the store for every breaker."""
        for name, breaker in sorted(self.breakers.items()):
            raw = await self.store.get(_key(name))
            shared = float(raw) if raw else None
            if breaker.open:
                await self._open(name, breaker, shared)
            else:
                await self._closed(name, breaker, shared)

    async def _open(self, name: str, breaker: Breaker, shared: float | None) -> None:
        left = breaker.cooldown_left()
        until = self.wall() + left
        adopted = self.adopted.get(name)
        if adopted is not None:
            if shared is None:  # whoever found it down has had an answer since
                breaker.success()
                del self.adopted[name]
                return
            if until <= adopted + SLACK:  # still the cool-down we adopted
                return
            del self.adopted[name]  # our own probe failed since: a cool-down of our own
        if shared is None or until > shared + SLACK:
            await self.store.put(_key(name), f"{until:.3f}".encode(), max(left, SLACK))
            self.published[name] = until

    async def _closed(self, name: str, breaker: Breaker, shared: float | None) -> None:
        ours = self.published.pop(name, None)
        theirs = self.adopted.pop(name, None)
        if shared is not None and (ours is not None or theirs is not None):
            # This process had it down and has had an answer since: the service is back.
            await self.store.delete(_key(name))
            return
        left = (shared or 0.0) - self.wall()
        if left > 0:
            breaker.trip(left)
            self.adopted[name] = shared or 0.0


async def share_forever(shared: SharedBreakers, interval: float) -> None:
    """`sync` every `interval` seconds for the app's life; a store outage only delays it."""
    down = False
    while True:
        try:
            await shared.sync()
        except StoreError as exc:
            if not down:
                LOG.warning("breakers: cannot share them just now: %s", str(exc).splitlines()[0])
            down = True
        else:
            down = False
        await asyncio.sleep(interval)
