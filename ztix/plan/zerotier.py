"""Pure reconciliation: desired members and network from the files, diffed against live state.

The exchange network holds only what the files describe. A member that no peer file, route
server or operator node names is deauthorized and its addresses cleared, whatever its name: the
controller issues an authorized member a certificate for each address it holds, and the
`ipauth` rule then lets it use that address, so an unknown authorized node on the LAN is an
incident, not a curiosity. A node that merely asked to join (unauthorized, no addresses) is
left waiting.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from ztix.models import Exchange, Peer
from ztix.ports.zerotier import Member

# Port security, as a physical exchange has it (ZeroTier rules engine, 1.14):
# 1. drop every frame that is not IPv4, ARP or IPv6;
# 2. drop frames whose sender IP is not one the controller assigned to the sender ("ipauth",
#    characteristic bit 0x8000000000000000), so no member can use another member's address.
ETHERTYPES = (2048, 2054, 34525)  # IPv4, ARP, IPv6
IPAUTH_MASK = "1000000000000000"
RULES: tuple[dict[str, Any], ...] = (
    *(
        {"type": "MATCH_ETHERTYPE", "not": True, "or": False, "etherType": ethertype}
        for ethertype in ETHERTYPES
    ),
    {"type": "ACTION_DROP"},
    {"type": "MATCH_CHARACTERISTICS", "not": True, "or": False, "mask": IPAUTH_MASK},
    {"type": "ACTION_DROP"},
    {"type": "ACTION_ACCEPT"},
)


def normalise_rules(rules: Any) -> list[dict[str, Any]]:
    """Rules in a comparable form: masks as 16 hex digits, default flags filled in."""
    out = []
    for rule in rules or ():
        item = dict(rule)
        if item.get("type", "").startswith("MATCH_"):
            item.setdefault("not", False)
            item.setdefault("or", False)
        if "mask" in item:
            mask = item["mask"]
            item["mask"] = f"{mask:016x}" if isinstance(mask, int) else str(mask).lower().zfill(16)
        out.append(item)
    return out


def normalise_routes(routes: Any) -> list[dict[str, Any]]:
    """Managed routes sorted by target, `via` explicit."""
    out = [
        {"target": str(ipaddress.ip_network(r["target"], strict=False)), "via": r.get("via")}
        for r in routes or ()
    ]
    return sorted(out, key=lambda r: r["target"])


def normalise_dns(dns: Any) -> dict[str, Any]:
    """DNS pushed to members: {domain, servers}; the controller reports 'none' as [] (recorded
    response 11), Central as null or an object with empty fields."""
    if not isinstance(dns, dict):
        return {"domain": "", "servers": []}
    servers = dns.get("servers") or []
    return {"domain": str(dns.get("domain") or ""), "servers": sorted(str(s) for s in servers)}


# Network keys ZT-IX sets, and how to compare each; anything else on the network is left alone.
_PLAIN_KEYS = ("name", "private", "enableBroadcast", "mtu", "multicastLimit")


def normalise_network(config: dict[str, Any]) -> dict[str, Any]:
    """The keys ZT-IX manages of a network config, normalised for comparison."""
    out: dict[str, Any] = {}
    for key in _PLAIN_KEYS:
        if key in config:
            out[key] = config[key]
    if "v4AssignMode" in config:
        mode = config["v4AssignMode"]
        out["v4AssignMode"] = (
            {"zt": mode == "zt"} if isinstance(mode, str) else {"zt": bool(mode.get("zt"))}
        )
    if "v6AssignMode" in config:
        mode = config["v6AssignMode"] or {}
        out["v6AssignMode"] = {k: bool(mode.get(k)) for k in ("zt", "rfc4193", "6plane")}
    if "ipAssignmentPools" in config:
        out["ipAssignmentPools"] = sorted(
            (
                {"ipRangeStart": p["ipRangeStart"], "ipRangeEnd": p["ipRangeEnd"]}
                for p in config["ipAssignmentPools"] or ()
            ),
            key=lambda p: (p["ipRangeStart"], p["ipRangeEnd"]),
        )
    if "routes" in config:
        out["routes"] = normalise_routes(config["routes"])
    if "rules" in config:
        out["rules"] = normalise_rules(config["rules"])
    if "dns" in config:
        out["dns"] = normalise_dns(config["dns"])
    for key in ("capabilities", "tags"):
        if key in config:
            out[key] = list(config[key] or [])
    return out


# The names ZT-IX gives members: peers "AS<asn>", route servers "AS<rs-asn>-<name>". A node with
# such a name that no file lists any more was a member whose file was removed: its BGP session
# goes first (route servers), its access after. Any other unknown node loses its access at once.
OUR_NAME = re.compile(r"AS[0-9]{1,10}(?:-[a-z][a-z0-9_]{0,31})?")

Action = Literal["created", "updated", "deauthorized", "unchanged", "waiting", "absent"]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, order=True)
class MemberChange:
    """What reconciliation does (or did) to one member."""

    node_id: str
    action: Action
    desired: Member | None
    live: Member | None
    detail: str = ""
    # An incident: a node no file names (and ZT-IX never named) holding peering-LAN addresses.
    # Apply repairs it, but someone must look: such a node could use those addresses.
    incident: str = ""
    # Not a member of the exchange (no file names it): it has no BGP session to wind down
    # first, so it loses its access before the route servers change, not after.
    stranger: bool = False

    @property
    def writes(self) -> bool:
        """Whether this change needs a write call."""
        return self.action in ("created", "updated", "deauthorized")

    @property
    def phase(self) -> Literal["authorize", "deauthorize", "none"]:
        """Authorizations run before route servers change; deauthorizations after."""
        if not self.writes:
            return "none"
        assert self.desired is not None
        return "authorize" if self.desired.authorized or self.stranger else "deauthorize"

    def transition(self) -> str:
        """`live -> desired` in words, for plans and drift reports."""
        live = self.live.describe() if self.live else "not on the network"
        desired = self.desired.describe() if self.desired else "left alone"
        return f"{live} -> {desired}"


@dataclass(frozen=True)
class NetworkChange:
    """The keys of the network config that differ, with their desired and live values."""

    patch: dict[str, Any]
    exists: bool
    live: dict[str, Any] | None = None

    @property
    def writes(self) -> bool:
        """Whether the network needs a write call."""
        return bool(self.patch) or not self.exists


def rs_member_name(exchange: Exchange, rs_name: str) -> str:
    """The ZeroTier member name of a route server."""
    return f"AS{exchange.asn}-{rs_name}"


def lan_prefixes(exchange: Exchange) -> tuple[Network, ...]:
    """The peering LAN's prefixes."""
    lan = exchange.peering_lan
    return tuple(p for p in (lan.ipv4, lan.ipv6) if p is not None)


