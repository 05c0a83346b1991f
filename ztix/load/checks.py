"""Cross-file rules: what no single file can know about itself."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ztix.errors import Problem
from ztix.load.document import Loc, format_loc
from ztix.models import Exchange, Peer
from ztix.models.fields import asn_kind

if TYPE_CHECKING:
    from ztix.load.located import Located

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def check_repository(
    exchange: Located[Exchange] | None, peers: Sequence[Located[Peer]]
) -> list[Problem]:
    """Every cross-file problem; `exchange` may be None when ix.yaml itself failed to load."""
    problems = list(_peer_files(peers))
    claims = _Claims()
    if exchange is not None:
        problems += _exchange(exchange, claims)
    for peer in peers:
        problems += _peer(exchange, peer, claims)
    return problems


def _peer_files(peers: Sequence[Located[Peer]]) -> Iterator[Problem]:
    """File names match ASNs, and each ASN has one file."""
    seen: dict[int, str] = {}
    for located in peers:
        peer = located.model
        name = located.path.rsplit("/", 1)[-1]
        # A name that is not even AS<digits>.yaml was reported by the loader already.
        if name != f"AS{peer.asn}.yaml" and re.fullmatch(r"AS[1-9][0-9]*\.yaml", name):
            yield located.problem(
                ("asn",),
                f"AS{peer.asn} does not match the file name {name}",
                f"rename the file to AS{peer.asn}.yaml or correct asn",
            )
        if peer.asn in seen:
            yield located.problem(("asn",), f"AS{peer.asn} already has a file: {seen[peer.asn]}")
        else:
            seen[peer.asn] = located.path


class _Claims:
    """First owner of each unique thing (node id, address, router id), to name both in duplicates.

    A duplicate is reported in both files, each pointing at its own field: whichever file is
    the newcomer, its author and the reviewer see where the value is already used.
    """

    def __init__(self) -> None:
        self.owners: dict[tuple[str, object], tuple[Located[Exchange] | Located[Peer], Loc]] = {}

    def claim(
        self, kind: str, value: object, located: Located[Exchange] | Located[Peer], loc: Loc
    ) -> Iterator[Problem]:
        """Record `value` for `located` at `loc`; problems in both files if it was taken."""
        key = (kind, value)
        earlier = self.owners.get(key)
        if earlier is None:
            self.owners[key] = (located, loc)
            return
        first, first_loc = earlier
        yield located.problem(loc, f"{value} is already used by {_where(first, first_loc)}")
        yield first.problem(first_loc, f"{value} is also used by {_where(located, loc)}")


def _where(located: Located[Exchange] | Located[Peer], loc: Loc) -> str:
    line, _ = located.source.where(loc)
    return f"{located.path}:{line} ({format_loc(loc)})"


def _kind_refusal(exchange: Exchange, asn: int) -> str | None:
    """Why the policy takes no such ASN ('is a private ASN ...'), or None."""
    kind = asn_kind(asn)
    if kind == "documentation" and not exchange.policy.allow_documentation_asns:
        return "is a documentation ASN (RFC 5398)"
    if kind == "private" and not exchange.policy.allow_private_asns:
        return "is a private ASN (RFC 6996)"
    return None


def asn_refusal(exchange: Exchange, asn: int) -> str | None:
    """Why the exchange takes no member with this ASN (its kind, or admission), or None."""
    return _kind_refusal(exchange, asn) or exchange.admission.refusal(asn)


def _lan_problem(exchange: Exchange, address: Address) -> str | None:
    lan = exchange.peering_lan.ipv4 if address.version == 4 else exchange.peering_lan.ipv6
    if lan is None:
        return f"the peering LAN has no IPv{address.version} prefix in ix.yaml"
    if address not in lan:
        return f"{address} is outside the peering LAN {lan}"
    if address == lan.network_address:
        return f"{address} is the network address of {lan}"
    if isinstance(lan, ipaddress.IPv4Network) and address == lan.broadcast_address:
        return f"{address} is the broadcast address of {lan}"
    return None


def _unique(
    located: Located[Exchange] | Located[Peer], claims: _Claims, kind: str, value: object, loc: Loc
) -> Iterator[Problem]:
    """Problems if `value` of `kind` was already claimed elsewhere; otherwise claim it."""
    yield from claims.claim(kind, value, located, loc)


def _address(
    located: Located[Exchange] | Located[Peer],
    exchange: Exchange | None,
    claims: _Claims,
    address: Address,
    loc: Loc,
) -> Iterator[Problem]:
    """An address is inside the LAN, not its network or broadcast address, and used once."""
    if exchange is not None and (why := _lan_problem(exchange, address)) is not None:
        yield located.problem(loc, why)
    else:
        yield from _unique(located, claims, "ip", address, loc)


def _blackhole(located: Located[Exchange]) -> Iterator[Problem]:
    """Blackholes pass only for space the member itself registered in the IRR (RFC 7999
    section 3.2: only the holder of a prefix may ask to drop traffic to it)."""
    exchange = located.model
    if exchange.policy.blackhole != "propagate":
        return
    if not exchange.irr.enabled:
        yield located.problem(
            ("policy", "blackhole"),
            "propagate needs IRR filtering: a BLACKHOLE passes only for space the member "
            "registered (RPKI alone cannot tell its /32 from a hijack: both are invalid)",
            "turn IRR filtering on (irr: servers and sources), or set blackhole: reject",
        )
    elif not exchange.irr.more_specifics:
        yield located.problem(
            ("policy", "blackhole"),
            "propagate needs irr.more_specifics: a BLACKHOLE is a more-specific of a "
            "registered prefix",
            "set irr.more_specifics: true, or blackhole: reject",
        )


def _exchange(located: Located[Exchange], claims: _Claims) -> Iterator[Problem]:
    exchange = located.model
    if why := _kind_refusal(exchange, exchange.asn):
        yield located.problem(
            ("asn",),
            f"AS{exchange.asn} {why}",
            "set policy.allow_documentation_asns or "
            "policy.allow_private_asns only for a lab or example exchange",
        )
    canaries = [rs.name for rs in exchange.route_servers if rs.canary]
    for index, rs in enumerate(exchange.route_servers):
        base: Loc = ("route_servers", index)
        yield from _unique(located, claims, "rs-name", rs.name, (*base, "name"))
        yield from _unique(located, claims, "rid", rs.router_id, (*base, "router_id"))
        yield from _unique(
            located, claims, "node", rs.zerotier_node_id, (*base, "zerotier_node_id")
        )
        if rs.canary and len(canaries) > 1:
            yield located.problem(
                (*base, "canary"),
                f"only one route server may be the canary ({', '.join(canaries)})",
            )
        for family in ("ipv4", "ipv6"):
            address = getattr(rs, family)
            lan = getattr(exchange.peering_lan, family)
            if address is not None:
                yield from _address(located, exchange, claims, address, (*base, family))
            elif lan is not None:
                yield located.problem(base, f"needs an {family} address: the peering LAN has {lan}")
    yield from _blackhole(located)
    hop = exchange.policy.blackhole_next_hop
    for family in ("ipv4", "ipv6"):
        address = getattr(hop, family)
        if address is not None:
            loc: Loc = ("policy", "blackhole_next_hop", family)
            yield from _address(located, exchange, claims, address, loc)
    for index, node in enumerate(exchange.zerotier.operator_nodes):
        where: Loc = ("zerotier", "operator_nodes", index, "node_id")
        yield from _unique(located, claims, "node", node.node_id, where)
    seen_rtr: set[str] = set()
    for index, rtr in enumerate(exchange.rpki.rtr_servers):
        if rtr.name in seen_rtr:
            yield located.problem(
                ("rpki", "rtr_servers", index, "name"), f"{rtr.name} is used twice"
            )
        seen_rtr.add(rtr.name)


def _peer(
    exchange_located: Located[Exchange] | None, located: Located[Peer], claims: _Claims
) -> Iterator[Problem]:
    peer = located.model
    exchange = exchange_located.model if exchange_located is not None else None
    for index, connection in enumerate(peer.connections):
        base: Loc = ("connections", index)
        node = connection.zerotier_node_id
        yield from _unique(located, claims, "node", node, (*base, "zerotier_node_id"))
        for family in ("ipv4", "ipv6"):
            address = getattr(connection, family)
            if address is not None:
                yield from _address(located, exchange, claims, address, (*base, family))
    if exchange is None:
        return
    if peer.asn == exchange.asn:
        yield located.problem(
            ("asn",), f"AS{peer.asn} is the route servers' own ASN and cannot be a peer"
        )
    if (why := _kind_refusal(exchange, peer.asn)) is not None:
        yield located.problem(("asn",), f"AS{peer.asn} {why}", "peers need a public ASN")
    elif (why := exchange.admission.refusal(peer.asn)) is not None:
        yield located.problem(
            ("asn",),
            f"AS{peer.asn} {why}",
            "the IX admins decide who may join: change admission in ix.yaml, or remove this file",
        )
    for family in ("ipv4", "ipv6"):
        limit = getattr(peer.max_prefix, family)
        ceiling = getattr(exchange.policy, family).max_prefix_ceiling
        if limit is not None and limit > ceiling:
            yield located.problem(
                ("max_prefix", family),
                f"{limit} is above the exchange's ceiling of {ceiling}",
                "ask the IX admins if you really announce that many prefixes",
            )
    # Overrides combine with the exchange's timers: the result must still keep the keepalive
    # at most a third of the hold time (RFC 4271 section 10), or the session flaps.
    hold = peer.bgp.hold_time or exchange.bgp.hold_time
    keepalive = peer.bgp.keepalive_time or exchange.bgp.keepalive_time
    if (peer.bgp.hold_time or peer.bgp.keepalive_time) and keepalive * 3 > hold:
        field = "keepalive_time" if peer.bgp.keepalive_time else "hold_time"
        yield located.problem(
            ("bgp", field),
            f"keepalive {keepalive} s is more than a third of hold time {hold} s",
            "set bgp.keepalive_time to at most a third of bgp.hold_time (RFC 4271 section 10)",
        )
