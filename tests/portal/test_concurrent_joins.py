"""Twenty joins for twenty ASNs at once (issue 15): twenty distinct peering addresses, and every
branch merged together still validates. Real git remote, the GitHub-shaped forge."""

from __future__ import annotations

import asyncio
import ipaddress
from pathlib import Path

import yaml

from tests.gitrepo import git
from tests.portal.conftest import Portal
from ztix.load.loader import load
from ztix.portal.access import NetworkAccess, User

# Documentation ASNs (RFC 5398), which the test exchange admits: 16 of 32 bits, 4 of 16.
ASNS = [65536 + n for n in range(16)] + [64503, 64504, 64505, 64506]


def test_twenty_joins_at_once_get_twenty_addresses_and_merge_cleanly(
    portal: Portal, tmp_path: Path
) -> None:
    for n, asn in enumerate(ASNS):
        portal.peeringdb.nets[asn] = {
            "id": 91000 + n,
            "asn": asn,
            "name": f"Concurrent Net {n}",
            "status": "ok",
            "irr_as_set": "",
            "info_prefixes4": 10,
            "info_prefixes6": 10,
            "info_never_via_route_servers": False,
        }
    user = User(12345, "Alex Example", "alex@member.example", True, True)

    async def joins() -> list[object]:
        return await asyncio.gather(
            *(
                portal.service.submit(
                    user,
                    NetworkAccess(asn, 91000 + n, f"Net {n}", 15, True, ""),
                    "join",
                    node_id=f"{0xB000000000 + n:010x}",
                    contact=f"noc@as{asn}.example",
                )
                for n, asn in enumerate(ASNS)
            ),
            return_exceptions=True,
        )

    results = asyncio.run(joins())
    assert not [r for r in results if isinstance(r, BaseException)], results
    addresses: dict[str, int] = {}
    for asn in ASNS:
        peer = yaml.safe_load(git(portal.remote, "show", f"ztix/AS{asn}:peers/AS{asn}.yaml"))
        for key in ("ipv4", "ipv6"):
            address = str(ipaddress.ip_address(peer["connections"][0][key]))
            assert address not in addresses, f"AS{asn} and AS{addresses[address]}: {address}"
            addresses[address] = asn
    assert len(addresses) == 40
    # An admin merges every request: the result validates (no address used twice).
    work = tmp_path / "merge"
    git(tmp_path, "clone", "-q", str(portal.remote), str(work))
    for asn in ASNS:
        git(work, "merge", "-q", "--no-edit", f"origin/ztix/AS{asn}")
    assert {p.model.asn for p in load(work).peers} >= set(ASNS)
