"""What an approved member needs to connect: the ZeroTier join command, its addresses, the route
servers, and ready-to-paste router configuration for BIRD 2 and FRR (pure, from templates)."""

from __future__ import annotations

from dataclasses import dataclass

from ztix.models import Exchange, Peer
from ztix.render.templates import TemplateSet, render_template, shipped

SNIPPETS = {"bird": "portal/snippets/bird.conf.j2", "frr": "portal/snippets/frr.conf.j2"}


@dataclass(frozen=True)
class SnippetSession:
    """One session the member's router opens to a route server."""

    rs: str
    family: str  # ipv4 | ipv6
    local: str
    neighbor: str

    @property
    def family_short(self) -> str:
        """v4 or v6."""
        return self.family.replace("ip", "")


@dataclass(frozen=True)
class ConnectInfo:
    """Everything the status page of an approved member shows for connecting."""

    network_id: str | None  # None: the controller derives it; the admins tell it
    join_command: str | None
    addresses: tuple[tuple[str, str, str], ...]  # (node id, "IPv4"/"IPv6", address/len)
    route_servers: tuple[tuple[str, str], ...]  # (name, addresses)
    rs_asn: int
    snippets: dict[str, str]


def _sessions(exchange: Exchange, peer: Peer) -> list[SnippetSession]:
    out = []
    first = peer.connections[0]  # one router's config; others take the same with their address
    for rs in exchange.route_servers:
        for family in ("ipv4", "ipv6"):
            local, neighbor = getattr(first, family), getattr(rs, family)
            if local is not None and neighbor is not None:
                out.append(SnippetSession(rs.name, family, str(local), str(neighbor)))
    return out


def connect_info(
    exchange: Exchange, peer: Peer, templates: TemplateSet | None = None
) -> ConnectInfo:
    """The connect section for `peer` (templates: the repository's, else the shipped ones)."""
    env = (templates or shipped()).environment(trusted=(SnippetSession,))
    sessions = _sessions(exchange, peer)
    values = {
        "ix": {"name": exchange.name, "asn": exchange.asn},
        "asn": peer.asn,
        "sessions": sessions,
        "families": sorted({s.family for s in sessions}),
        "hold": peer.bgp.hold_time or exchange.bgp.hold_time,
        "keepalive": peer.bgp.keepalive_time or exchange.bgp.keepalive_time,
        # Back within seconds after an outage, as the route servers are (README "Sessions").
        "connect_delay": exchange.bgp.connect_delay_time,
        "connect_retry": exchange.bgp.connect_retry_time,
        "error_wait": exchange.bgp.error_wait_time,
        "role": exchange.bgp.role,
    }
    snippets = {name: render_template(env, path, values) for name, path in SNIPPETS.items()}
    lan = exchange.peering_lan
    addresses = []
    for connection in peer.connections:
        for label, value, net in (
            ("IPv4", connection.ipv4, lan.ipv4),
            ("IPv6", connection.ipv6, lan.ipv6),
        ):
            if value is not None and net is not None:
                addresses.append((connection.zerotier_node_id, label, f"{value}/{net.prefixlen}"))
    network_id = exchange.zerotier.network_id
    return ConnectInfo(
        network_id=network_id,
        join_command=f"zerotier-cli join {network_id}" if network_id else None,
        addresses=tuple(addresses),
        route_servers=tuple(
            (rs.name, " ".join(str(a) for a in (rs.ipv4, rs.ipv6) if a is not None))
            for rs in exchange.route_servers
        ),
        rs_asn=exchange.asn,
        snippets=snippets,
    )
