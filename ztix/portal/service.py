"""What the portal does for a verified user: read the state of an ASN, build and open its change."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Literal

from ztix.errors import ValidationFailed
from ztix.load.checks import asn_refusal
from ztix.load.irrchecks import expected_names
from ztix.load.loader import load_files
from ztix.load.tree import Entry
from ztix.models import Exchange, MaxPrefix, Peer
from ztix.portal.branches import peer_from, pending_summary, planned_addresses
from ztix.portal.changes import Action, ChangeRequests
from ztix.portal.errors import RequestRefused
from ztix.portal.irrpreview import IrrPreview
from ztix.portal.journey import Evidence, journey
from ztix.portal.peerfile import as_sets
from ztix.portal.snippets import ConnectInfo, connect_info
from ztix.ports.forge import ChangeInfo
from ztix.ports.git import BRANCH_PREFIX
from ztix.ports.peeringdb import Network
from ztix.status.lookingglass import RouteServerView, member_view

Status = Literal[
    "not a member", "pending", "approved", "provisioning", "active", "failed", "rejected"
]


@dataclass(frozen=True)
class _Change:
    """An ASN's open change as read for a view."""

    info: ChangeInfo
    opening: bool  # pushed, its change request not opened yet
    pending: Peer | None
    summary: str
    action: Action | None


@dataclass
class AsnView:
    """Everything the ASN page shows."""

    asn: int
    network: Network | None
    current: Peer | None  # on main
    pending: Peer | None  # in the open change
    change: ChangeInfo
    status: Status
    check: str | None
    warnings: list[str] = field(default_factory=list)
    suggested: MaxPrefix | None = None  # what a request would set, from PeeringDB
    irr: IrrPreview | None = None  # what the member's AS-SET expands to now (IRR filtering on)
    connect: ConnectInfo | None = None  # how to connect, once the member is on main
    reason: str = ""  # why provisioning or failed, in words
    pending_summary: str = ""  # what the open change asks for, e.g. "leave requested"
    planned: tuple[str, ...] = ()  # the addresses a join sent now would get
    unread: tuple[str, ...] = ()  # what could not be read (a route server, PeeringDB, ...)
    pending_action: Action | None = None  # what the open change asks for
    refusal: str = ""  # why the exchange would not take a request from this network
    opening: bool = False  # pushed, and its change request not opened yet (the forge failed)


