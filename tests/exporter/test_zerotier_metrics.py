"""The exporter's ZeroTier metrics, read through the real Central provider from the Central fake
(central/v1.json's member objects): as desired or not, when each node last checked in, counts;
a network that cannot be read is `ztix_zerotier_up 0` and nothing more."""

from __future__ import annotations

import asyncio
import time

from prometheus_client.core import Metric

from tests.conftest import repo_files
from tests.fakes.zerotier_central import FakeCentral
from ztix.adapters.zerotier.central import CentralProvider
from ztix.exporter.metrics import _zerotier
from ztix.exporter.snapshot import Snapshot, ZeroTierReading
from ztix.load.loader import load_files
from ztix.plan.zerotier import desired_members

NWID = "8056c2e21c000001"


def samples(metrics: list[Metric]) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for m in metrics for s in m.samples}


def reading(url: str, token: str = "central-token") -> ZeroTierReading:
    repo = load_files(repo_files())
    desired = desired_members(repo.exchange.model, [p.model for p in repo.peers])

    async def go() -> ZeroTierReading:
        provider = CentralProvider(f"{url}/api/v1", token, network_id=NWID)
        try:
            return ZeroTierReading(True, members=tuple(await provider.list_members()),
                                   desired=desired)  # fmt: skip
        finally:
            await provider.aclose()

    return asyncio.run(go())


def snapshot(zt: ZeroTierReading) -> Snapshot:
    return Snapshot(time.time(), 0.1, None, "", None, None, (), zt)


def test_members_as_desired_last_seen_and_counts() -> None:
    central = FakeCentral(networks=(NWID,))
    try:
        repo = load_files(repo_files())
        desired = desired_members(repo.exchange.model, [p.model for p in repo.peers])
        nodes = sorted(desired)
        right, wrong = desired[nodes[0]], desired[nodes[1]]
        central.members[NWID][right.node_id] = _record(right.node_id, right.name, True,
                                                        list(right.ip_assignments), 1_790_000_000_123)  # fmt: skip
        central.members[NWID][wrong.node_id] = _record(wrong.node_id, wrong.name, False, [], 0)
        got = samples(list(_zerotier(snapshot(reading(central.url)))))
    finally:
        central.close()
    assert got[("ztix_zerotier_up", ())] == 1.0
    key = "ztix_zerotier_member_as_desired"
    assert got[(key, (("name", right.name), ("node", right.node_id)))] == 1.0
    assert got[(key, (("name", wrong.name), ("node", wrong.node_id)))] == 0.0
    seen = "ztix_zerotier_member_last_seen_timestamp_seconds"
    assert got[(seen, (("name", right.name), ("node", right.node_id)))] == 1_790_000_000.123
    assert (seen, (("name", wrong.name), ("node", wrong.node_id))) not in got  # 0: unknown
    assert got[("ztix_zerotier_members", (("authorized", "true"),))] == 1.0
    assert got[("ztix_zerotier_members", (("authorized", "false"),))] == 1.0


def test_an_unreadable_network_is_down_and_nothing_else() -> None:
    metrics = list(_zerotier(snapshot(ZeroTierReading(False, "401 Unauthorized"))))
    assert samples(metrics) == {("ztix_zerotier_up", ()): 0.0}


def _record(node: str, name: str, authorized: bool, ips: list[str], seen: int) -> dict[str, object]:
    return {
        "id": f"{NWID}-{node}",
        "networkId": NWID,
        "nodeId": node,
        "name": name,
        "lastSeen": seen,
        "config": {
            "id": node,
            "authorized": authorized,
            "ipAssignments": ips,
            "noAutoAssignIps": True,
            "activeBridge": False,
            "capabilities": [],
            "tags": [],
            "revision": 1,
        },
    }
