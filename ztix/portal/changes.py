"""Requests: join, update and leave pushed as a change branch with its change request (one
unit: a request whose change request could not be opened is completed later), withdrawals,
and the reconcile that completes them."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import ValidationError as PydanticValidationError

from ztix.errors import AdapterError
from ztix.irr.files import irr_path
from ztix.load.document import format_loc
from ztix.load.loader import EXCHANGE_FILE, Repository, error_message, load_files
from ztix.load.tree import Entry
from ztix.models import Peer, RequestedBy
from ztix.portal.access import NetworkAccess, User
from ztix.portal.branches import entry_text, peer_from, planned_addresses
from ztix.portal.core import PortalCore
from ztix.portal.errors import NeedsConfirmation, RequestBusy, RequestRefused
from ztix.portal.peerfile import as_sets, render_peer, safe_name, schema_header, visible
from ztix.ports.forge import ChangeInfo
from ztix.ports.git import BRANCH_PREFIX, Pushed
from ztix.ports.peeringdb import Network
from ztix.ports.state import LockBusy

Action = Literal["join", "update", "leave"]
# How long a request waits for the exchange-wide allocation lock (another join being pushed).
ALLOCATION_WAIT = 60.0


@dataclass(frozen=True)
class Backlog:
    """What the last reconcile found: requests awaiting review, and those of them that still
    have no change request (the forge refused or failed it), at a wall-clock time."""

    pending: int
    unopened: int
    at: float


class ChangeRequests(PortalCore):
    """What a member's request does to the repository and the forge."""

    backlog: Backlog | None = None  # set by each reconcile this process runs (for /metrics)

    async def _complete(self, branch: str) -> ChangeInfo:
        """Open the change request of a pushed branch that has none (title and description
        from the branch's commit, as the request that pushed it would have opened it)."""
        message = await asyncio.to_thread(self.workspace.branch_message, branch)
        if message is None:
            return ChangeInfo("none")
        title, _, rest = message.partition("\n")
        return await self.forge.open_change(branch, title.strip(), _body(rest.strip(), branch))

    async def reconcile(self) -> int:
        """Open the change request of every pushed request that has none; how many were opened.
        Run periodically (and by any replica: a lock lets one at a time do it)."""
        if not self.forge.opens_requests:
            return 0
        try:
            async with self.store.lock("reconcile", wait=0):
                _, branches = await asyncio.to_thread(self.workspace.snapshot)
                opened = unopened = 0
                failed: AdapterError | None = None
                for asn in sorted(branches):
                    branch = f"{BRANCH_PREFIX}{asn}"
                    try:
                        if (await self.forge.change_for(branch)).state != "none":
                            continue
                        done = (await self._complete(branch)).state == "open"
                    except AdapterError as exc:  # the others are still tried; said below
                        failed, done = failed or exc, False
                    opened += done
                    unopened += not done
                self.backlog = Backlog(len(branches), unopened, time.time())
                if failed is not None:
                    raise failed
                return opened
        except LockBusy:
            return 0  # another process is at it

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
        *,
        replace: bool = False,
    ) -> ChangeInfo:
        """Build, validate and push the change for `access.asn`; open or update its request.

        One request per ASN at a time, on every process (a lock in the store); a request that
        would replace a pending one of another kind needs `replace`.
        """
        asn = access.asn
        try:
            async with self.store.lock(f"asn:{asn}", wait=0):
                return await self._submit(
                    user, access, action, node_id=node_id, contact=contact, replace=replace
                )
        except LockBusy:
            raise RequestBusy(
                f"a request for AS{asn} is being processed; try again shortly"
            ) from None

    async def _submit(
        self,
        user: User,
        access: NetworkAccess,
        action: Literal["join", "leave"],
        *,
        node_id: str,
        contact: str,
        replace: bool,
    ) -> ChangeInfo:
        asn = access.asn
        network = await self.peeringdb.network(asn)
        if network is None or network.status != "ok" or network.id != access.net_id:
            raise RequestRefused(
                f"PeeringDB has no active network AS{asn} with id {access.net_id}; check "
                "the network's record at PeeringDB"
            )
        main, _ = await asyncio.to_thread(self.workspace.snapshot)
        repo = load_files(main)
        if action == "join" and (why := self._refusal(repo.exchange.model, asn, network)):
            raise RequestRefused(why)
        also: dict[str, str | None] = {irr_path(asn): None}  # leaving: its IRR data goes
        irr_line = ""
        if action == "join" and self.irr is not None:
            # Outside the allocation step: an expansion may take seconds (usually cached).
            names = as_sets(network.irr_as_set) or (f"AS{asn}",)
            also, irr_line = await self._irr_files(repo, asn, names)
        try:
            async with self.store.lock("allocation", wait=ALLOCATION_WAIT):
                title, message, pushed = await self._push(
                    user,
                    access,
                    network,
                    action,
                    form=(node_id, contact),
                    replace=replace,
                    also=also,
                    irr_line=irr_line,
                )
        except LockBusy:
            raise RequestBusy(
                "the exchange is busy with other requests; try again in a minute"
            ) from None
        body = _body(message, pushed.branch, pushed.commit)
        try:
            return await self.forge.open_change(pushed.branch, title, body)
        except AdapterError:
            # The branch is pushed, so the request exists and holds its addresses; its change
            # request is opened by the next view of the page or the periodic reconcile, as soon
            # as the forge answers. The member sees "pending" everywhere meanwhile.
            return ChangeInfo(
                "none",
                label="saved; its change request is opened as soon as the forge answers "
                "(this page and the IX admins see it as pending meanwhile)",
            )

    async def _push(
        self,
        user: User,
        access: NetworkAccess,
        network: Network,
        action: Literal["join", "leave"],
        *,
        form: tuple[str, str],
        replace: bool,
        also: dict[str, str | None],
        irr_line: str,
    ) -> tuple[str, str, Pushed]:
        """Under the allocation lock: read main and the open requests, build, validate, push.
        `form`: the node id and contact the member gave."""
        asn = access.asn
        node_id, contact = form
        main, branches = await asyncio.to_thread(self.workspace.snapshot)
        branches = await self._reserving(branches)
        member = f"peers/AS{asn}.yaml" in main
        wanted: Action = "leave" if action == "leave" else ("update" if member else "join")
        if asn in branches and not replace:
            held: Action = (
                "leave"
                if f"peers/AS{asn}.yaml" not in branches[asn]
                else ("update" if member else "join")
            )
            if held != wanted:
                raise NeedsConfirmation(
                    f"AS{asn} has a pending request to {held}; sending this request to "
                    f"{wanted} replaces it. Confirm to replace it, or withdraw it first."
                )
        if action == "leave":
            if not member:
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
            title = f"AS{asn}: {wanted}"
        # PeeringDB's display name is the user's text: one line, nothing invisible, so no
        # forged trailers and no bidi tricks in what the admins read.
        who = visible(user.name) or "a user"
        message = (
            f"{title}\n\nRequested through the ZT-IX portal by {who}.\n\n"
            + (f"{irr_line}\n\n" if irr_line else "")
            + f"PeeringDB-User-Id: {user.id}\nPeeringDB-Net-Id: {access.net_id}\n"
            f"PeeringDB-Perms: {access.perms}\n"
        )
        pushed = await asyncio.to_thread(self.workspace.push_change, asn, text, message, also)
        return title, message, pushed

    async def withdraw(self, user: User, access: NetworkAccess) -> None:
        """Withdraw the ASN's pending request: close its change request, delete its branch
        (which frees the addresses it held)."""
        asn = access.asn
        branch = f"{BRANCH_PREFIX}{asn}"
        try:
            async with self.store.lock(f"asn:{asn}", wait=0):
                _, branches = await asyncio.to_thread(self.workspace.snapshot)
                change = await self.forge.change_for(branch)
                if asn not in branches or change.state in ("merged", "closed"):
                    raise RequestRefused(f"AS{asn} has no pending request to withdraw")
                await self.forge.close_change(branch)
                await asyncio.to_thread(self.workspace.delete_branch, branch)
        except LockBusy:
            raise RequestBusy(
                f"a request for AS{asn} is being processed; try again shortly"
            ) from None

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


def _body(message: str, branch: str, commit: str = "") -> str:
    """The change request's description: the commit message, then where it is."""
    at = f"Commit {commit[:12]} on branch `{branch}`" if commit else f"Branch `{branch}`"
    return f"{message}\n\n{at}. Merging this request approves it; CI posts the plan."
