"""The data model: the exchange (`ix.yaml`) and a member (`peers/AS<asn>.yaml`), frozen, strict."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ztix.fields import (
    ASN,
    AbsPath,
    AsSets,
    BirdSymbol,
    Day,
    DbId,
    Email,
    Flag,
    Hex6,
    Host,
    HostKey,
    Identifier,
    Int,
    IPv4,
    IPv6,
    Limit,
    LongText,
    Net4,
    Net6,
    NetworkId,
    NodeId,
    PathLength,
    Port,
    PrefixLength,
    RouterId,
    Text,
    Url,
)

N = TypeVar("N", ipaddress.IPv4Network, ipaddress.IPv6Network)
# Peering LAN sizes that make sense (room for route servers and members, not half the internet).
LAN_LENGTHS = {4: (8, 29), 6: (32, 120)}


class Strict(BaseModel):
    """Base of every file model: immutable, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True, defer_build=True)


# --------------------------------------------------------------------------- ix.yaml


def _check_lan(network: N) -> N:
    low, high = LAN_LENGTHS[network.version]
    if not low <= network.prefixlen <= high:
        raise ValueError(f"{network} is not a peering LAN: use a /{low} to /{high}")
    special = (
        network.is_multicast
        or network.is_loopback
        or network.is_link_local
        or network.is_unspecified
        or network.is_reserved
        or network.network_address.is_unspecified
    )
    if special:
        raise ValueError(f"{network} is multicast, loopback, link-local or reserved space")
    return network


LanNet4 = Annotated[Net4, AfterValidator(_check_lan)]
LanNet6 = Annotated[Net6, AfterValidator(_check_lan)]


class PeeringLan(Strict):
    """The shared layer-2 segment's prefixes; at least one family."""

    ipv4: LanNet4 | None = None
    ipv6: LanNet6 | None = None

    @model_validator(mode="after")
    def _one_family(self) -> PeeringLan:
        if self.ipv4 is None and self.ipv6 is None:
            raise ValueError("needs an ipv4 or an ipv6 prefix (or both)")
        return self


class OperatorNode(Strict):
    """A node of the exchange's own operators, allowed on the network but not on the LAN."""

    node_id: NodeId
    name: Identifier


class ZeroTier(Strict):
    """Where the IX's ZeroTier network is managed; the token comes only from the environment."""

    provider: Literal["self_hosted_controller", "central"]
    api_url: Url = Field(
        description="e.g. http://127.0.0.1:9993 or https://api.zerotier.com/api/v1"
    )
    network_id: NetworkId | None = Field(
        default=None,
        description="16 hex digits; for a self-hosted controller it may be omitted and composed "
        "from the controller's node id and network_suffix",
    )
    network_suffix: Hex6 | None = Field(
        default=None, description="6 hex digits appended to the controller's node id"
    )
    # 2800 is ZeroTier's default; every member gets the same one, so no path MTU surprises.
    mtu: Annotated[Int, Field(ge=1280, le=10000)] = 2800
    # Recipients per multicast/broadcast; ARP and ND ride on it (0 would break IPv4, per
    # Central's API description).
    multicast_limit: Annotated[Int, Field(ge=1, le=10000)] = 32
    operator_nodes: tuple[OperatorNode, ...] = Field(
        default=(),
        description="the operator's own nodes (monitoring, laptops): left authorized, but never "
        "with a peering-LAN address; any other member no file names is deauthorized",
    )

    @model_validator(mode="after")
    def _network(self) -> ZeroTier:
        if self.network_id is None and (self.provider == "central" or self.network_suffix is None):
            raise ValueError("needs network_id (or, for self_hosted_controller, network_suffix)")
        return self


class Ssh(Strict):
    """How to reach a route server; the host key is pinned, never learned on first use."""

    host: Host
    port: Port = 22
    user: Identifier
    host_key: HostKey = Field(description="the server's public host key, '<type> <base64>'")


class Bird(Strict):
    """The BIRD daemon on a route server."""

    version: Literal["2.0", "2.14", "3"] = Field(
        default="2.0",
        description="syntax generation: 2.0 (2.0.12 and later 2.0.x), 2.14 (2.14 to 2.x), 3 (3.x)",
    )
    config_path: AbsPath = "/etc/bird/bird.conf"
    control_socket: AbsPath = "/run/bird/bird.ctl"


class RouteServer(Strict):
    """One route server: its ZeroTier node, LAN addresses, router id, SSH access and BIRD."""

    name: Identifier
    zerotier_node_id: NodeId
    ipv4: IPv4 | None = None
    ipv6: IPv6 | None = None
    router_id: RouterId
    ssh: Ssh
    bird: Bird = Bird()
    canary: Flag = Field(default=False, description="deploy here first, the rest after it")


class RtrServer(Strict):
    """An RPKI-to-Router (RFC 8210) cache the route servers validate against."""

    name: BirdSymbol = Field(description="the BIRD protocol name: not a BIRD keyword")
    host: Host
    port: Port = 323


class Rpki(Strict):
    """RPKI origin validation (RFC 6811)."""

    rtr_servers: tuple[RtrServer, ...] = Field(min_length=1)
    invalid: Literal["reject", "tag"] = Field(
        default="reject", description="reject RPKI-invalid routes, or only tag them"
    )


class FamilyPolicy(Strict):
    """Per address family: accepted prefix lengths and max-prefix bounds."""

    min_length: PrefixLength
    max_length: PrefixLength
    max_prefix_default: Limit = Field(description="used when a peer file sets none")
    max_prefix_ceiling: Limit = Field(description="no peer may set a higher max-prefix")

    @model_validator(mode="after")
    def _order(self) -> FamilyPolicy:
        if self.min_length > self.max_length:
            raise ValueError("min_length is greater than max_length")
        if self.max_prefix_default > self.max_prefix_ceiling:
            raise ValueError("max_prefix_default is greater than max_prefix_ceiling")
        return self


class Policy(Strict):
    """Route-server policy defaults for every peer."""

    allow_documentation_asns: Flag = Field(
        default=False, description="accept RFC 5398 documentation ASNs (labs and examples only)"
    )
    allow_private_asns: Flag = Field(
        default=False, description="accept RFC 6996 private ASNs as peers and in AS paths"
    )
    max_as_path_length: PathLength = 32
    ipv4: FamilyPolicy = FamilyPolicy(
        min_length=8, max_length=24, max_prefix_default=100, max_prefix_ceiling=200000
    )
    ipv6: FamilyPolicy = FamilyPolicy(
        min_length=12, max_length=48, max_prefix_default=20, max_prefix_ceiling=50000
    )

    @model_validator(mode="after")
    def _lengths(self) -> Policy:
        if self.ipv4.max_length > 32:
            raise ValueError("ipv4.max_length is longer than 32")
        return self


class Exchange(Strict):
    """The exchange itself (`ix.yaml`)."""

    name: Text
    asn: ASN = Field(description="the route servers' ASN")
    peering_lan: PeeringLan
    zerotier: ZeroTier
    route_servers: tuple[RouteServer, ...] = Field(min_length=1)
    rpki: Rpki
    policy: Policy = Policy()


# --------------------------------------------------------------------------- peers/AS<asn>.yaml


class Connection(Strict):
    """One member router on the exchange: its ZeroTier node and its peering addresses."""

    zerotier_node_id: NodeId
    ipv4: IPv4 | None = None
    ipv6: IPv6 | None = None

    @model_validator(mode="after")
    def _one_address(self) -> Connection:
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
