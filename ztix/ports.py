"""The Protocols that side-effect adapters implement; entry points build them from settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ztix.zerotier.model import Member

if TYPE_CHECKING:
    from ztix.deploy import DeployResult, Target


class ZeroTierProvider(Protocol):
    """A ZeroTier network controller API (self-hosted controller or Central)."""

    async def network_id(self) -> str:
        """The id of the exchange's network (may ask the controller for its node id)."""
        ...

    async def get_network(self) -> dict[str, Any] | None:
        """The network's config in controller form (flat), or None if it does not exist."""
        ...

    async def update_network(self, patch: dict[str, Any]) -> None:
        """Set the given config keys (creating the network where the provider can)."""
        ...

    async def list_members(self) -> list[Member]:
        """Every member of the network, managed or not."""
        ...

    async def get_member(self, node_id: str) -> Member | None:
        """One member (to re-read a write whose answer was lost), or None if there is none."""
        ...

    async def upsert_member(self, member: Member) -> None:
        """Make one member look like `member` (creating its record if needed)."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


class RouteServerDeployer(Protocol):
    """Puts a BIRD config on a route server safely, or tells how it differs."""

    async def deploy(self, target: Target, config: str) -> DeployResult:
        """Deploy with check, timed reconfigure, health check and confirm (or restore)."""
        ...

    async def status(self, target: Target, config: str) -> DeployResult:
        """Compare without changing anything."""
        ...

    async def deploy_all(
        self, jobs: Sequence[tuple[Target, str]], canary: str
    ) -> list[DeployResult]:
        """Prepare all, then the canary, then the rest in parallel."""
        ...
