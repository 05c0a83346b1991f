"""The exchange file (`ix.yaml`): route servers, ZeroTier, RPKI, sessions and policy."""

import ipaddress
from typing import Annotated, Literal, Self, TypeVar

from pydantic import AfterValidator, Field, model_validator

from ztix.models.admission import Admission
from ztix.models.base import Strict
from ztix.models.fields import (
    ASN,
    AbsPath,
    BirdSymbol,
    Flag,
    Hex6,
    Host,
    HostKey,
    Identifier,
    Int,
    IPv4,
    IPv6,
    Limit,
    LogTarget,
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
from ztix.models.irr import Irr
from ztix.models.ixf import IxfExport
from ztix.models.special import DOCUMENTATION_V4, DOCUMENTATION_V6

N = TypeVar("N", ipaddress.IPv4Network, ipaddress.IPv6Network)
# Networks that sell transit to everyone and buy it from no one: a path through one of them that a
# member announces is a route leak, unless the member is that network (arouteserver's default
# list of transit-free ASNs).
# fmt: off
TRANSIT_FREE_ASNS = (
    174, 701, 1299, 2914, 3257, 3320, 3356, 3491, 5511, 6453, 6461, 6762, 6830, 7018, 12956,
)
# fmt: on
# Peering LAN sizes that make sense (room for route servers and members, not half the internet).
LAN_LENGTHS = {4: (8, 29), 6: (32, 120)}


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


def _check_sentinel(network: N) -> N:
    space = [
        ipaddress.ip_network(doc)
        for doc in (DOCUMENTATION_V4 if network.version == 4 else DOCUMENTATION_V6)
    ]
    if not any(network.subnet_of(doc) for doc in space):  # type: ignore[arg-type]
        where = ", ".join(str(doc) for doc in space)
        raise ValueError(
            f"{network} is not documentation space ({where}, RFC 5737 / RFC 3849): a sentinel "
            "ROA anywhere else makes real routes of other origins RPKI-invalid"
        )
    return network


SentinelNet4 = Annotated[Net4, AfterValidator(_check_sentinel)]
SentinelNet6 = Annotated[Net6, AfterValidator(_check_sentinel)]
LanNet4 = Annotated[Net4, AfterValidator(_check_lan)]
LanNet6 = Annotated[Net6, AfterValidator(_check_lan)]


class PeeringLan(Strict):
    """The shared layer-2 segment's prefixes; at least one family."""

    ipv4: LanNet4 | None = None
    ipv6: LanNet6 | None = None

    @model_validator(mode="after")
    def _one_family(self) -> Self:
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
    def _network(self) -> Self:
        if self.network_id is None and (self.provider == "central" or self.network_suffix is None):
            raise ValueError("needs network_id (or, for self_hosted_controller, network_suffix)")
        return self


class Ssh(Strict):
    """How to reach a route server; the host key is pinned, never learned on first use."""

    host: Host
    port: Port = 22
    user: Identifier
    host_key: HostKey = Field(description="the server's public host key, '<type> <base64>'")


# The files a deploy keeps beside the live config on a route server (its path + the suffix);
# ztix.adapters.routeserver names them from here.
UPLOAD, BACKUP, STAMP, LOCK = ".ztix-new", ".ztix-prev", ".ztix-confirmed", ".ztix-lock"
DEPLOY_FILES = {
    UPLOAD: "the deploy's upload",
    BACKUP: "the deploy's backup",
    STAMP: "the deploy's confirmation stamp",
    LOCK: "the deploy's lock",
}


class Bird(Strict):
    """The BIRD daemon on a route server."""

    version: Literal["2.0", "2.14", "3"] = Field(
        default="2.0",
        description="syntax generation: 2.0 (2.0.12 and later 2.0.x), 2.14 (2.14 to 2.x), 3 (3.x)",
    )
    config_path: AbsPath = "/etc/bird/bird.conf"
    control_socket: AbsPath = "/run/bird/bird.ctl"
    log: LogTarget = Field(
        default="syslog",
        description="where BIRD logs: syslog, stderr (journald, containers) or a file path",
    )

    @model_validator(mode="after")
    def _log_elsewhere(self) -> Self:
        # BIRD would append its log to the file it reads its config from, or try to open the
        # control socket as a log: the next deploy would fail, or the route server's config rot.
        deploy = {f"{self.config_path}{suffix}": what for suffix, what in DEPLOY_FILES.items()}
        files = {self.config_path: "the config file", **deploy}
        if self.log in files or self.log == self.control_socket:
            what = files.get(self.log, "the control socket")
            raise ValueError(f"log {self.log} is {what}; log to another file")
        if self.control_socket in files:
            raise ValueError(
                f"control_socket {self.control_socket} is {files[self.control_socket]}; "
                "give the socket a path of its own"
            )
        return self


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
    graceful_shutdown: Flag = Field(
        default=False,
        description="before maintenance: tag every route this route server sends with "
        "GRACEFUL_SHUTDOWN (RFC 8326), so members prefer the other route servers",
    )


class RtrServer(Strict):
    """An RPKI-to-Router (RFC 8210) cache the route servers validate against."""

    name: BirdSymbol = Field(description="the BIRD protocol name: not a BIRD keyword")
    host: Host
    port: Port = 323


class Sentinel(Strict):
    """A ROA that only a cache with its data loaded serves (the operator adds it with SLURM)."""

    # RFC 5737 / RFC 3849 documentation space: no real route is ever valid or announced there.
    # Anywhere else the SLURM assertion would make every covered route of another origin
    # RPKI-invalid at every route server that loads it.
    ipv4: SentinelNet4 = ipaddress.IPv4Network("192.0.2.0/24")
    ipv6: SentinelNet6 = ipaddress.IPv6Network("2001:db8::/32")
    asn: ASN | None = Field(default=None, description="its origin; default the route servers' ASN")


class Rpki(Strict):
    """RPKI origin validation (RFC 6811) over RTR (RFC 8210)."""

    rtr_servers: tuple[RtrServer, ...] = Field(min_length=1)
    invalid: Literal["reject", "tag"] = Field(
        default="reject", description="reject RPKI-invalid routes, or only tag them"
    )
    # RTR timers in seconds, BIRD's `retry/refresh/expire keep` (BIRD's ranges). A short retry
    # bounds how long after a cache comes back the route servers load its data: BIRD 2.0.x
    # retries with its old session until the cache's Corrupt Data error reaches it, and a cache
    # that closes the connection right after that error (stayrtr) makes that take several
    # tries (bench_recovery: retry 1 s, median 4 s; retry 5 s, 22-47 s).
    retry: Annotated[Int, Field(ge=1, le=7200)] = 1
    refresh: Annotated[Int, Field(ge=1, le=86400)] = 300
    expire: Annotated[Int, Field(ge=600, le=172800)] = 7200
    until_loaded: Literal["hold", "accept"] = Field(
        default="hold",
        description="hold: routes wait (kept, tagged 'RPKI not loaded') until the caches' data "
        "has loaded, shown by the sentinel ROA; accept: they pass as RPKI-unknown meanwhile",
    )
    sentinel: Sentinel = Sentinel()

    @model_validator(mode="after")
    def _timers(self) -> Self:
        if self.expire <= max(self.refresh, self.retry):
            raise ValueError("expire must be longer than refresh and retry (RFC 8210 section 6)")
        return self


class Sessions(Strict):
    """BGP session settings for every member (a peer file may override the timers and BFD)."""

    # A member whose node vanishes is noticed when its hold timer expires: BIRD's default of
    # 240 s kept its routes exported for minutes over ZeroTier (issue 14); 15 s bounds that.
    hold_time: Annotated[Int, Field(ge=3, le=65535)] = 15
    keepalive_time: Annotated[Int, Field(ge=1, le=21845)] = 5
    bfd: Flag = Field(default=False, description="BFD on every session (members run it too)")
    role: Flag = Field(
        default=True, description="announce the BGP role rs_server (RFC 9234, BIRD 2.0.11+)"
    )
    # How soon a session comes back after a failure (README "Sessions and liveness"): BIRD's
    # defaults (connect delay 5 s, connect retry 120 s, error wait 60-300 s) kept a member whose
    # node came back down for about a minute.
    connect_delay_time: Annotated[Int, Field(ge=1, le=300)] = Field(
        default=1, description="seconds from a session's start to its first connection attempt"
    )
    connect_retry_time: Annotated[Int, Field(ge=1, le=65535)] = Field(
        default=5, description="seconds between connection attempts to a member that is away"
    )
    error_wait_time: tuple[
        Annotated[Int, Field(ge=1, le=86400)], Annotated[Int, Field(ge=1, le=86400)]
    ] = Field(
        default=(5, 60),
        description="[first, most]: seconds after an error before the session restarts, "
        "doubling on repeated errors (not with policy.max_prefix_action: restart, whose wait "
        "applies instead)",
    )

    @model_validator(mode="after")
    def _keepalive(self) -> Self:
        if self.keepalive_time * 3 > self.hold_time:
            raise ValueError("keepalive_time must be at most a third of hold_time (RFC 4271 10)")
        if self.error_wait_time[0] > self.error_wait_time[1]:
            raise ValueError("error_wait_time: the first wait is longer than the longest")
        return self


class BlackholeNextHop(Strict):
    """Where BLACKHOLE routes point: a discard address members route to nowhere."""

    ipv4: IPv4 | None = None
    ipv6: IPv6 | None = None


class FamilyPolicy(Strict):
    """Per address family: accepted prefix lengths and max-prefix bounds."""

    min_length: PrefixLength
    max_length: PrefixLength
    max_prefix_default: Limit = Field(description="used when a peer file sets none")
    max_prefix_ceiling: Limit = Field(description="no peer may set a higher max-prefix")

    @model_validator(mode="after")
    def _order(self) -> Self:
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
    max_prefix_action: Literal["disable", "block", "restart"] = Field(
        default="disable",
        description="over max-prefix: disable (the session stays down until `ztix rs enable`), "
        "block (keep the session, take no more routes) or restart (after "
        "max_prefix_restart_minutes, doubling on each repeat up to four times that)",
    )
    max_prefix_restart_minutes: Annotated[Int, Field(ge=1, le=1440)] = 5
    max_prefix_counts: Literal["received", "accepted"] = Field(
        default="received",
        description="what the limit counts: every route received (BIRD `receive limit`, a leak "
        "trips it even when filtered) or only accepted ones (`import limit`)",
    )
    transit_free_asns: tuple[ASN, ...] = Field(
        default=TRANSIT_FREE_ASNS,
        description="a route through one of these networks is a leak unless the member is it",
    )
    blackhole: Literal["reject", "propagate"] = Field(
        default="reject",
        description="BLACKHOLE routes (RFC 7999): reject, or pass them on pointed at "
        "blackhole_next_hop with NO_EXPORT",
    )
    blackhole_next_hop: BlackholeNextHop = BlackholeNextHop()
    ipv4: FamilyPolicy = FamilyPolicy(
        min_length=8, max_length=24, max_prefix_default=100, max_prefix_ceiling=200000
    )
    ipv6: FamilyPolicy = FamilyPolicy(
        min_length=12, max_length=48, max_prefix_default=20, max_prefix_ceiling=50000
    )

    @model_validator(mode="after")
    def _lengths(self) -> Self:
        if self.ipv4.max_length > 32:
            raise ValueError("ipv4.max_length is longer than 32")
        hop = self.blackhole_next_hop
        if self.blackhole == "propagate" and hop.ipv4 is None and hop.ipv6 is None:
            raise ValueError("blackhole: propagate needs blackhole_next_hop (ipv4 and/or ipv6)")
        return self


class Exchange(Strict):
    """The exchange itself (`ix.yaml`)."""

    name: Text
    asn: ASN = Field(description="the route servers' ASN")
    peering_lan: PeeringLan
    zerotier: ZeroTier
    route_servers: tuple[RouteServer, ...] = Field(min_length=1)
    rpki: Rpki
    bgp: Sessions = Sessions()
    policy: Policy = Policy()
    irr: Irr = Field(
        description="IRR filtering, a decision every exchange makes: servers and sources to "
        "filter members by their registrations (irr/ files), or enabled: false with a reason"
    )
    ixf: IxfExport = Field(
        default=IxfExport(), description="identifiers and contacts for the IX-F member export"
    )
    admission: Admission = Field(
        default=Admission(),
        description="who may join: allowed and refused ASNs, PeeringDB requirements",
    )

    @property
    def irr_filter(self) -> Irr | None:
        """The IRR settings when members are filtered by their registrations, else None."""
        return self.irr if self.irr.enabled else None
