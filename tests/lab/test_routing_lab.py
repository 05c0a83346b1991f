"""Live routing lab: the rendered route-server config in real BIRD, real RTR, real members.

Topology (all in network namespaces made here; LAN 10.0.0.0/24 and fd00:1::/64):
    rs  (AS64511, 10.0.0.1)   route server running `ztix render` output, stayrtr on its loopback
    m1  (AS64500, 10.0.0.10)  announces one route per policy case (it runs `rs client` towards the
                              route server so that it can send paths a normal router would not)
    m2  (AS64501, 10.0.0.11)  receives; what arrives here is what the exchange lets through
    m3  (AS64502, 10.0.0.12)  max-prefix 3; later announces 5
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.birdtools import by_prefix, require
from tests.lab import netns
from tests.lab.daemons import Bird, Daemon, wait_for
from tests.lab.topology import (
    PEERS,
    ROAS,
    RS_ASN,
    lab_files,
    member_config,
    rs_config,
    slurm,
    statics,
    vrps,
)
from ztix.bird.routes import Route, parse_routes
from ztix.bird.text import was_reset
from ztix.render.routeserver import session_name

pytestmark = pytest.mark.lab

# prefix -> (why it must not arrive, the route server's reason code)
FILTERED_V4 = {
    "6.6.6.0/24": ("RPKI invalid: wrong origin", 9),
    "7.7.7.0/24": ("RPKI invalid: too specific", 9),
    "192.168.50.0/24": ("bogon", 1),
    "10.0.0.0/25": ("inside the IX LAN", 2),
    "23.2.2.0/24": ("next hop is another member", 8),
    "23.3.3.0/24": ("first AS is not the member", 5),
    "23.4.4.0/25": ("too long", 3),
    "22.0.0.0/7": ("too short", 4),
    "23.5.5.0/24": ("AS path too long", 7),
    "23.6.6.0/24": ("private ASN in the path", 6),
    "23.10.1.0/24": ("a transit-free network (AS3356) in the path", 11),
    "23.10.2.1/32": ("BLACKHOLE, rejected by default (RFC 7999)", 12),
}
# Routes the route server drops before any filter: m1 sends them with the OTC attribute, which a
# route from an RS client may not carry (RFC 9234 section 5, BGP role rs_server).
LEAKS_V4 = {"23.10.3.0/24": "bgp_otc = 64999;"}
ARRIVE_V4 = {"5.5.5.0/24": 1, "23.1.1.0/24": 2}  # prefix -> RPKI state tag (valid, unknown)
ARRIVE_V6 = {"2a0b:1:1::/48": 1, "2a0c:1:1::/48": 2}
FILTERED_V6 = {"2a0d:1:1::/48": ("RPKI invalid", 9)}

M1 = """\
log stderr all;
router id 10.0.0.10;
protocol device {{}}
protocol static s4 {{
  ipv4;
{routes4}
}}
protocol static s6 {{
  ipv6;
{routes6}
}}
filter out4 {{
  bgp_next_hop = 10.0.0.10;
  if net = 23.2.2.0/24 then bgp_next_hop = 10.0.0.11;
  if net = 23.3.3.0/24 then {{ bgp_path.prepend(64999); accept; }}
  if net = 23.5.5.0/24 then {{
{prepends}
  }}
  if net = 23.6.6.0/24 then bgp_path.prepend(64512);
  if net = 23.10.1.0/24 then bgp_path.prepend(3356);
  if net = 23.10.2.1/32 then bgp_community.add((65535, 666));
  if net = 23.10.3.0/24 then bgp_otc = 64999;
{control}
  bgp_path.prepend(64500);
  accept;
}}
filter out6 {{
  bgp_path.prepend(64500);
  accept;
}}
protocol bgp rs4 {{
  local 10.0.0.10 as 64500;
  neighbor 10.0.0.1 as 64511;
  rs client;
  connect delay time 1;
  ipv4 {{ import all; export filter out4; }};
}}
protocol bgp rs6 {{
  local fd00:1::10 as 64500;
  neighbor fd00:1::1 as 64511;
  rs client;
  connect delay time 1;
  ipv6 {{ import all; export filter out6; }};
}}
"""


# Announcement control (Euro-IX) and RFC 1997: prefix -> (what m1 attaches, reaches m2, reaches m3)
CONTROL = {
    "23.9.1.0/24": ("bgp_community.add((0, 64501));", False, True),  # not to AS64501
    "23.9.2.0/24": ("bgp_large_community.add((64511, 0, 64501));", False, True),  # same, large
    "23.9.3.0/24": (
        "bgp_community.add((0, 64511)); bgp_community.add((64511, 64502));",
        False,
        True,
    ),  # only to AS64502
    "23.9.4.0/24": ("bgp_large_community.add((64511, 0, 0));", False, False),  # to nobody
    "23.9.5.0/24": ("bgp_community.add((65535, 65281));", False, False),  # NO_EXPORT
    "23.9.6.0/24": ("bgp_community.add((65502, 64501));", True, True),  # prepend 2x to AS64501
    "23.9.7.0/24": ("bgp_community.add((65535, 0));", True, True),  # GRACEFUL_SHUTDOWN
}


def m1_config() -> str:
    routes4 = [*ARRIVE_V4, *FILTERED_V4, *CONTROL, *LEAKS_V4]
    routes6 = [*ARRIVE_V6, *FILTERED_V6]
    prepends = "\n".join("    bgp_path.prepend(64500);" for _ in range(40))
    control = "\n".join(
        f"  if net = {prefix} then {{ {action} }}" for prefix, (action, _, _) in CONTROL.items()
    )
    return M1.format(
        routes4=statics(routes4), routes6=statics(routes6), prepends=prepends, control=control
    )


@dataclass
class Lab:
    """Handles to the running lab."""

    workdir: Path
    rs: Bird
    rtr: Daemon
    members: dict[int, Bird]
    vrp_file: Path


def name(asn: int, family: str) -> str:
    return session_name(asn, PEERS[asn][0], family)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    netns.require_lab()
    require("bird")
    require("stayrtr")
    workdir = tmp_path_factory.mktemp("lab")
    netns.cleanup()  # leftovers of a crashed earlier run, by the names we own
    daemons: list[Daemon] = []
    try:
        lan = netns.Lan("rl")
        rs_ns = lan.add_router("rl-rs", ["10.0.0.1/24", "fd00:1::1/64"])
        ns = {
            asn: lan.add_router(f"rl-m{asn % 10}", [f"{v4}/24"] + ([f"{v6}/64"] if v6 else []))
            for asn, (_, v4, v6, _) in PEERS.items()
        }
        vrp_file = workdir / "vrps.json"
        vrp_file.write_text(vrps(ROAS))
        slurm_file = workdir / "slurm.json"
        slurm_file.write_text(slurm())
        rtr = Daemon(
            rs_ns,
            [
                "stayrtr",
                "-bind",
                "127.0.0.1:8323",
                "-cache",
                str(vrp_file),
                "-slurm",
                str(slurm_file),
                "-checktime=false",
                "-refresh",
                "2",
                "-protocol",
                "1",
                "-metrics.addr",
                "",
            ],
            workdir / "stayrtr.log",
        )
        daemons.append(rtr)
        wait_for("stayrtr to listen", lambda: _listening(rs_ns, 8323), timeout=15)
        config = workdir / "rs1.conf"
        config.write_text(rs_config(lab_files()))
        rs = Bird(rs_ns, config, workdir, "rs1")
        daemons.append(rs)
        # Members connect only once the ROA tables are loaded: before that, invalid routes would
        # be seen as unknown (LAB-NOTES: startup race).
        wait_for("ROAs in roa_v4 and roa_v6", lambda: _roas_loaded(rs), timeout=30)
        members: dict[int, Bird] = {}
        for asn, (_, v4, v6, _) in PEERS.items():
            text = (
                m1_config()
                if asn == 64500
                else member_config(
                    asn, v4, v6, ["23.7.7.0/24"] if asn == 64501 else ["23.8.0.0/24", "23.8.1.0/24"]
                )
            )
            path = workdir / f"m{asn}.conf"
            path.write_text(text)
            members[asn] = Bird(ns[asn], path, workdir, f"m{asn}")
            daemons.append(members[asn])
        expected = [
            name(64500, "ipv4"),
            name(64500, "ipv6"),
            name(64501, "ipv4"),
            name(64501, "ipv6"),
            name(64502, "ipv4"),
        ]
        wait_for(
            "all sessions Established",
            lambda: all("Established" in rs.protocol(n)["info"] for n in expected),
            timeout=60,
        )
        yield Lab(workdir, rs, rtr, members, vrp_file)
    finally:
        for daemon in reversed(daemons):
            daemon.stop()
        netns.cleanup()


def _roas_loaded(rs: Bird) -> bool:
    v4 = rs.cmd("show", "route", "table", "roa_v4", "count")
    v6 = rs.cmd("show", "route", "table", "roa_v6", "count")
    # the lab's ROAs plus the sentinel ROA of each family (SLURM)
    return "\n4 of 4 routes" in v4 and "\n3 of 3 routes" in v6


def _listening(ns: str, port: int) -> bool:
    out = netns.run("ip", "netns", "exec", ns, "ss", "-Hltn", f"sport = :{port}").stdout
    return bool(out.strip())


def _received(lab: Lab, family: str) -> dict[str, Route]:
    table = "master4" if family == "ipv4" else "master6"
    return lab.members[64501].routes("table", table, "protocol", f"rs{family[-1]}")


def test_valid_and_unknown_routes_arrive_tagged(lab: Lab) -> None:
    for family, expected in (("ipv4", ARRIVE_V4), ("ipv6", ARRIVE_V6)):

        def arrived(f: str = family, e: dict[str, int] = expected) -> dict[str, Route] | None:
            routes = _received(lab, f)
            return routes if set(e) <= set(routes) else None

        got = wait_for(f"{family} routes at m2", arrived)
        for prefix, state in expected.items():
            assert (RS_ASN, 1000, state) in got[prefix].large_communities, got[prefix]
            assert got[prefix].path == (64500,)  # transparent (RFC 7947): no RS ASN
            # RFC 9234: the route server (role rs_server) marks routes to its clients with OTC.
            assert got[prefix].get("bgp_otc") == str(RS_ASN), got[prefix]


def test_members_never_receive_a_link_local_next_hop(lab: Lab) -> None:
    """m1 sends its global and its link-local address (a direct IPv6 session does); members get
    only the global one, which works over ZeroTier (fe80:: fails its ipauth rule)."""
    sent = by_prefix(
        parse_routes(
            lab.rs.cmd("show", "route", "import", "table", f"{name(64500, 'ipv6')}.ipv6", "all")
        )
    )
    for prefix in ARRIVE_V6:
        hops = sent[prefix].next_hops
        assert hops[0] == "fd00:1::10" and any(h.startswith("fe80:") for h in hops[1:]), hops
    received = _received(lab, "ipv6")
    for prefix in ARRIVE_V6:
        assert received[prefix].next_hops == ("fd00:1::10",), received[prefix]


def test_the_route_server_speaks_bgp_role_rs_server(lab: Lab) -> None:
    """RFC 9234: members that set `local role rs_client` see the role; a route that arrives from
    a client already marked with OTC is a leak and is dropped before the import filter."""
    m2 = lab.members[64501].cmd("show", "protocols", "all", "rs4")
    neighbor = m2.split("Neighbor capabilities", 1)[1]
    assert "Role: rs_server" in neighbor.split("Session:", 1)[0], m2
    time.sleep(1)
    for prefix in LEAKS_V4:
        assert prefix not in _received(lab, "ipv4")
        assert prefix not in lab.rs.routes("protocol", name(64500, "ipv4"))
        assert prefix not in lab.rs.routes("filtered", "protocol", name(64500, "ipv4"))


def test_rejected_routes_do_not_arrive_and_carry_their_reason(lab: Lab) -> None:
    time.sleep(1)  # everything m1 sent has had time to arrive, so absence means filtered
    for family, filtered in (("ipv4", FILTERED_V4), ("ipv6", FILTERED_V6)):
        received = _received(lab, family)
        leaked = {p: why for p, (why, _) in filtered.items() if p in received}
        assert not leaked, f"leaked to members: {leaked}"
        kept = lab.rs.routes("filtered", "protocol", name(64500, family))
        for prefix, (why, code) in filtered.items():
            assert prefix in kept, f"{prefix} ({why}) is not kept as filtered on the route server"
            assert (RS_ASN, 1101, code) in kept[prefix].large_communities, (why, kept[prefix])


def test_route_server_itself_accepts_only_the_good_routes(lab: Lab) -> None:
    accepted = lab.rs.routes("table", "master4", "protocol", name(64500, "ipv4"))
    assert set(accepted) == set(ARRIVE_V4) | set(CONTROL)


def test_announcement_control_and_well_known_communities(lab: Lab) -> None:
    def at(asn: int) -> dict[str, Route]:
        return lab.members[asn].routes("table", "master4", "protocol", "rs4")

    wait_for("control routes at m3", lambda: "23.9.1.0/24" in at(64502), timeout=30)
    time.sleep(1)
    m2, m3 = at(64501), at(64502)
    for prefix, (_, to_m2, to_m3) in CONTROL.items():
        assert (prefix in m2) == to_m2, (prefix, "m2", m2.get(prefix))
        assert (prefix in m3) == to_m3, (prefix, "m3", m3.get(prefix))
    # Prepended twice towards AS64501 only; the control community itself is stripped.
    assert m2["23.9.6.0/24"].path == (64500, 64500, 64500)
    assert m3["23.9.6.0/24"].path == (64500,)
    assert all(high != 65502 for high, _ in m2["23.9.6.0/24"].communities)
    assert (64511, 0, 64501) not in m3["23.9.2.0/24"].large_communities
    assert (0, 64501) not in m3["23.9.1.0/24"].communities
    # RFC 8326: the route server prefers every alternative to a route in graceful shutdown.
    on_rs = lab.rs.routes("table", "master4", "protocol", name(64500, "ipv4"))
    assert on_rs["23.9.7.0/24"].local_pref == 0
    assert on_rs["23.9.6.0/24"].local_pref == 100


def test_roa_change_withdraws_without_session_reset(lab: Lab) -> None:
    before = lab.rs.protocol(name(64500, "ipv4"))["since"]
    roas = [r if r[0] != "5.5.0.0/16" else ("5.5.0.0/16", 24, 64999) for r in ROAS]
    lab.vrp_file.write_text(vrps(roas))
    lab.rtr.signal(signal.SIGHUP)
    wait_for(
        "5.5.5.0/24 withdrawn at m2", lambda: "5.5.5.0/24" not in _received(lab, "ipv4"), timeout=30
    )
    kept = lab.rs.routes("filtered", "protocol", name(64500, "ipv4"))
    assert (RS_ASN, 1101, 9) in kept["5.5.5.0/24"].large_communities
    after = lab.rs.protocol(name(64500, "ipv4"))
    assert not was_reset(before, after["since"]) and "Established" in after["info"]


def test_adding_a_peer_leaves_other_sessions_alone(lab: Lab) -> None:
    watched = [name(64500, "ipv4"), name(64500, "ipv6"), name(64501, "ipv4")]
    before = {n: lab.rs.protocol(n)["since"] for n in watched}
    text = rs_config(lab_files({64503: ("a000000004", "10.0.0.13", None, "ipv4: 5")}))
    lab.rs.config.write_text(text)
    reply = lab.rs.cmd("configure")
    assert "Reconfigured" in reply, reply
    assert lab.rs.protocol(session_name(64503, "a000000004", "ipv4"))["state"] in {"start", "up"}
    time.sleep(1)
    after = {n: lab.rs.protocol(n) for n in watched}
    assert not [n for n, a in after.items() if was_reset(before[n], a["since"])]
    assert all("Established" in a["info"] for a in after.values())


def test_exceeding_max_prefix_shuts_the_session(lab: Lab) -> None:
    session = name(64502, "ipv4")
    assert "Established" in lab.rs.protocol(session)["info"]
    m3 = lab.members[64502]
    routes = [f"23.8.{i}.0/24" for i in range(5)]
    m3.config.write_text(member_config(64502, "10.0.0.12", None, routes))
    assert "Reconfigured" in m3.cmd("configure")

    def shut() -> dict[str, str] | None:
        protocol = lab.rs.protocol(session)
        return protocol if protocol["state"] == "down" else None

    state = wait_for("the session to be shut", shut, timeout=30)
    assert "limit" in state["all"].lower(), state["all"]
    time.sleep(3)  # no restart loop: it stays down
    assert lab.rs.protocol(session)["state"] == "down"