class PortalService(ChangeRequests):
    """The portal's use cases over git, the forge and PeeringDB: reading an ASN's state here,
    requests in ChangeRequests, shared plumbing in PortalCore."""

    async def _change(
        self, asn: int, current: Peer | None, branches: dict[int, dict[str, Entry]],
        unread: list[str],
    ) -> _Change:  # fmt: skip
        """The ASN's change request, opened now if it was pushed without one."""
        branch = f"{BRANCH_PREFIX}{asn}"
        change = await self._bounded(
            self.forge.change_for(branch), "the forge", unread, ChangeInfo("none")
        )
        opening = False
        if asn in branches and change.state == "none" and self.forge.opens_requests:
            # Pushed, but its change request was never opened (the forge failed after the
            # push): open it now; until it exists, the request is pending all the same.
            opened = await self._bounded(
                self._complete(branch), "the forge", unread, ChangeInfo("none")
            )
            change, opening = (opened, False) if opened.state == "open" else (change, True)
        if asn not in branches or change.state not in ("open", "none"):
            return _Change(change, opening, None, "", None)
        pending = peer_from(branches[asn], asn)
        action: Action = "leave" if pending is None else ("update" if current else "join")
        return _Change(change, opening, pending, pending_summary(current, pending), action)

    async def view(self, asn: int) -> AsnView:
        """The state of one ASN: main, its open change, the forge, PeeringDB."""
        main, branches = await self._snapshot()
        current = peer_from(main, asn)
        unread: list[str] = []
        read = await self._change(asn, current, branches, unread)
        change, pending = read.info, read.pending
        network = await self._bounded(self.peeringdb.network(asn), "PeeringDB", unread, None)
        check = None
        if change.state == "merged" and change.merge_commit:
            check = await self._bounded(
                self.forge.check_state(change.merge_commit), "the forge", unread, None
            )
        status: Status
        if change.state == "open" or (change.state == "none" and asn in branches):
            status = "pending"
        elif change.state == "closed" and current is None:
            status = "rejected"
        elif current is not None or change.state == "merged":
            status = {"success": "active", "failure": "failed", "error": "failed"}.get(
                check or "", "approved"
            )  # type: ignore[assignment]
        else:
            status = "not a member"
        warnings = []
        if network is not None and network.never_via_route_servers:
            warnings.append(
                "PeeringDB says this network is never reachable via route servers "
                "(info_never_via_route_servers); peering here contradicts that"
            )
        suggested = preview = None
        try:
            repo = load_files(main)
        except ValidationFailed:
            repo = None
        if network is not None and repo is not None:
            suggested = self.max_prefix(network, repo.exchange.model.policy)
            peer = pending or current
            names = (
                expected_names(peer)
                if peer is not None
                else (as_sets(network.irr_as_set) or (f"AS{asn}",))
            )
            preview = await self._bounded(
                self._irr_preview(repo, asn, names), "the IRR", unread, None
            )
        refusal = ""
        if repo is not None:
            refusal = self._refusal(repo.exchange.model, asn, network) or ""
        connect: ConnectInfo | None = None
        evidence: Evidence | None = None
        planned: tuple[str, ...] = ()
        if current is None and pending is None and repo is not None:
            open_branches = await self._reserving(branches)
            with contextlib.suppress(RequestRefused):  # a full LAN is said at submit
                planned = tuple(str(a) for a in planned_addresses(repo, open_branches, asn) if a)
        if current is not None and repo is not None:
            connect = connect_info(repo.exchange.model, current)
            if status in ("approved", "active") and current.active:
                evidence = await self._evidence(repo.exchange.model, current, check)
                status = evidence.stage
        return AsnView(
            asn,
            network,
            current,
            pending,
            change,
            status,
            check,
            warnings,
            suggested,
            preview,
            connect,
            reason=evidence.reason if evidence else "",
            pending_summary=read.summary,
            unread=(*unread, *(evidence.unread if evidence else ())),
            planned=planned,
            pending_action=read.action,
            refusal=refusal,
            opening=read.opening,
        )

    async def _evidence(self, exchange: Exchange, peer: Peer, check: str | None) -> Evidence:
        """The member's stage after approval, from the apply result and the route servers."""
        changed = await asyncio.to_thread(self.workspace.changed_at, f"peers/AS{peer.asn}.yaml")
        minutes = None if changed is None else (time.time() - changed) / 60
        provider = self.zerotier(exchange) if self.zerotier else None
        try:
            return await journey(exchange, peer, check, minutes, self.reader, zerotier=provider)
        finally:
            if provider is not None:
                await provider.aclose()

    async def refusals(self, asns: list[int]) -> dict[int, str]:
        """Networks the exchange would refuse whatever the request says, and why."""
        main, _ = await self._snapshot()
        try:
            exchange = load_files(main).exchange.model
        except ValidationFailed:
            return {}
        found = {asn: asn_refusal(exchange, asn) for asn in asns}
        return {
            asn: f"AS{asn} {why}; the exchange does not take it"
            for asn, why in found.items()
            if why
        }

    async def looking_glass(self, asn: int, page: int) -> tuple[Peer, list[RouteServerView]]:
        """The member's sessions and routes on every route server (its own only)."""
        if self.reader is None:
            raise RequestRefused("the looking glass is not set up on this portal")
        main, _ = await self._snapshot()
        peer = peer_from(main, asn)
        if peer is None:
            raise RequestRefused(f"AS{asn} is not a member yet: no sessions to look at")
        exchange = load_files(main).exchange.model
        return peer, await member_view(exchange, peer, self.reader, page)
