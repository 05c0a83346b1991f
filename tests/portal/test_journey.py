"""The member's stage after approval from recorded route-server answers (BIRD 2.0.12, the lab's
sessions): active, provisioning within the window, failed after it or when apply failed, and a
route server that cannot be read said, never taken for a failure."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from tests.conftest import repo_files
from tests.paths import SAMPLES
from ztix.load.loader import load_files
from ztix.models import Exchange, Peer
from ztix.portal.journey import PROVISION_MINUTES, Evidence, journey
from ztix.ports.deploy import Target
from ztix.ports.status import StatusError

RECORDED = json.loads((SAMPLES / "status.json").read_text())["2.0.12"]
# The recordings are of lab members AS64500 (established) and AS64502 (shut by its limit); the
# test exchange's AS64500 has one router with IPv4 and IPv6: rename the recorded session.
V4, V6 = "AS64500_a000000001_v4", "AS64500_a000000001_v6"


class Recorded:
    def __init__(self, answer: str | None) -> None:
        self.answer = answer

    async def query(self, target: Target, commands: Sequence[str]) -> list[str]:
        if self.answer is None:
            raise StatusError(f"{target.name}: cannot connect over SSH: refused")
        return [self.answer]


def member() -> tuple[Exchange, Peer]:
    repo = load_files(repo_files())
    return repo.exchange.model, next(p.model for p in repo.peers if p.model.asn == 64500)


def both(state: str) -> str:
    """A `show protocols all` answer with the member's v4 and v6 sessions in `state`."""
    block = str(RECORDED[state]).split("\n", 1)[1]  # without the banner
    name = block.split("\n", 2)[1].split()[0]
    v4 = block.replace(name, V4)
    v6 = block.replace(name, V6).split("\n", 1)[1]  # without the header line
    return v4 + v6


def test_all_sessions_up_is_active() -> None:
    exchange, peer = member()
    found = asyncio.run(journey(exchange, peer, "success", 5, Recorded(both("established"))))
    assert found.stage == "active" and not found.unread


def test_sessions_down_are_provisioning_then_failed() -> None:
    exchange, peer = member()
    reader = Recorded(both("limit"))
    early = asyncio.run(journey(exchange, peer, "success", 5, reader))
    assert early.stage == "provisioning"
    assert "rs1 ipv4 from 10.0.0.10: Automatic shutdown: Route limit exceeded" in early.reason
    late = asyncio.run(journey(exchange, peer, "success", PROVISION_MINUTES + 1, reader))
    assert late.stage == "failed" and "not Established 30 minutes after" in late.reason


def test_a_failed_apply_is_failed_and_an_unreadable_route_server_is_said() -> None:
    exchange, peer = member()
    failed = asyncio.run(journey(exchange, peer, "failure", 1, Recorded(both("established"))))
    assert failed.stage == "failed" and "apply job failed" in failed.reason
    unread = asyncio.run(journey(exchange, peer, "success", 99, Recorded(None)))
    assert unread.stage == "provisioning" and unread.unread[0].startswith("rs1 (rs1: cannot")


def test_without_route_server_access_the_apply_result_decides() -> None:
    exchange, peer = member()
    assert asyncio.run(journey(exchange, peer, "success", 1, None)).stage == "active"
    assert asyncio.run(journey(exchange, peer, None, 1, None)).stage == "approved"


def test_the_zerotier_authorization_is_read_from_the_controller() -> None:
    from tests.fakes.zerotier_controller import FakeController  # noqa: PLC0415
    from ztix.adapters.build import zerotier_provider  # noqa: PLC0415
    from ztix.ports.zerotier import Member, ZeroTierProvider  # noqa: PLC0415

    exchange, peer = member()
    nwid = str(exchange.zerotier.network_id)
    fake = FakeController(token="zt", node_id=nwid[:10])
    try:

        def provider() -> ZeroTierProvider:
            return zerotier_provider(
                exchange, "zt", api_url=fake.url, timeout=2, give_up=2, concurrency=1
            )

        def ask(minutes: float, reader: Recorded | None = None) -> Evidence:
            async def go() -> Evidence:
                zerotier = provider()  # its owner closes it, as the portal does
                try:
                    return await journey(exchange, peer, "success", minutes, reader, zerotier=zerotier)  # fmt: skip
                finally:
                    await zerotier.aclose()

            return asyncio.run(go())

        # Not authorized yet: provisioning, and said why.
        before = ask(1)
        assert before.stage == "provisioning"
        assert "ZeroTier node a000000001 is not authorized on the network yet" in before.reason
        # Authorized with its addresses (as apply does): active on the apply result.
        record = Member("a000000001", "AS64500", True, ("10.0.0.10", "fd00:1::10"))

        async def authorize() -> None:
            p = provider()
            await p.update_network({"name": "Test IX"})  # the network exists, as after apply
            await p.upsert_member(record)
            await p.aclose()

        asyncio.run(authorize())
        after = ask(1)
        assert after.stage == "active", after
        # With the sessions read too, the route server decides.
        both_read = ask(1, Recorded(both("limit")))
        assert both_read.stage == "provisioning" and "Route limit exceeded" in both_read.reason
    finally:
        fake.close()
    # The controller down: said, never a failure.
    gone = ask(99)
    assert gone.stage == "provisioning" and gone.unread[0].startswith("the ZeroTier network")
