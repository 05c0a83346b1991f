"""A member's file (`peers/AS<asn>.yaml`)."""

import ipaddress
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from ztix.models.base import Strict
from ztix.models.fields import (
    ASN,
    AsSets,
    Day,
    DbId,
    Email,
    Flag,
    Int,
    IPv4,
    IPv6,
    Limit,
    LongText,
    NodeId,
    Text,
)


class PeerSessions(Strict):
    """Per-member overrides of the exchange's session settings (agreed with the IX admins)."""

    hold_time: Annotated[Int, Field(ge=3, le=65535)] | None = None
    keepalive_time: Annotated[Int, Field(ge=1, le=21845)] | None = None
    bfd: Flag | None = None


class Connection(Strict):
    """One member router on the exchange: its ZeroTier node and its peering addresses."""

    zerotier_node_id: NodeId
    ipv4: IPv4 | None = None
    ipv6: IPv6 | None = None

    @model_validator(mode="after")
    def _one_address(self) -> Self:
        if self.ipv4 is None and self.ipv6 is None:
            raise ValueError("needs an ipv4 or an ipv6 peering address (or both)")
        return self


class MaxPrefix(Strict):
    """Import limits per family; a family left out takes the default from `ix.yaml`."""

    ipv4: Limit | None = None
    ipv6: Limit | None = None


class RequestedBy(Strict):
    """Provenance: who asked for this file through the portal, and when."""

    peeringdb_user_id: DbId
    date: Day


class Peer(Strict):
    """One member (`peers/AS<asn>.yaml`)."""

    asn: ASN
    name: Text
    description: LongText | None = None
    peeringdb_net_id: DbId | None = None
    contact: Email
    as_set: AsSets = ()
    state: Literal["active", "suspended"] = "active"
    connections: tuple[Connection, ...] = Field(min_length=1, max_length=8)
    max_prefix: MaxPrefix = MaxPrefix()
    graceful_shutdown: Flag = Field(
        default=False,
        description="planned work: tag every route of this member GRACEFUL_SHUTDOWN (RFC 8326)",
    )
    bgp: PeerSessions = PeerSessions()
    requested_by: RequestedBy | None = None

    @property
    def active(self) -> bool:
        """Whether the member is to be connected (not suspended)."""
        return self.state == "active"

    def addresses(self) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]:
        """Every peering address of the member, in file order."""
        out: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
        for connection in self.connections:
            out += [a for a in (connection.ipv4, connection.ipv6) if a is not None]
        return tuple(out)
