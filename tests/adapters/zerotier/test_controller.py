"""Controller specifics: network id from /status, old controllers, keep-alive closes, quirks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from tests.adapters.zerotier.conftest import NWID, Sleeps, repo
from tests.fakes.zerotier_controller import FakeController
from ztix.adapters.zerotier.controller import ControllerProvider
from ztix.adapters.zerotier.http import RetryPolicy
from ztix.apply import zerotier as run


@pytest.fixture
def fake() -> Iterator[FakeController]:
    server = FakeController(token="t", node_id=NWID[:10])
    try:
        yield server
    finally:
        server.close()


def converge(provider: ControllerProvider) -> run.ApplyResult:
    async def go() -> run.ApplyResult:
        try:
            r = repo()
            planned = await run.plan(provider, r.exchange.model, [p.model for p in r.peers])
            return await run.apply(provider, planned)
        finally:
            await provider.aclose()

    return asyncio.run(go())


def test_network_id_is_composed_from_the_controllers_node_id(fake: FakeController) -> None:
    provider = ControllerProvider(fake.url, "t", network_id=None, network_suffix="667788")
    assert converge(provider).ok
    assert ("GET", "/status", 200) in fake.log
    assert NWID in fake.networks


def test_controllers_without_unstable_listing_are_read_member_by_member(
    fake: FakeController,
) -> None:
    fake.unstable = False
    assert converge(ControllerProvider(fake.url, "t", network_id=NWID)).ok
    writes = fake.write_calls()
    assert converge(ControllerProvider(fake.url, "t", network_id=NWID)).ok
    assert fake.write_calls() == writes
    gets = [
        p
        for m, p, _ in fake.log
        if m == "GET" and p.startswith(f"/controller/network/{NWID}/member/")
    ]
    assert len(gets) == 3


@pytest.mark.parametrize("keepalive", [False, True])
def test_keepalive_connections_closed_after_five_requests_are_survived(
    fake: FakeController, keepalive: bool
) -> None:
    sleeps = Sleeps()
    for _ in range(3):  # enough requests to cross the 5-per-connection limit several times
        provider = ControllerProvider(
            fake.url,
            "t",
            network_id=NWID,
            keepalive=keepalive,
            concurrency=1,
            policy=RetryPolicy(sleep=sleeps),
        )
        assert converge(provider).ok
    assert all(member["revision"] == 1 for member in fake.members[NWID].values())
    if not keepalive:
        assert fake.connections == len(fake.log)  # one fresh connection per request


def test_fake_normalises_addresses_like_the_real_controller(fake: FakeController) -> None:
    """The quirk from the recorded example 17: bad dotted quads become 0.0.0.0."""
    with httpx.Client(base_url=fake.url, headers={"X-ZT1-Auth": "t"}) as client:
        client.post(f"/controller/network/{NWID}", json={})
        body = {
            "authorized": True,
            "ipAssignments": [
                "10.147.17.11",
                "fd00:0:0::0011",
                "10.147.17.12/24",
                "999.1.1.1",
                "not-an-ip",
            ],
        }
        got = client.post(f"/controller/network/{NWID}/member/0011223344", json=body).json()
        assert got["ipAssignments"] == ["10.147.17.11", "fd00::11", "10.147.17.12", "0.0.0.0"]
        assert client.get("/controller", headers={"X-ZT1-Auth": "wrong"}).json() == {}
        missing = client.get(f"/controller/network/{NWID}/member/eeeeeeeeee")
        assert missing.status_code == 404 and missing.content == b""
        bad = client.post(f"/controller/network/{NWID}/member/0011223344", content=b"{not json")
        assert bad.status_code == 500
        again = client.post(f"/controller/network/{NWID}/member/0011223344", json=body).json()
        assert again["revision"] == got["revision"]  # identical POST: revision unchanged
