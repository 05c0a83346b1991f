"""A member's looking glass: per route server its sessions, the routes accepted with their RPKI
and IRR state, and the routes filtered with the reason in words and what to do (decoded from
the route servers' large communities, ztix.bird.reasons). Only the member's own sessions are
read."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from ztix.bird.reasons import INFO, INFO_TAGS, REJECTED, advice, reason
from ztix.bird.routes import Route, parse_routes
from ztix.bird.state import sessions as parse_sessions
from ztix.models import Exchange, Peer, RouteServer
from ztix.ports.deploy import Target
from ztix.ports.status import BirdReader, StatusError
from ztix.render.routeserver import sessions
from ztix.status.collect import RPKI_TAGS, SessionStatus, member_command, statuses

PAGE = 100  # routes per page of each list


@dataclass(frozen=True)
class RouteView:
    """One route as the member sees it."""

    prefix: str
    path: str
    next_hop: str
    rpki: str = ""
    irr: str = ""
    reason: str = ""  # filtered routes: why, in words
    advice: str = ""  # and what the member can do


@dataclass(frozen=True)
class SessionView:
    """One session: its status and one page of its accepted and filtered routes."""

    status: SessionStatus
    accepted: tuple[RouteView, ...] = ()
    accepted_total: int = 0
    filtered: tuple[RouteView, ...] = ()
    filtered_total: int = 0


@dataclass(frozen=True)
class RouteServerView:
    """One route server's view of the member, or why it could not be read."""

    name: str
    sessions: tuple[SessionView, ...] = ()
    error: str = ""


def _view(route: Route, exchange: Exchange, peer: Peer) -> RouteView:
    tags = {(b, c) for a, b, c in route.large_communities if a == exchange.asn}
    rpki = next((INFO_TAGS[n] for n in RPKI_TAGS.values() if (INFO, n) in tags), "")
    irr = next((INFO_TAGS[n] for n in (4, 5, 6, 7, 8) if (INFO, n) in tags), "")
    code = next((c for b, c in sorted(tags) if b == REJECTED), None)
    why = hint = ""
    if code is not None:
        why, hint = reason(code), advice(code)
        names = " ".join(peer.as_set) or f"AS{peer.asn}"
        if code in (13, 14):  # name the set the member registered
            why = f"{why} ({names})"
    return RouteView(
        prefix=route.prefix,
        path=" ".join(str(a) for a in route.path),
        next_hop=" ".join(route.next_hops),
        rpki=rpki,
        irr=irr,
        reason=why,
        advice=hint,
    )


async def _route_server(
    exchange: Exchange, rs: RouteServer, peer: Peer, reader: BirdReader, page: int
) -> RouteServerView:
    expected = sessions(exchange, rs, [peer])
    target = Target.from_model(rs, exchange)
    names = [s.name for s in expected]
    commands = [member_command(peer.asn)]
    for name in names:
        commands += [
            f"show route table all protocol {name} all",
            f"show route table all filtered protocol {name} all",
        ]
    try:
        answers = await reader.query(target, commands)
    except StatusError as exc:
        return RouteServerView(rs.name, error=str(exc))
    live = parse_sessions(answers[0])
    start = page * PAGE
    out = []
    for i, status in enumerate(statuses(rs.name, expected, [peer], live, {})):
        accepted = parse_routes(answers[1 + 2 * i])
        filtered = parse_routes(answers[2 + 2 * i])
        counts = {label: 0 for label in RPKI_TAGS}
        for route in accepted:
            for label, n in RPKI_TAGS.items():
                if (exchange.asn, INFO, n) in route.large_communities:
                    counts[label] += 1
        out.append(
            SessionView(
                status=replace(status, rpki=counts),
                accepted=tuple(_view(r, exchange, peer) for r in accepted[start : start + PAGE]),
                accepted_total=len(accepted),
                filtered=tuple(_view(r, exchange, peer) for r in filtered[start : start + PAGE]),
                filtered_total=len(filtered),
            )
        )
    return RouteServerView(rs.name, tuple(out))


async def member_view(
    exchange: Exchange, peer: Peer, reader: BirdReader, page: int = 0
) -> list[RouteServerView]:
    """The member's looking glass on every route server at once."""
    return list(
        await asyncio.gather(
            *(_route_server(exchange, rs, peer, reader, page) for rs in exchange.route_servers)
        )
    )
