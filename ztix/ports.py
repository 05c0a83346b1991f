"""The Protocols that side-effect adapters implement, and the types they speak.

Adapters import these types from here (never the other way round); entry points build the
adapters from settings and pass them down.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ztix.errors import AdapterError, Unavailable
from ztix.models import Exchange, Irr, RouteServer
from ztix.zerotier.model import Member

DeployAction = Literal["unchanged", "deployed", "failed", "skipped", "would-deploy"]
# A route server's config for a set of held sessions (those kept down by max-prefix): the deployer
# learns that set from the route server and renders with it.
Render = Callable[[frozenset[str]], str]


@dataclass(frozen=True)
class DeploySettings:
    """Timing and bounds of a deploy; these defaults are the only ones (ztix.settings reads
    each from ZTIX_<NAME> with this default)."""

    connect_timeout: float = 10.0
    command_timeout: float = 60.0
    confirm_timeout: int = 60  # BIRD undoes the reconfigure after this many seconds
    health_settle: float = 5.0  # watch unchanged sessions this long before confirming
    lock_wait: int = 300  # wait this long for another apply's deploy to finish
    reconfigure_wait: float = 60.0  # bound on BIRD finishing a reconfiguration in the background
    rpki_wait: float = 30.0  # bound on the RTR sessions coming up and loading ROAs


class StatusError(AdapterError):
    """A route server could not be read (SSH, the control socket, an answer cut short)."""


class BirdReader(Protocol):
    """Runs BIRD show commands on a route server over the read-only key (`birdc -r`)."""

    async def query(self, target: Target, commands: Sequence[str]) -> list[str]:
        """Each command's answer, in order; StatusError if the route server cannot be read."""
        ...


class DeployError(AdapterError):
    """A deploy step failed; the message says which and what state the server is left in."""


@dataclass(frozen=True)
class RpkiCheck:
    """What a healthy route server's RPKI looks like: every RTR protocol Established, ROAs
    loaded, and (when routes are held until then) the sentinel ROA valid."""

    protocols: tuple[str, ...]
    sentinel: tuple[str, str, int] | None  # (ipv4 prefix, ipv6 prefix, origin ASN)


@dataclass(frozen=True)
class Target:
    """Where one route server's config goes."""

    name: str
    host: str
    port: int
    user: str
    host_key: str
    config_path: str
    control_socket: str
    rpki: RpkiCheck = RpkiCheck((), None)

    @classmethod
    def from_model(cls, rs: RouteServer, exchange: Exchange | None = None) -> Target:
        """Build from the `ix.yaml` route server (and the exchange's RPKI settings)."""
        rpki = RpkiCheck((), None)
        if exchange is not None:
            config = exchange.rpki
            mark = config.sentinel
            sentinel = (
                (str(mark.ipv4), str(mark.ipv6), mark.asn or exchange.asn)
                if config.until_loaded == "hold"
                else None
            )
            rpki = RpkiCheck(tuple(rtr.name for rtr in config.rtr_servers), sentinel)
        return cls(
            rs.name,
            rs.ssh.host,
            rs.ssh.port,
            rs.ssh.user,
            rs.ssh.host_key,
            rs.bird.config_path,
            rs.bird.control_socket,
            rpki,
        )

    def known_hosts(self) -> str:
        """The pinned host key as one known_hosts line."""
        host = self.host if self.port == 22 else f"[{self.host}]:{self.port}"
        return f"{host} {self.host_key}\n"


@dataclass
class DeployResult:
    """What happened on one route server, step by step."""

    route_server: str
    action: DeployAction
    detail: str = ""
    sha256: str = ""
    steps: list[str] = field(default_factory=list)
    # Sessions kept down after exceeding their max-prefix limit (`ztix rs enable` lifts them).
    held: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the route server ended in the desired state (or a dry run could tell)."""
        return self.action in ("unchanged", "deployed", "would-deploy")


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

    async def status(self, target: Target, render: Render) -> DeployResult:
        """Compare without changing anything (the held sessions come from the route server)."""
        ...

    async def deploy_all(
        self, jobs: Sequence[tuple[Target, Render]], canary: str, lift: frozenset[str] = frozenset()
    ) -> list[DeployResult]:
        """Prepare all, then the canary, then the rest in parallel; `lift`: held sessions to
        enable again."""
        ...


# ---------------------------------------------------------------------------- IRR


@dataclass(frozen=True)
class Expansion:
    """What one AS-SET (or ASN) expanded to: origin ASNs and prefixes, canonical text."""

    origins: frozenset[int]
    ipv4: frozenset[str]
    ipv6: frozenset[str]
    server: str


class IrrError(AdapterError):
    """An IRR expansion failed (an error reply, output that is not bgpq4's); the member keeps
    its previous data."""


class IrrNotFound(IrrError):
    """The AS-SET exists in none of the configured sources."""


class IrrUnavailable(IrrError, Unavailable):
    """No IRR server answered (down, silent past the timeout, connection cut)."""


class IrrResolver(Protocol):
    """Expands AS-SETs and ASNs against the exchange's IRR servers and sources."""

    async def expand(self, name: str) -> Expansion:
        """Expand `name` (AS-FOO, RIPE::AS-FOO, AS64500); IrrError subclasses on failure."""
        ...


# Builds a resolver from ix.yaml's irr: settings, whether documentation/private ASNs are kept,
# and a timeout in seconds (the portal's is shorter than the scheduled refresh's).
IrrResolverFactory = Callable[[Irr, bool, float], IrrResolver]
