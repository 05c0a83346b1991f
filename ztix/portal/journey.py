"""A member's status after approval, read from where the evidence lives: the apply job's result
(the forge's `ztix/apply` commit status) and the member's sessions on the route servers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from ztix.errors import AdapterError
from ztix.models import Exchange, Peer
from ztix.ports.status import BirdReader
from ztix.ports.zerotier import ZeroTierProvider
from ztix.status.collect import member_status

# Minutes after the change reached main within which sessions that are not up yet count as
# provisioning (the member is configuring its router); after that they are a failure.
PROVISION_MINUTES = 30

Stage = Literal["approved", "provisioning", "active", "failed"]


@dataclass(frozen=True)
class Evidence:
    """The stage, why, and what could not be read."""

    stage: Stage
    reason: str = ""
    unread: tuple[str, ...] = ()


async def _read(
    exchange: Exchange, peer: Peer, reader: BirdReader
) -> tuple[list[str], list[str], bool]:
    """(sessions not Established, with why; route servers that could not be read; whether any
    route server has the member's sessions configured, i.e. the change was deployed)."""
    found = await asyncio.gather(
        *(member_status(exchange, rs, peer, reader) for rs in exchange.route_servers)
    )
    down = [
        f"{rs.name} {s.family} from {s.neighbor}: {s.problem}"
        for rs in found
        for s in rs.sessions
        if not s.ok
    ]
    unread = [f"{rs.name} ({rs.error})" for rs in found if rs.error]
    deployed = any(s.live is not None for rs in found for s in rs.sessions)
    return down, unread, deployed


async def _authorized(peer: Peer, zerotier: ZeroTierProvider) -> tuple[list[str], list[str]]:
    """(what the ZeroTier network lacks for the member's nodes; the API if it failed)."""
    missing = []
    try:
        for connection in peer.connections:
            member = await zerotier.get_member(connection.zerotier_node_id)
            node = connection.zerotier_node_id
            if member is None or not member.authorized:
                missing.append(f"ZeroTier node {node} is not authorized on the network yet")
                continue
            for address in (connection.ipv4, connection.ipv6):
                if address is not None and str(address) not in member.ip_assignments:
                    missing.append(f"ZeroTier node {node} does not have {address} yet")
    except AdapterError as exc:
        return [], [f"the ZeroTier network ({exc})"]
    return missing, []


async def journey(
    exchange: Exchange,
    peer: Peer,
    check: str | None,
    minutes_since: float | None,
    reader: BirdReader | None,
    *,
    zerotier: ZeroTierProvider | None = None,
) -> Evidence:
    """Where an approved member is: approved, provisioning, active or failed (with why)."""
    if check in ("failure", "error"):
        return Evidence("failed", "the apply job failed for this change; the IX admins see why")
    if reader is None and zerotier is None:
        # No live evidence to read: the apply result is all there is to go by.
        return Evidence("active" if check == "success" else "approved")
    down: list[str] = []
    unread: list[str] = []
    if zerotier is not None:
        down, unread = await _authorized(peer, zerotier)
    if reader is not None:
        more, unread_rs, deployed = await _read(exchange, peer, reader)
        if not deployed and not unread_rs and check != "success":
            # Merged, and no route server has the sessions yet: the apply job has not run.
            return Evidence("approved", "merged; waiting for the apply job to deploy it")
        down, unread = down + more, unread + unread_rs
    seen = reader is not None
    return _stage(down, unread, sessions_seen=seen, check=check, minutes=minutes_since)


def _stage(
    down: list[str],
    unread: list[str],
    *,
    sessions_seen: bool,
    check: str | None,
    minutes: float | None,
) -> Evidence:
    """The stage from what is missing and what could not be read."""
    if not down and not unread:
        if not sessions_seen:  # authorized; the sessions cannot be seen from here
            return Evidence("active" if check == "success" else "approved")
        return Evidence("active")
    if not down:
        return Evidence("provisioning", "", tuple(unread))
    waiting = "; ".join(down)
    if minutes is None or minutes < PROVISION_MINUTES or check == "pending":
        return Evidence("provisioning", f"waiting for your sessions: {waiting}", tuple(unread))
    return Evidence(
        "failed",
        f"sessions not Established {PROVISION_MINUTES} minutes after the change was applied: "
        f"{waiting}. Check that your router joined the ZeroTier network and has the "
        "configuration below",
        tuple(unread),
    )
