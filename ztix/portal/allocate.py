"""Peering address allocation: the lowest free addresses in the LAN (pure)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from ztix.models import Exchange, Peer

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class LanFull(Exception):
    """No free address is left in a peering LAN prefix."""


def used_addresses(exchange: Exchange, peers: Iterable[Peer]) -> set[Address]:
    """Addresses taken by route servers and peers (pass main and every open change)."""
    used: set[Address] = set()
    for rs in exchange.route_servers:
        used.update(a for a in (rs.ipv4, rs.ipv6) if a is not None)
    for peer in peers:
        used.update(peer.addresses())
    return used


def lowest_free(
    network: ipaddress.IPv4Network | ipaddress.IPv6Network, used: set[Address]
) -> Address:
    """The lowest host address of `network` that is not in `used` (never the network address)."""
    first = int(network.network_address) + 1
    last = int(network.broadcast_address) - (1 if network.version == 4 else 0)
    candidate = first
    taken = sorted(int(a) for a in used if a in network)
    for value in taken:
        if value < candidate:
            continue
        if value > candidate:
            break
        candidate += 1
    if candidate > last:
        raise LanFull(f"no free address left in {network}")
    return ipaddress.ip_address(candidate)
