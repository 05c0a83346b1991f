"""Pure reconciliation: desired members and network from the files, diffed against live state."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ztix.models import Exchange, Peer
from ztix.zerotier.model import RULES, Member, normalise_network

Action = Literal["created", "updated", "deauthorized", "unchanged", "unmanaged"]


@dataclass(frozen=True, order=True)
class MemberChange:
    """What reconciliation does (or did) to one member."""

    node_id: str
    action: Action
    desired: Member | None
    live: Member | None
    detail: str = ""

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
        return "authorize" if self.desired.authorized else "deauthorize"


@dataclass(frozen=True)
class NetworkChange:
    """The keys of the network config that differ, with their desired values."""

    patch: dict[str, Any]
    exists: bool

    @property
    def writes(self) -> bool:
        """Whether the network needs a write call."""
        return bool(self.patch) or not self.exists


def rs_member_name(exchange: Exchange, rs_name: str) -> str:
    """The ZeroTier member name of a route server."""
    return f"AS{exchange.asn}-{rs_name}"


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
    """The network settings ZT-IX enforces: private, no auto-assignment, LAN routes, rules."""
    lan = exchange.peering_lan
    return normalise_network(
        {
            "name": exchange.name,
            "private": True,
            "enableBroadcast": True,  # ARP and IPv6 neighbour discovery need it
            "v4AssignMode": {"zt": False},
            "v6AssignMode": {"zt": False, "rfc4193": False, "6plane": False},
            "ipAssignmentPools": [],
            "routes": [{"target": str(p), "via": None} for p in (lan.ipv4, lan.ipv6) if p],
            "rules": list(RULES),
        }
    )


def plan_members(desired: dict[str, Member], live: Sequence[Member]) -> list[MemberChange]:
    """Every member's change, sorted by node id; unmanaged members are only reported."""
    live_by_id = {m.node_id: m for m in live}
    changes: list[MemberChange] = []
    for node, want in desired.items():
        have = live_by_id.get(node)
        if have is None:
            changes.append(MemberChange(node, "created", want, None))
        elif want.same_settings(have):
            changes.append(MemberChange(node, "unchanged", want, have))
        else:
            detail = "" if have.managed else f"takes over the member named {have.name!r}"
            action: Action = (
                "deauthorized" if have.authorized and not want.authorized else "updated"
            )
            changes.append(MemberChange(node, action, want, have, detail))
    for node, have in live_by_id.items():
        if node in desired:
            continue
        if not have.managed:
            changes.append(MemberChange(node, "unmanaged", None, have, "not in any peer file"))
            continue
        # Ours, but its peer file was removed: no access, no addresses; keep the name.
        gone = Member(node, have.name, False, ())
        if have.same_settings(gone):
            changes.append(MemberChange(node, "unchanged", gone, have, "removed earlier"))
        else:
            changes.append(MemberChange(node, "deauthorized", gone, have, "no peer file"))
    return sorted(changes)


def plan_network(desired: dict[str, Any], live: dict[str, Any] | None) -> NetworkChange:
    """The patch that makes the live network config what the files say."""
    if live is None:
        return NetworkChange(dict(desired), exists=False)
    have = normalise_network(live)
    return NetworkChange({k: v for k, v in desired.items() if have.get(k) != v}, exists=True)