def desired_members(exchange: Exchange, peers: Iterable[Peer]) -> dict[str, Member]:
    """Node id -> what the member must look like, for every route server and peer router."""
    wanted: dict[str, Member] = {}
    for rs in exchange.route_servers:
        ips = tuple(str(a) for a in (rs.ipv4, rs.ipv6) if a is not None)
        wanted[rs.zerotier_node_id] = Member(
            rs.zerotier_node_id, rs_member_name(exchange, rs.name), True, ips
        )
    for peer in peers:
        for connection in peer.connections:
            ips = tuple(str(a) for a in (connection.ipv4, connection.ipv6) if a is not None)
            node = connection.zerotier_node_id
            # A suspended member stays named (so it stays ours) but loses access and addresses.
            wanted[node] = Member(node, f"AS{peer.asn}", peer.active, ips if peer.active else ())
    return wanted


def desired_network(exchange: Exchange) -> dict[str, Any]:
    """The network settings ZT-IX enforces (every one of them compared and, if need be, set)."""
    return normalise_network(
        {
            "name": exchange.name,
            "private": True,
            "enableBroadcast": True,  # ARP and IPv6 neighbour discovery need it
            "mtu": exchange.zerotier.mtu,
            "multicastLimit": exchange.zerotier.multicast_limit,
            "v4AssignMode": {"zt": False},
            "v6AssignMode": {"zt": False, "rfc4193": False, "6plane": False},
            "ipAssignmentPools": [],
            "routes": [{"target": str(p), "via": None} for p in lan_prefixes(exchange)],
            "rules": list(RULES),
            "dns": {"domain": "", "servers": []},  # members resolve names their own way
            "capabilities": [],
            "tags": [],
        }
    )


