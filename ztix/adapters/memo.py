"""Results of slow reads reused for a while (the portal's IRR previews, the route servers'
answers): concurrent callers for one key share one read, entries expire, the size is bounded.
One per owner (an app, a reader), never module-level."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class AsyncMemo(Generic[K, V]):
    """`get(key, compute)`: the value computed for `key` in the last `ttl` seconds, or a fresh
    one (a failing computation raises and is not kept)."""

    def __init__(
        self, ttl: float, capacity: int = 1024, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.capacity = capacity
        self._clock = clock
        self._values: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._locks: dict[K, asyncio.Lock] = {}

    async def get(self, key: K, compute: Callable[[], Awaitable[V]]) -> V:
        """The kept value of `key`, or `compute()` (once, however many wait for it)."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            hit = self._values.get(key)
            if hit is not None and self._clock() - hit[0] < self.ttl:
                return hit[1]
            value = await compute()
            if self.ttl > 0:
                self._values[key] = (self._clock(), value)
                self._values.move_to_end(key)
                while len(self._values) > self.capacity:
                    old, _ = self._values.popitem(last=False)
                    if not self._locks[old].locked():
                        del self._locks[old]
            return value
