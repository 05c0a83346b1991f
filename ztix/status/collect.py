"""Per route server and member session: what BIRD says, beside what the files expect (the
reader does the I/O; every route server is read at once, each under its own bound)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ztix.bird.reasons import REJECT_REASONS, REJECTED
from ztix.bird.state import (
    RtrState,
    SessionState,
    counted,
    roa_listed,
    routes_per_protocol,
    rtr_caches,
)
from ztix.bird.state import sessions as parse_sessions
from ztix.models import Exchange, Peer, RouteServer
from ztix.ports.deploy import Target
from ztix.ports.status import BirdReader, StatusError
from ztix.render.routeserver import Session, sessions

# The accepted routes' RPKI tags (templates/bird/policy.conf.j2: RS:1000:1..3).
RPKI_TAGS = {"valid": 1, "unknown": 2, "invalid": 3}


@dataclass(frozen=True)
class SessionStatus:
    """One expected session and what its route server says of it."""

    route_server: str
    session: str
    asn: int
    member: str
    family: str
    neighbor: str
    expected: str  # "established", or "disabled" (a suspended member, or held at max-prefix)
    live: SessionState | None  # None: BIRD has no such protocol (not deployed yet)
    rpki: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether it is as it should be (a disabled one only needs to exist)."""
        if self.live is None:
            return False
        return self.live.established or self.expected == "disabled"

    @property
    def problem(self) -> str:
        """In words, why it is not ok ('' when it is)."""
        if self.ok:
            return ""
        if self.live is None:
            return "not on the route server (not deployed yet?)"
        return self.live.last_error or self.live.info or self.live.state


@dataclass(frozen=True)
class RouteServerStatus:
    """One route server: its sessions, or why it could not be read; with `details`, also its
    RTR caches, whether the sentinel ROA is there, and filtered routes per reason."""

    name: str
    sessions: tuple[SessionStatus, ...] = ()
    error: str = ""
    rtr: dict[str, RtrState] = field(default_factory=dict)
    sentinel: bool | None = None  # None: not checked (until_loaded: accept, or no details)
    filtered: dict[int, int] = field(default_factory=dict)  # reject reason -> routes


async def route_server_status(
    exchange: Exchange,
    rs: RouteServer,
    peers: Sequence[Peer],
    reader: BirdReader,
    *,
    details: bool = False,
) -> RouteServerStatus:
    """Read one route server: every protocol, then RPKI counts of each established session;
    with `details` also the sentinel ROA and filtered routes per reason (the exporter's)."""
    expected: list[Session] = sessions(exchange, rs, peers)
    target = Target.from_model(rs, exchange)
    try:
        (protocols,) = await reader.query(target, ["show protocols all"])
        live = parse_sessions(protocols)
        up = [s.name for s in expected if s.name in live and live[s.name].established]
        # One listing per tag for the whole table, counted per session (not a query each).
        queries = [
            f"show route table all where ({exchange.asn}, 1000, {n}) ~ bgp_large_community"
            for n in RPKI_TAGS.values()
        ]
        answers = await reader.query(target, queries) if up else []
        extra = await reader.query(target, _detail_queries(exchange)) if details else []
    except StatusError as exc:
        return RouteServerStatus(rs.name, error=str(exc))
    per_tag = [routes_per_protocol(answer) for answer in answers]
    rpki = {
        name: {label: per_tag[j].get(name, 0) for j, label in enumerate(RPKI_TAGS)} for name in up
    }
    found = statuses(rs.name, expected, peers, live, rpki)
    if not details:
        return RouteServerStatus(rs.name, found)
    sentinel_answers, reason_answers = extra[:2], extra[2:]
    hold = exchange.rpki.until_loaded == "hold"
    return RouteServerStatus(
        rs.name,
        found,
        rtr=rtr_caches(protocols),
        sentinel=all(roa_listed(a) for a in sentinel_answers) if hold else None,
        filtered={
            code: counted(answer)
            for (code, _, _), answer in zip(REJECT_REASONS, reason_answers, strict=True)
        },
    )


def _detail_queries(exchange: Exchange) -> list[str]:
    """The sentinel ROA in each family, then a count of filtered routes per reject reason."""
    mark = exchange.rpki.sentinel
    asn = mark.asn or exchange.asn
    return [
        *(
            f"show route table {table} {net} max {net.prefixlen} as {asn}"
            for table, net in (("roa_v4", mark.ipv4), ("roa_v6", mark.ipv6))
        ),
        *(
            f"show route table all filtered where ({exchange.asn}, {REJECTED}, {code})"
            " ~ bgp_large_community count"
            for code, _, _ in REJECT_REASONS
        ),
    ]


def statuses(
    route_server: str,
    expected: Sequence[Session],
    peers: Sequence[Peer],
    live: Mapping[str, SessionState],
    rpki: Mapping[str, dict[str, int]],
) -> tuple[SessionStatus, ...]:
    """Each expected session beside what BIRD said of it."""
    members = {p.asn: p.name for p in peers}
    return tuple(
        SessionStatus(
            route_server=route_server,
            session=s.name,
            asn=s.asn,
            member=members[s.asn],
            family=s.family,
            neighbor=s.neighbor,
            expected="disabled" if s.disabled else "established",
            live=live.get(s.name),
            rpki=rpki.get(s.name, {}),
        )
        for s in expected
    )


def member_command(asn: int) -> str:
    """The show command for one member's sessions only (a BIRD name pattern)."""
    return f'show protocols all "AS{asn}_*"'


async def member_status(
    exchange: Exchange, rs: RouteServer, peer: Peer, reader: BirdReader
) -> RouteServerStatus:
    """One member's sessions on one route server (no route counts: a light read)."""
    try:
        (answer,) = await reader.query(Target.from_model(rs, exchange), [member_command(peer.asn)])
    except StatusError as exc:
        return RouteServerStatus(rs.name, error=str(exc))
    expected = sessions(exchange, rs, [peer])
    return RouteServerStatus(
        rs.name, statuses(rs.name, expected, [peer], parse_sessions(answer), {})
    )


async def status(
    exchange: Exchange, peers: Sequence[Peer], reader: BirdReader, *, details: bool = False
) -> list[RouteServerStatus]:
    """Every route server at once; one that is slow or down never holds up the others."""
    return list(
        await asyncio.gather(
            *(
                route_server_status(exchange, rs, peers, reader, details=details)
                for rs in exchange.route_servers
            )
        )
    )
