"""`ztix status` output: a line per session, or JSON; and the exit status."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ztix.errors import EXIT_DRIFT, EXIT_OK, EXIT_UNKNOWN
from ztix.status.collect import RouteServerStatus, SessionStatus


def _line(s: SessionStatus) -> str:
    live = s.live
    if live is None:
        state = "missing"
        detail = s.problem
    else:
        state = "Established" if live.established else (live.bgp_state or live.state)
        counts = f"received {live.imported + live.filtered}, accepted {live.imported}, "
        counts += f"filtered {live.filtered}"
        rpki = ", ".join(f"{k} {v}" for k, v in s.rpki.items())
        detail = f"since {live.since}; {counts}" + (f"; RPKI {rpki}" if rpki else "")
        if not s.ok:
            detail = f"{s.problem}; since {live.since}"
        elif s.expected == "disabled":
            detail = f"disabled (member suspended); since {live.since}"
    mark = "ok  " if s.ok else "FAIL"
    return f"  {mark} {s.session:<28} AS{s.asn:<10} {state:<12} {detail}"


def status_text(report: Sequence[RouteServerStatus]) -> str:
    """Per route server, a line per session; then the summary."""
    lines: list[str] = []
    for rs in report:
        if rs.error:
            lines.append(f"{rs.name}: could not be read: {rs.error}")
            continue
        up = sum(1 for s in rs.sessions if s.ok)
        lines.append(f"{rs.name}: {up} of {len(rs.sessions)} sessions as expected")
        lines += [_line(s) for s in rs.sessions]
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def summary(report: Sequence[RouteServerStatus]) -> str:
    """One line: sessions as expected, not, and route servers unread."""
    good = sum(1 for rs in report for s in rs.sessions if s.ok)
    bad = sum(1 for rs in report for s in rs.sessions if not s.ok)
    unread = [rs.name for rs in report if rs.error]
    text = f"status: {good} sessions as expected, {bad} not"
    return text + (f"; could not read {', '.join(unread)}" if unread else "")


def status_json(report: Sequence[RouteServerStatus]) -> dict[str, Any]:
    """Everything, for tools."""

    def session(s: SessionStatus) -> dict[str, Any]:
        live = s.live
        return {
            "session": s.session,
            "asn": s.asn,
            "member": s.member,
            "family": s.family,
            "neighbor": s.neighbor,
            "expected": s.expected,
            "ok": s.ok,
            "problem": s.problem,
            "state": None if live is None else live.state,
            "bgp_state": None if live is None else (live.bgp_state or live.info),
            "since": None if live is None else live.since,
            "last_error": None if live is None else live.last_error,
            "routes": None
            if live is None
            else {
                "received": live.imported + live.filtered,
                "accepted": live.imported,
                "filtered": live.filtered,
                "exported": live.exported,
            },
            "rpki": s.rpki,
        }

    return {
        "route_servers": [
            {
                "name": rs.name,
                "error": rs.error or None,
                "sessions": [session(s) for s in rs.sessions],
            }
            for rs in report
        ],
        "summary": summary(report),
        "exit_code": exit_code(report),
    }


def exit_code(report: Sequence[RouteServerStatus]) -> int:
    """0 every session as expected, 4 some are not, 5 a route server could not be read."""
    if any(not s.ok for rs in report for s in rs.sessions):
        return EXIT_DRIFT
    if any(rs.error for rs in report):
        return EXIT_UNKNOWN
    return EXIT_OK
