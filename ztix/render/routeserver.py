"""Pure rendering: (exchange, peers) -> one BIRD config text per route server.

Every value is taken from validated models and formatted here; the templates only place them.
A finalize hook refuses any value that could change the meaning of the config, so a bug in
validation fails loudly instead of producing an injectable config.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ztix.bird.reasons import INFO_TAGS, REJECT_REASONS
from ztix.errors import ZtixError
from ztix.load.gcpause import paused_gc
from ztix.models import Exchange, IrrData, Peer, RouteServer
from ztix.models.special import (
    BOGONS_V4,
    BOGONS_V6,
    DOCUMENTATION_ASN_RANGES,
    PRIVATE_ASN_RANGES,
    RESERVED_ASN_RANGES,
)
from ztix.render.irr import IrrMember, SetMemo, SetText, irr_context
from ztix.render.templates import TemplateSet, render_template, shipped

if TYPE_CHECKING:
    import jinja2

    from ztix.load.loader import Repository

# What may appear in a rendered value: addresses, prefixes, numbers, names, sets, and the
# validated free text of descriptions. Never a quote, backslash, brace, semicolon or newline.
_SAFE_VALUE = re.compile(r"[A-Za-z0-9 .,:_&()'/+@!?=\[\]*<>-]*")
BIRD_VERSIONS = {"2.0": "2.0.12+", "2.14": "2.14+", "3": "3.x"}


class RenderError(ZtixError):
    """A value that must not reach a BIRD config got to the template (a validation bug)."""


@dataclass(frozen=True)
class Session:
    """One BGP session of a route server with one member router in one address family."""

    name: str
    family: str
    asn: int
    neighbor: str
    description: str
    limit: int
    disabled: bool
    gshut: bool = False
    hold_time: int | None = None
    keepalive_time: int | None = None
    bfd: bool | None = None
    # Down because it exceeded its max-prefix limit, and kept down (the deployer, `ztix rs enable`).
    held: bool = False


def _finalize(value: Any) -> Any:
    if type(value) is int:  # most values: ASNs, limits, timers (bool, a subclass, is not)
        return value
    if isinstance(value, SetText):  # an IRR set: prefixes and ASNs only, checked as a whole
        if not value.safe():
            raise RenderError("refusing to render an IRR set holding other characters")
        return value
    if isinstance(value, bool) or value is None:
        raise RenderError(f"refusing to render {value!r} into a BIRD config")
    if isinstance(value, str) and not _SAFE_VALUE.fullmatch(value):
        raise RenderError(f"refusing to render {value!r} into a BIRD config")
    return value


def environment(
    templates: TemplateSet | None = None, *, precompiled: bool = True
) -> jinja2.Environment:
    """The Jinja2 environment for BIRD configs: sandboxed, strict, every value checked.

    `precompiled`: shipped templates left unchanged skip Jinja's parser (ztix.render.precompiled;
    off only to generate that code).
    """
    bytecode = None
    if precompiled:
        from ztix.render.precompiled import ShippedBytecode  # noqa: PLC0415  (imports jinja2)

        bytecode = ShippedBytecode()
    return (templates or shipped()).environment(
        finalize=_finalize, trusted=(Session, IrrMember), bytecode=bytecode
    )


def bogon_asns() -> str:
    """The BIRD int-set body of ASNs no path may contain besides the member's own.

    Documentation and private ASNs are in it even where `ix.yaml` lets members use them as their
    own ASN (a lab, an exchange of private networks): a member's own ASN is taken out of the
    path before the check, any other such ASN is internal routing leaking out.
    """
    ranges = [*RESERVED_ASN_RANGES, *DOCUMENTATION_ASN_RANGES, *PRIVATE_ASN_RANGES]
    merged: list[list[int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return ", ".join(str(lo) if lo == hi else f"{lo}..{hi}" for lo, hi in merged)


def session_name(asn: int, node_id: str, family: str) -> str:
    """The BIRD protocol name: stable per member router and family."""
    return f"AS{asn}_{node_id}_{family.replace('ip', '')}"


def sessions(
    exchange: Exchange,
    rs: RouteServer,
    peers: Sequence[Peer],
    held: frozenset[str] = frozenset(),
) -> list[Session]:
    """Every session of `rs`, sorted by ASN, then file order of routers, then family.

    `held`: the sessions of this route server kept down after exceeding their max-prefix limit.
    """
    out: list[Session] = []
    for peer in sorted(peers, key=lambda p: p.asn):
        for connection in peer.connections:
            for family in ("ipv4", "ipv6"):
                address = getattr(connection, family)
                if address is None or getattr(rs, family) is None:
                    continue
                limit = (
                    getattr(peer.max_prefix, family)
                    or getattr(exchange.policy, family).max_prefix_default
                )
                name = session_name(peer.asn, connection.zerotier_node_id, family)
                out.append(
                    Session(
                        name=name,
                        family=family,
                        asn=peer.asn,
                        neighbor=str(address),
                        description=f"AS{peer.asn} {peer.name}",
                        limit=limit,
                        disabled=not peer.active,
                        gshut=peer.graceful_shutdown,
                        hold_time=peer.bgp.hold_time,
                        keepalive_time=peer.bgp.keepalive_time,
                        bfd=peer.bgp.bfd,
                        held=name in held and peer.active,
                    )
                )
    return out


def _rtr_host(host: str) -> dict[str, Any]:
    """An RTR server's address for `remote`: an IP address bare, a host name in quotes."""
    try:
        return {"host": str(ipaddress.ip_address(host)), "hostname": False}
    except ValueError:
        # A validated host name (letters, digits, dots and dashes only); the template quotes it.
        return {"host": host, "hostname": True}


