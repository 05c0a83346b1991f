"""AsyncMemo: one computation for concurrent callers, expiry, failures not kept, bounded."""

from __future__ import annotations

import asyncio

import pytest

from ztix.adapters.memo import AsyncMemo


def test_concurrent_callers_share_one_computation_and_entries_expire() -> None:
    now = [0.0]
    memo: AsyncMemo[str, int] = AsyncMemo(ttl=30, clock=lambda: now[0])
    calls = []

    async def compute() -> int:
        calls.append(1)
        await asyncio.sleep(0.05)
        return len(calls)

    async def go() -> list[int]:
        return list(await asyncio.gather(*(memo.get("k", compute) for _ in range(5))))

    assert asyncio.run(go()) == [1] * 5 and len(calls) == 1
    now[0] = 31
    assert asyncio.run(memo.get("k", compute)) == 2


def test_a_failure_is_not_kept_and_the_size_is_bounded() -> None:
    memo: AsyncMemo[int, int] = AsyncMemo(ttl=30, capacity=2)

    async def boom() -> int:
        raise RuntimeError("down")

    async def value() -> int:
        return 7

    with pytest.raises(RuntimeError):
        asyncio.run(memo.get(1, boom))
    assert asyncio.run(memo.get(1, value)) == 7
    for key in (2, 3, 4):
        asyncio.run(memo.get(key, value))
    assert len(memo._values) == 2 and len(memo._locks) <= 3
