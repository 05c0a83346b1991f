"""IRR filtering live (issue 13): real BIRD route server deployed over sshd by `ztix apply`,
real member routers, stayrtr. What a member may announce is what its IRR data registers; a
refresh that adds a prefix lets it through after the deploy without resetting the session."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.birdtools import require
from tests.lab import netns
from tests.lab.daemons import wait_for
from tests.lab.exchange import RECEIVER, LabExchange, announcer, peer
from ztix.bird.text import was_reset
from ztix.irr.files import irr_text
from ztix.models import IrrData
from ztix.render.routeserver import session_name

pytestmark = pytest.mark.lab

M1, M2, M3 = (
    (64500, "a000000001", "10.0.0.10"),
    (64501, "a000000002", "10.0.0.11"),
    (64502, "a000000003", "10.0.0.12"),
)
IRR = "irr:\n  servers:\n    - host: 127.0.0.1\n  sources: [LABA]\n{extra}"
REGISTERED = "23.1.1.0/24"  # covered by m1's route object 23.1.0.0/16 (a more-specific)
UNREGISTERED = "23.40.0.0/24"  # no route object, RPKI unknown
ROA_ONLY = "5.5.5.0/24"  # no route object, but RPKI valid for AS64500 (lab ROAs)
FOREIGN = "23.1.2.0/24"  # inside m1's object, but originated by AS3333 (not in its set)
# m1's announcements, and what each must do to the path.
M1_ROUTES = {
    REGISTERED: "",
    UNREGISTERED: "",
    ROA_ONLY: "",
    FOREIGN: "bgp_path.prepend(3333);",
}


def m1_irr(*extra: str) -> IrrData:
    return IrrData(
        asn=64500,
        expanded=("AS64500",),
        sources=("LABA",),
        refreshed="2026-12-01T06:00:00Z",
        origins=("64500",),
        ipv4=tuple(sorted({"23.1.0.0/16", *extra}, key=ipaddress.ip_network)),
        ipv6=(),
    )


def write_files(lab: LabExchange, data: IrrData) -> None:
    for asn, node, v4 in (M1, M2, M3):
        (lab.repo / "peers" / f"AS{asn}.yaml").write_text(peer(asn, node, v4, 50))
    (lab.repo / "irr").mkdir(exist_ok=True)
    (lab.repo / "irr" / "AS64500.yaml").write_text(irr_text(data))
    # m2 and m3 have no IRR data yet: only their RPKI-valid routes may pass.


def at_m2(lab: LabExchange) -> dict[str, object]:
    return dict(lab.members[64501].routes("table", "master4", "protocol", "rs4"))


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[LabExchange]:
    netns.require_lab()
    require("bird")
    require("stayrtr")
    exchange = LabExchange(tmp_path, "ir", extra=IRR.format(extra=""))
    try:
        yield exchange
    finally:
        exchange.close()


def test_members_announce_only_what_their_irr_data_registers(lab: LabExchange) -> None:
    lab.start_rtr()
    write_files(lab, m1_irr())
    assert lab.deploy() == 0
    lab.member(64501, M2[2], RECEIVER.format(asn=64501, v4=M2[2]))
    lab.member(64500, M1[2], announcer(64500, M1[2], M1_ROUTES))
    lab.member(64502, M3[2], announcer(64502, M3[2], {"23.8.0.0/24": ""}))
    m1 = session_name(*M1[:2], "ipv4")
    m3 = session_name(*M3[:2], "ipv4")
    wait_for(
        "the registered and the ROA-covered route at m2",
        lambda: {REGISTERED, ROA_ONLY} <= set(at_m2(lab)),
        timeout=60,
    )
    time.sleep(2)  # whatever else m1 and m3 sent has arrived by now
    received = lab.members[64501].routes("table", "master4", "protocol", "rs4")
    assert set(received) == {REGISTERED, ROA_ONLY}, set(received)
    assert (64511, 1000, 4) in received[REGISTERED].large_communities  # in the IRR
    assert (64511, 1000, 5) in received[ROA_ONLY].large_communities  # a ROA stood in
    filtered = lab.rs.routes("filtered", "protocol", m1)
    assert (64511, 1101, 14) in filtered[UNREGISTERED].large_communities
    assert (64511, 1101, 13) in filtered[FOREIGN].large_communities
    no_data = lab.rs.routes("filtered", "protocol", m3)
    assert (64511, 1101, 15) in no_data["23.8.0.0/24"].large_communities
    for prefix in (UNREGISTERED, FOREIGN, "23.8.0.0/24"):
        assert lab.imports(64501, prefix) == []  # never reached another member

    # The scheduled refresh adds the missing route object; once deployed, the route passes,
    # and the session was reloaded, not reset.
    since = lab.rs.protocol(m1)["since"]
    write_files(lab, m1_irr("23.40.0.0/16"))
    assert lab.deploy() == 0
    wait_for("the newly registered route at m2", lambda: UNREGISTERED in at_m2(lab), timeout=30)
    after = lab.rs.protocol(m1)
    assert "Established" in after["info"] and not was_reset(since, after["since"])

    # Without ROAs standing in for route objects, the ROA-only route goes.
    lab.extra = IRR.format(extra="  rpki_as_route_objects: false\n")
    lab.write_ix()
    assert lab.deploy() == 0
    wait_for("the ROA-only route withdrawn at m2", lambda: ROA_ONLY not in at_m2(lab), timeout=30)
    filtered = lab.rs.routes("filtered", "protocol", m1)
    assert (64511, 1101, 14) in filtered[ROA_ONLY].large_communities