def _log(target: str) -> dict[str, str]:
    return {"file": target} if target.startswith("/") else {"target": target, "file": ""}


def render_route_server(
    exchange: Exchange,
    rs: RouteServer,
    peers: Sequence[Peer],
    env: jinja2.Environment,
    held: frozenset[str] = frozenset(),
    *,
    irr: Mapping[int, IrrData] | None = None,
    memo: SetMemo | None = None,
) -> str:
    """The BIRD config text of one route server (`held`: its sessions kept down by max-prefix;
    `irr`: the members' IRR data by ASN, from irr/; `memo`: sets built by earlier renders)."""
    policy = exchange.policy
    lan = exchange.peering_lan
    rpki = exchange.rpki
    bgp = exchange.bgp
    families = [
        {"name": family, "source": str(getattr(rs, family))}
        for family in ("ipv4", "ipv6")
        if getattr(rs, family) is not None
    ]
    own = sessions(exchange, rs, peers, held)
    hop = policy.blackhole_next_hop
    propagate = policy.blackhole == "propagate"
    context = {
        "rs": {
            "name": rs.name,
            "asn": exchange.asn,
            "router_id": str(rs.router_id),
            "graceful_shutdown": rs.graceful_shutdown,
        },
        "log": _log(rs.bird.log),
        "rpki": {"retry": rpki.retry, "refresh": rpki.refresh, "expire": rpki.expire},
        "hold_until_loaded": rpki.until_loaded == "hold",
        "sentinel": {
            "ipv4": str(rpki.sentinel.ipv4),
            "ipv6": str(rpki.sentinel.ipv6),
            "asn": rpki.sentinel.asn or exchange.asn,
        },
        "bgp": {
            "hold_time": bgp.hold_time,
            "keepalive_time": bgp.keepalive_time,
            "bfd": bgp.bfd,
            "role": bgp.role,
            "connect_delay_time": bgp.connect_delay_time,
            "connect_retry_time": bgp.connect_retry_time,
            "error_wait_time": bgp.error_wait_time,
        },
        "bfd_used": bgp.bfd or any(s.bfd for s in own),
        "limit": {
            "kind": "receive" if policy.max_prefix_counts == "received" else "import",
            "action": policy.max_prefix_action,
            # BIRD waits `error wait time` before restarting a session its limit shut down,
            # doubling it for each repeat (BIRD user's guide, BGP: error wait time).
            "restart_wait": policy.max_prefix_restart_minutes * 60,
        },
        "transit_free": ", ".join(str(a) for a in sorted(set(policy.transit_free_asns))),
        "blackhole_v4": str(hop.ipv4) if propagate and hop.ipv4 else "",
        "blackhole_v6": str(hop.ipv6) if propagate and hop.ipv6 else "",
        "exchange_name": exchange.name,
        "bird_label": BIRD_VERSIONS[rs.bird.version],
        # BIRD 2.14+ infers (and warns about) undeclared return types; 2.0.x rejects `-> bool`.
        "ret_bool": "" if rs.bird.version == "2.0" else " -> bool",
        "rs_asn_16bit": exchange.asn <= 65535,
        "rtr_servers": [
            {"name": rtr.name, **_rtr_host(rtr.host), "port": rtr.port}
            for rtr in exchange.rpki.rtr_servers
        ],
        "reasons": [(code, why) for code, why, _ in REJECT_REASONS],
        "info_tags": sorted(INFO_TAGS.items()),
        "bogons_v4": BOGONS_V4,
        "bogons_v6": BOGONS_V6,
        "lan_v4": f"{lan.ipv4}+" if lan.ipv4 else "",
        "lan_v6": f"{lan.ipv6}+" if lan.ipv6 else "",
        "bogon_asns": bogon_asns(),
        "max_as_path_length": policy.max_as_path_length,
        "v4": {"min_length": policy.ipv4.min_length, "max_length": policy.ipv4.max_length},
        "v6": {"min_length": policy.ipv6.min_length, "max_length": policy.ipv6.max_length},
        "reject_invalid": exchange.rpki.invalid == "reject",
        "families": families,
        "sessions": own,
        "active_sessions": sum(1 for s in own if not s.disabled),
        "peer_count": len(peers),
        "irr": irr_context(exchange, peers, irr or {}, memo),
    }
    return render_template(env, "bird/bird.conf.j2", context)


