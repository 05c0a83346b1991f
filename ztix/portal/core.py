"""The portal's dependencies and what its views and its requests both need: PeeringDB's
limits, bounded remote reads, the exchange's refusals, the open requests, IRR previews."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ztix.errors import AdapterError
from ztix.load.checks import asn_refusal
from ztix.load.loader import Repository
from ztix.load.tree import Entry
from ztix.models import Exchange, MaxPrefix, Policy
from ztix.portal.irrpreview import IrrPreview, IrrPreviews
from ztix.portal.settings import PortalSettings
from ztix.ports.forge import Forge
from ztix.ports.git import BRANCH_PREFIX, Workspace
from ztix.ports.peeringdb import Network, PeeringDB
from ztix.ports.state import StateStore
from ztix.ports.status import BirdReader
from ztix.ports.zerotier import ZeroTierProvider

T = TypeVar("T")


class PortalCore:
    """The portal's adapters (built by the entry point) and the helpers every use case shares."""

    def __init__(
        self,
        settings: PortalSettings,
        workspace: Workspace,
        forge: Forge,
        peeringdb: PeeringDB,
        *,
        store: StateStore,
        irr: IrrPreviews | None = None,
        reader: BirdReader | None = None,
        zerotier: Callable[[Exchange], ZeroTierProvider] | None = None,
    ) -> None:
        self.settings = settings
        self.workspace = workspace
        self.forge = forge
        self.peeringdb = peeringdb
        # Locks live in the store: allocating an address and pushing the branch that holds it
        # is one step for the whole exchange, on every portal process and replica (two joins
        # at once must not both take the lowest free address).
        self.store = store
        self.irr = irr
        self.reader = reader  # the read-only route-server key (None: no looking glass)
        self.zerotier = zerotier  # reads a member's authorization (None: not read)

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

    async def _snapshot(self) -> tuple[dict[str, Entry], dict[int, dict[str, Entry]]]:
        """The repository for a page, or an AdapterError when the git remote does not answer
        within twice the page bound (the page says so instead of waiting)."""
        bound = 2 * self.settings.page_timeout
        try:
            return await asyncio.wait_for(asyncio.to_thread(self.workspace.snapshot), bound)
        except TimeoutError:
            raise AdapterError(
                f"the peering repository did not answer in {bound:g} s; try again shortly"
            ) from None

    async def _bounded(self, call: Awaitable[T], what: str, unread: list[str], default: T) -> T:
        """`call`'s answer, or `default` (and `what` noted as unread) when it failed or took
        longer than the page bound: a page shows what it has rather than wait."""
        try:
            return await asyncio.wait_for(call, self.settings.page_timeout)
        except TimeoutError:
            unread.append(f"{what} (no answer in {self.settings.page_timeout:g} s)")
        except AdapterError as exc:
            unread.append(f"{what} ({str(exc).splitlines()[0][:200]})")
        return default

    @staticmethod
    def _refusal(exchange: Exchange, asn: int, network: Network | None) -> str | None:
        """Why the exchange takes no request from this network: its ASN, or what PeeringDB
        says of it against admission.peeringdb_policy_general."""
        if why := asn_refusal(exchange, asn):
            return f"AS{asn} {why}; the exchange does not take it"
        wanted = exchange.admission.peeringdb_policy_general
        if wanted and network is not None and network.policy_general not in wanted:
            said = network.policy_general or "not given"
            return (
                f"the exchange takes networks whose PeeringDB general peering policy is "
                f"{' or '.join(wanted)}; AS{asn}'s is {said} (change it at PeeringDB)"
            )
        return None

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

    async def _irr_preview(
        self, repo: Repository, asn: int, names: tuple[str, ...]
    ) -> IrrPreview | None:
        """The member's expansion now, when the exchange filters by IRR (else None)."""
        exchange = repo.exchange.model
        if self.irr is None or exchange.irr_filter is None:
            return None
        return await self.irr.preview(exchange, asn, names, repo.irr_data().get(asn))