def _in_lan(ip: str, lan: Sequence[Network]) -> bool:
    address = ipaddress.ip_address(ip)
    return any(address in prefix for prefix in lan)


def _change(node: str, want: Member, have: Member | None, detail: str = "") -> MemberChange:
    if have is None:
        if not want.authorized:  # suspended and never on the network: nothing to write
            return MemberChange(node, "absent", want, None, detail or "not on the network")
        return MemberChange(node, "created", want, None, detail)
    if want.same_settings(have) or (
        not want.authorized and not have.authorized and not have.ip_assignments
    ):
        return MemberChange(node, "unchanged", want, have, detail)
    action: Action = "deauthorized" if have.authorized and not want.authorized else "updated"
    if have.name and have.name != want.name and not detail:
        detail = f"takes over the member named {have.name!r}"
    return MemberChange(node, action, want, have, detail)


def plan_members(
    desired: dict[str, Member],
    live: Sequence[Member],
    *,
    operators: dict[str, str] | None = None,
    lan: Sequence[Network] = (),
) -> list[MemberChange]:
    """Every member's change, sorted by node id.

    `operators`: node id -> name of the operator's own nodes, which keep their authorization but
    never a peering-LAN address. Every other member no file names is deauthorized and cleared.
    """
    live_by_id = {m.node_id: m for m in live}
    operators = operators or {}
    changes = [_change(node, want, live_by_id.get(node)) for node, want in desired.items()]
    for node, have in live_by_id.items():
        if node in desired:
            continue
        on_lan = [ip for ip in have.ip_assignments if lan and _in_lan(ip, lan)]
        if node in operators:
            want = replace(
                have, ip_assignments=tuple(ip for ip in have.ip_assignments if ip not in on_lan)
            )
            change = _change(node, want, have, f"operator node {operators[node]}")
            incident = (
                f"operator node {node} ({operators[node]}) holds peering-LAN addresses "
                f"{' '.join(on_lan)}; apply removes them"
                if on_lan
                else ""
            )
            changes.append(replace(change, incident=incident, stranger=True))
            continue
        if not have.authorized and not have.ip_assignments:
            named = f" (named {have.name!r})" if have.name else ""
            changes.append(
                MemberChange(node, "waiting", None, have, f"asked to join; no file names it{named}")
            )
            continue
        gone = Member(node, have.name, False, ())
        what = f"named {have.name!r}" if have.name else "unnamed"
        # A name ZT-IX gives (AS<asn>, AS<rs-asn>-<name>) means a member whose file was removed:
        # its deauthorization is a member leaving, not an incident. Only a node ZT-IX never
        # named that holds peering-LAN addresses is one.
        stranger = not OUR_NAME.fullmatch(have.name)
        incident = (
            f"node {node} ({what}) is authorized with peering-LAN addresses "
            f"{' '.join(on_lan)} but no peer file or ix.yaml names it; apply deauthorizes it"
            if on_lan and have.authorized and stranger
            else ""
        )
        detail = f"in no file ({what})" if stranger else f"left: its file was removed ({what})"
        changes.append(MemberChange(node, "deauthorized", gone, have, detail, incident, stranger))
    return sorted(changes)


def plan_network(desired: dict[str, Any], live: dict[str, Any] | None) -> NetworkChange:
    """The patch that makes the live network config what the files say."""
    if live is None:
        return NetworkChange(dict(desired), exists=False)
    have = normalise_network(live)
    patch = {k: v for k, v in desired.items() if have.get(k) != v}
    return NetworkChange(patch, exists=True, live={k: have.get(k) for k in patch})