def renderers(
    exchange: Exchange,
    peers: Sequence[Peer],
    templates: TemplateSet | None = None,
    irr: Mapping[int, IrrData] | None = None,
) -> dict[str, Callable[[frozenset[str]], str]]:
    """Route-server name -> its config as a function of the sessions held down on it.

    The deployer learns the held sessions from each route server and renders with them; the
    templates compile once for all route servers.
    """
    env = environment(templates)
    ordered = sorted(peers, key=lambda p: p.asn)
    return {
        rs.name: functools.partial(_with_held, exchange, rs, ordered, env, irr=irr or {})
        for rs in exchange.route_servers
    }


def _with_held(
    exchange: Exchange,
    rs: RouteServer,
    peers: Sequence[Peer],
    env: jinja2.Environment,
    held: frozenset[str],
    *,
    irr: Mapping[int, IrrData],
) -> str:
    return render_route_server(exchange, rs, peers, env, held, irr=irr)


def render_all(
    exchange: Exchange,
    peers: Sequence[Peer],
    templates: TemplateSet | None = None,
    held: dict[str, frozenset[str]] | None = None,
    irr: Mapping[int, IrrData] | None = None,
    *,
    memo: SetMemo | None = None,
    env: jinja2.Environment | None = None,
) -> dict[str, str]:
    """Route-server name -> BIRD config text, for every route server of the exchange.

    `held`: route server -> its sessions kept down after exceeding max-prefix (from the route
    server itself: the deployer reads them); none by default. `memo`: see `SetMemo`. `env`:
    an `environment(templates)` already built (its templates compiled), to render with again.
    """
    env = env or environment(templates)
    held = held or {}
    memo = {} if memo is None else memo  # route servers share their members' sets too
    with paused_gc():
        return {
            rs.name: render_route_server(
                exchange, rs, peers, env, held.get(rs.name, frozenset()), irr=irr or {}, memo=memo
            )
            for rs in exchange.route_servers
        }


def repository_configs(
    repo: Repository,
    templates: TemplateSet | None = None,
    held: dict[str, frozenset[str]] | None = None,
    memo: SetMemo | None = None,
    env: jinja2.Environment | None = None,
) -> dict[str, str]:
    """`render_all` of a loaded repository: its exchange, peers and IRR data."""
    peers = [p.model for p in repo.peers]
    return render_all(
        repo.exchange.model, peers, templates, held, repo.irr_data(), memo=memo, env=env
    )


def repository_renderers(
    repo: Repository, templates: TemplateSet | None = None
) -> dict[str, Callable[[frozenset[str]], str]]:
    """`renderers` of a loaded repository: its exchange, peers and IRR data."""
    peers = [p.model for p in repo.peers]
    return renderers(repo.exchange.model, peers, templates, irr=repo.irr_data())
