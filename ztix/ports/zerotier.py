"""The ZeroTier port: a provider (controller or Central) and the member shape it speaks."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Protocol

DESCRIPTION = "managed by ZT-IX from the peering repository"


@dataclass(frozen=True, order=True)
class Member:
    """What ZT-IX sets on one member: authorization, fixed addresses, name, and no extras."""

    node_id: str
    name: str
    authorized: bool
    ip_assignments: tuple[str, ...]
    no_auto_assign_ips: bool = True
    # An exchange LAN has no bridges and uses no capabilities or tags (README, ZeroTier).
    active_bridge: bool = False
    capabilities: tuple[int, ...] = ()
    tags: tuple[tuple[int, int], ...] = ()
    # When the node last checked in (seconds since the epoch), where the API says (Central's
    # lastSeen; a self-hosted controller's API does not): read for monitoring, never written.
    last_seen: float | None = field(default=None, compare=False)

    def same_settings(self, other: Member) -> bool:
        """Equal in everything ZT-IX writes (addresses compared as sets)."""
        return (
            self.name == other.name
            and self.authorized == other.authorized
            and set(self.ip_assignments) == set(other.ip_assignments)
            and self.no_auto_assign_ips == other.no_auto_assign_ips
            and self.active_bridge == other.active_bridge
            and set(self.capabilities) == set(other.capabilities)
            and set(self.tags) == set(other.tags)
        )

    def describe(self) -> str:
        """One line: authorization, addresses and anything extra."""
        parts = ["authorized" if self.authorized else "deauthorized"]
        parts += list(self.ip_assignments) or ["no addresses"]
        if self.active_bridge:
            parts.append("bridge")
        if self.capabilities:
            parts.append(f"capabilities {list(self.capabilities)}")
        if self.tags:
            parts.append(f"tags {[list(t) for t in self.tags]}")
        return " ".join(parts)


def normalise_ips(values: Any) -> tuple[str, ...]:
    """Canonical text of each address, as the controller stores them (CIDR suffix dropped)."""
    out: list[str] = []
    for value in values or ():
        try:
            out.append(str(ipaddress.ip_interface(str(value)).ip))
        except ValueError:
            continue  # the controller drops what it cannot parse; so do we when comparing
    return tuple(out)


def normalise_ints(values: Any) -> tuple[int, ...]:
    """Member capabilities as a sorted tuple of ints (anything else is dropped)."""
    return tuple(sorted(v for v in values or () if isinstance(v, int) and not isinstance(v, bool)))


def normalise_tags(values: Any) -> tuple[tuple[int, int], ...]:
    """Member tags as sorted (id, value) pairs (booleans as 0/1, as the controller reads them)."""
    out = []
    for item in values or ():
        if isinstance(item, list | tuple) and len(item) == 2:
            out.append((int(item[0]), int(item[1])))
    return tuple(sorted(out))


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
