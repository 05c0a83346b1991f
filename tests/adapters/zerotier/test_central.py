"""Central specifics: rate limiting with 429, Retry-After and X-Ratelimit-* headers; 403/404."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.adapters.zerotier.conftest import NWID, repo
from tests.fakes.zerotier_central import FakeCentral
from ztix.adapters.zerotier.central import CentralProvider
from ztix.adapters.zerotier.http import ZeroTierAuthError
from ztix.apply import zerotier as run


def converge(fake: FakeCentral, network_id: str = NWID) -> run.ApplyResult:
    async def go() -> run.ApplyResult:
        provider = CentralProvider(fake.url + "/api/v1", "tok", network_id=network_id)
        try:
            r = repo()
            planned = await run.plan(provider, r.exchange.model, [p.model for p in r.peers])
            return await run.apply(provider, planned)
        finally:
            await provider.aclose()

    return asyncio.run(go())


def test_rate_limit_is_respected_with_real_waiting() -> None:
    fake = FakeCentral(token="tok", networks=(NWID,), rate_limit=3, window=0.3)
    try:
        start = time.monotonic()
        assert converge(fake).ok
        took = time.monotonic() - start
        statuses = [s for _, _, s in fake.log]
        # 2 reads + 1 network write + 3 member writes at 3 per 0.3 s need at least one wait.
        assert took >= 0.3
        assert statuses.count(429) <= 2, statuses  # the client paused on Remaining: 0
        assert all(n == 1 for n in fake.changes.values()), fake.changes
    finally:
        fake.close()


def test_forbidden_network_is_an_auth_error() -> None:
    fake = FakeCentral(token="tok", networks=(NWID,), forbidden=(NWID,))
    try:
        with pytest.raises(ZeroTierAuthError, match="403"):
            converge(fake)
    finally:
        fake.close()


def test_missing_network_says_to_create_it_in_central() -> None:
    fake = FakeCentral(token="tok", networks=())
    try:
        result = converge(fake)
        assert not result.ok
        assert "create it in Central" in result.network_error
        assert not fake.changes
    finally:
        fake.close()


def test_member_body_is_wrapped_in_config() -> None:
    fake = FakeCentral(token="tok", networks=(NWID,))
    try:
        converge(fake)
        member = fake.member(NWID, "a000000001")
        assert member is not None
        assert member["name"] == "AS64500"
        assert member["description"] == "managed by ZT-IX from the peering repository"
        assert member["config"]["authorized"] is True
        assert member["config"]["ipAssignments"] == ["10.0.0.10", "fd00:1::10"]
        assert member["config"]["noAutoAssignIps"] is True
    finally:
        fake.close()
