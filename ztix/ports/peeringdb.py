"""The PeeringDB port: the facts ZT-IX uses about a network, looked up by ASN."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Network:
    """The facts ZT-IX uses about a PeeringDB `net` object."""

    id: int
    asn: int
    name: str
    irr_as_set: str
    info_prefixes4: int | None
    info_prefixes6: int | None
    never_via_route_servers: bool
    status: str
    policy_general: str = ""  # Open, Selective, Restrictive or No ("" when not given)


class PeeringDB(Protocol):
    """Looks up PeeringDB networks by ASN."""

    async def network(self, asn: int) -> Network | None:
        """The network with this ASN, or None if PeeringDB has none."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
