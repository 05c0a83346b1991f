"""The IX-F member export (Euro-IX JSON schema 1.0) from the exchange and its peer files (pure:
the same files and timestamp give the same bytes; the caller passes the commit time)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ztix.errors import SettingsError
from ztix.models import Exchange, Peer

SCHEMA_VERSION = "1.0"


def _contacts(exchange: Exchange) -> dict[str, Any]:
    ixf = exchange.ixf
    fields = {
        "url": ixf.website,
        "country": ixf.country,
        "peeringdb_id": ixf.peeringdb_id,
        "support_email": ixf.support_email,
        "support_phone": ixf.support_phone,
        "support_contact_hours": ixf.support_contact_hours,
        "emergency_email": ixf.emergency_email,
        "emergency_phone": ixf.emergency_phone,
        "emergency_contact_hours": ixf.emergency_contact_hours,
    }
    return {key: value for key, value in fields.items() if value is not None}


def _vlan(exchange: Exchange) -> dict[str, Any]:
    lan = exchange.peering_lan
    vlan: dict[str, Any] = {"id": exchange.ixf.vlan_id, "name": "peering LAN"}
    for family, net in (("ipv4", lan.ipv4), ("ipv6", lan.ipv6)):
        if net is not None:
            vlan[family] = {"prefix": str(net.network_address), "mask_length": net.prefixlen}
    return vlan


def _services(exchange: Exchange, family: str) -> list[dict[str, str]]:
    """The route servers reachable over `family`, as IX-F `ixrouteserver` services."""
    return [
        {
            "type": "ixrouteserver",
            "daemon": "BIRD",
            "daemon_version": rs.bird.version,  # the BIRD series ix.yaml renders for
        }
        for rs in exchange.route_servers
        if getattr(rs, family) is not None
    ]


def _member(exchange: Exchange, peer: Peer) -> dict[str, Any]:
    policy = exchange.policy
    limits = {
        "ipv4": peer.max_prefix.ipv4 or policy.ipv4.max_prefix_default,
        "ipv6": peer.max_prefix.ipv6 or policy.ipv6.max_prefix_default,
    }
    connections = []
    for connection in peer.connections:
        vlan: dict[str, Any] = {"vlan_id": exchange.ixf.vlan_id}
        for family in ("ipv4", "ipv6"):
            address = getattr(connection, family)
            if address is None:
                continue
            entry: dict[str, Any] = {
                "address": str(address),
                "max_prefix": limits[family],
                "routeserver": True,  # every member peers with the route servers here
                "services": _services(exchange, family),
            }
            if peer.as_set:
                entry["as_macro"] = " ".join(peer.as_set)
            vlan[family] = entry
        connections.append({"ixp_id": exchange.ixf.ixp_id, "state": "active", "vlan_list": [vlan]})
    return {
        "asnum": peer.asn,
        "member_type": "peering",
        "name": peer.name,
        "connection_list": connections,
    }


def ixf_export(exchange: Exchange, peers: Sequence[Peer], timestamp: str) -> dict[str, Any]:
    """The export document: the exchange and its active members, sorted by ASN."""
    if exchange.ixf.ixf_id is None:
        raise SettingsError(
            "ix.yaml: ixf.ixf_id is not set; the IX-F export needs the exchange's id in the "
            "IX-F database (IXPDB, https://ixpdb.euro-ix.net): register the exchange there"
        )
    ixp = {
        "ixp_id": exchange.ixf.ixp_id,
        "ixf_id": exchange.ixf.ixf_id,
        "shortname": exchange.name,
        "name": exchange.name,
        **_contacts(exchange),
        "vlan": [_vlan(exchange)],
    }
    members = [_member(exchange, p) for p in sorted(peers, key=lambda p: p.asn) if p.active]
    return {
        "version": SCHEMA_VERSION,
        "timestamp": timestamp,
        "ixp_list": [ixp],
        "member_list": members,
    }


def ixf_text(document: dict[str, Any]) -> str:
    """The document as JSON text: sorted keys, two-space indent, a final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
