"""What the portal does for a verified user: read the state of an ASN, build and open its change."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from pydantic import ValidationError as PydanticValidationError

from ztix.errors import ValidationFailed
from ztix.irr.files import irr_path
from ztix.load.checks import asn_refusal
from ztix.load.irrchecks import expected_names
from ztix.load.loader import EXCHANGE_FILE, Repository, error_message, load_files
from ztix.load.tree import Entry
from ztix.load.yamlsource import format_loc
from ztix.models import Exchange, MaxPrefix, Peer, Policy, RequestedBy
from ztix.portal.access import NetworkAccess, User
from ztix.portal.branches import entry_text, peer_from, pending_summary, planned_addresses
from ztix.portal.errors import RequestBusy, RequestRefused
from ztix.portal.irrpreview import IrrPreview, IrrPreviews
from ztix.portal.journey import Evidence, journey
from ztix.portal.peerfile import as_sets, render_peer, safe_name, schema_header
from ztix.portal.settings import PortalSettings
from ztix.portal.snippets import ConnectInfo, connect_info
from ztix.ports.forge import ChangeInfo, Forge
from ztix.ports.git import BRANCH_PREFIX, Workspace
from ztix.ports.peeringdb import Network, PeeringDB
from ztix.ports.status import BirdReader
from ztix.ports.zerotier import ZeroTierProvider
from ztix.status.lookingglass import RouteServerView, member_view

Status = Literal[
    "not a member", "pending", "approved", "provisioning", "active", "failed", "rejected"
]


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
    unread: tuple[str, ...] = ()  # evidence that could not be read (a route server down)


class PortalService:
    """The portal's use cases over git, the forge and PeeringDB."""

    def max_prefix(self, network: Network, policy: Policy) -> MaxPrefix:
        """PeeringDB's info_prefixes4/6, raised to the floor, capped at the exchange's ceiling."""

        def limit(value: int | None, floor: int, ceiling: int) -> int:
            return min(max(value or 0, floor), ceiling)

        return MaxPrefix(
            ipv4=limit(
                network.info_prefixes4,
                self.settings.max_prefix_floor_v4,
                policy.ipv4.max_prefix_ceiling,
            ),
            ipv6=limit(
                network.info_prefixes6,
                self.settings.max_prefix_floor_v6,
                policy.ipv6.max_prefix_ceiling,
            ),
        )

    def __init__(
        self,
        settings: PortalSettings,
        workspace: Workspace,
        forge: Forge,
        peeringdb: PeeringDB,
        *,
        irr: IrrPreviews | None = None,
        reader: BirdReader | None = None,
        zerotier: Callable[[Exchange], ZeroTierProvider] | None = None,
    ) -> None:
        self.settings = settings
        self.workspace = workspace
        self.forge = forge
        self.peeringdb = peeringdb
        self.irr = irr
        self.reader = reader  # the read-only route-server key (None: no looking glass)
        self.zerotier = zerotier  # reads a member's authorization (None: not read)
        self.locks: dict[int, asyncio.Lock] = {}
        # Allocating an address and pushing the branch that holds it is one step for all ASNs:
        # two joins at once must not both take the lowest free address (one portal process).
        self.allocation = asyncio.Lock()

    async def view(self, asn: int) -> AsnView:
        """The state of one ASN: main, its open change, the forge, PeeringDB."""
        main, branches = await asyncio.to_thread(self.workspace.snapshot)
        current = peer_from(main, asn)
        change = await self.forge.change_for(f"{BRANCH_PREFIX}{asn}")
        pending = (
            peer_from(branches[asn], asn)
            if asn in branches and change.state in ("open", "none")
            else None
        )
        summary = ""
        if asn in branches and change.state in ("open", "none"):
            summary = pending_summary(current, pending)
        network = await self.peeringdb.network(asn)
        check = None
        if change.state == "merged" and change.merge_commit:
            check = await self.forge.check_state(change.merge_commit)
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
            preview = await self._irr_preview(repo, asn, names)
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
            pending_summary=summary,
            unread=evidence.unread if evidence else (),
            planned=planned,
        )

    async def _reserving(
        self, branches: dict[int, dict[str, Entry]]
    ) -> dict[int, dict[str, Entry]]:
        """The branches whose change still reserves addresses: not closed unmerged."""
        states = await asyncio.gather(
            *(self.forge.change_for(f"{BRANCH_PREFIX}{asn}") for asn in branches)
        )
        return {
            asn: files
            for (asn, files), info in zip(branches.items(), states, strict=True)
            if info.state != "closed"
        }

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
        main, _ = await asyncio.to_thread(self.workspace.snapshot)
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
        main, _ = await asyncio.to_thread(self.workspace.snapshot)
        peer = peer_from(main, asn)
        if peer is None:
            raise RequestRefused(f"AS{asn} is not a member yet: no sessions to look at")
        exchange = load_files(main).exchange.model
        return peer, await member_view(exchange, peer, self.reader, page)

    async def _irr_preview(
        self, repo: Repository, asn: int, names: tuple[str, ...]
    ) -> IrrPreview | None:
        """The member's expansion now, when the exchange filters by IRR (else None)."""
        exchange = repo.exchange.model
        if self.irr is None or exchange.irr is None:
            return None
        return await self.irr.preview(exchange, asn, names, repo.irr_data().get(asn))

    async def _irr_files(
        self, repo: Repository, asn: int, names: tuple[str, ...]
    ) -> tuple[dict[str, str | None], str]:
        """The irr/ file a join or update commits with the peer file, and a line saying so."""
        preview = await self._irr_preview(repo, asn, names)
        if preview is None:
            return {}, ""
        path = irr_path(asn)
        text = preview.file_text()
        listed = ", ".join(preview.names)
        if text is not None and preview.data is not None:
            data = preview.data
            return {path: text}, (
                f"IRR: {listed} expands to {len(data.origins)} origin ASNs, {len(data.ipv4)} IPv4 "
                f"and {len(data.ipv6)} IPv6 prefixes ({path})."
            )
        previous = repo.irr_data().get(asn)
        if previous is not None and previous.expanded != preview.names:
            # The data on main is for other names; it cannot stay, and none can replace it now.
            raise RequestRefused(
                f"your AS-SET changed to {listed}, but it cannot be taken now: "
                f"{preview.held or preview.error}; try again later or ask the IX admins"
            )
        why = f"held for the admins' review: {preview.held}" if preview.held else preview.error
        return {}, f"IRR: {listed} not included ({why})."

    async def submit(
        self,
        user: User,
        access: NetworkAccess,
        action: Literal["join", "leave"],
        node_id: str = "",
        contact: str = "",
    ) -> ChangeInfo:
        """Build, validate and push the change for `access.asn`; open or update its request."""
        asn = access.asn
        lock = self.locks.setdefault(asn, asyncio.Lock())
        if lock.locked():
            raise RequestBusy(f"a request for AS{asn} is being processed; try again shortly")
        async with lock:
            network = await self.peeringdb.network(asn)
            if network is None or network.status != "ok" or network.id != access.net_id:
                raise RequestRefused(
                    f"PeeringDB has no active network AS{asn} with id {access.net_id}; check "
                    "the network's record at PeeringDB"
                )
            also: dict[str, str | None] = {irr_path(asn): None}  # leaving: its IRR data goes
            irr_line = ""
            if action == "join" and self.irr is not None:
                # Outside the allocation step: an expansion may take seconds (usually cached).
                main, _ = await asyncio.to_thread(self.workspace.snapshot)
                names = as_sets(network.irr_as_set) or (f"AS{asn}",)
                also, irr_line = await self._irr_files(load_files(main), asn, names)
            async with self.allocation:
                main, branches = await asyncio.to_thread(self.workspace.snapshot)
                branches = await self._reserving(branches)
                if action == "leave":
                    if f"peers/AS{asn}.yaml" not in main:
                        raise RequestRefused(f"AS{asn} is not a member, so it cannot leave")
                    text = None
                    title = f"AS{asn}: leave"
                else:
                    peer = self._build(
                        user,
                        access,
                        network,
                        main=main,
                        branches=branches,
                        node_id=node_id.strip(),
                        contact=contact.strip(),
                    )
                    text = render_peer(peer, schema_header(entry_text(main.get(EXCHANGE_FILE))))
                    files = {**main, f"peers/AS{asn}.yaml": text}
                    files |= {path: body for path, body in also.items() if body is not None}
                    load_files(files)  # the same validation as CI: raises ValidationFailed
                    title = f"AS{asn}: {'update' if f'peers/AS{asn}.yaml' in main else 'join'}"
                # PeeringDB's display name is the user's text: one line, so no forged trailers.
                who = " ".join(user.name.split())[:100] or "a user"
                message = (
                    f"{title}\n\nRequested through the ZT-IX portal by {who}.\n\n"
                    + (f"{irr_line}\n\n" if irr_line else "")
                    + f"PeeringDB-User-Id: {user.id}\nPeeringDB-Net-Id: {access.net_id}\n"
                    f"PeeringDB-Perms: {access.perms}\n"
                )
                pushed = await asyncio.to_thread(
                    self.workspace.push_change, asn, text, message, also
                )
            body = (
                f"{message}\nCommit {pushed.commit[:12]} on branch `{pushed.branch}`. Merging "
                "this request approves it; CI posts the plan."
            )
            return await self.forge.open_change(pushed.branch, title, body)

    def _build(
        self,
        user: User,
        access: NetworkAccess,
        network: Network,
        *,
        main: dict[str, Entry],
        branches: dict[int, dict[str, Entry]],
        node_id: str,
        contact: str,
    ) -> Peer:
        asn = access.asn
        repo: Repository = load_files(main)
        exchange = repo.exchange.model
        existing = peer_from(branches.get(asn, {}), asn) or peer_from(main, asn)
        if existing is not None:
            first = existing.connections[0]
            connections = (
                {"zerotier_node_id": node_id, "ipv4": first.ipv4, "ipv6": first.ipv6},
                *(c.model_dump() for c in existing.connections[1:]),
            )
        else:
            ipv4, ipv6 = planned_addresses(repo, branches, asn)
            connections = ({"zerotier_node_id": node_id, "ipv4": ipv4, "ipv6": ipv6},)
        data = {
            "asn": asn,
            "name": safe_name(network.name, asn),
            "peeringdb_net_id": network.id,
            "contact": contact,
            "as_set": as_sets(network.irr_as_set),
            "state": existing.state if existing else "active",
            "connections": [
                {k: str(v) for k, v in c.items() if v is not None} for c in connections
            ],
            "max_prefix": self.max_prefix(network, exchange.policy).model_dump(),
            "requested_by": RequestedBy(peeringdb_user_id=user.id, date=date.today()).model_dump(),
        }
        try:
            return Peer.model_validate(data)
        except PydanticValidationError as exc:
            problems = "; ".join(
                f"{format_loc(tuple(e['loc']))}: {error_message(e)}"
                for e in exc.errors(include_url=False)
                if e["type"] != "too_short"
            )
            raise RequestRefused(f"the request is not valid: {problems}") from None
