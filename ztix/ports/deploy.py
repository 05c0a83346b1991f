"""The route-server deploy port: where a config goes, how a deploy went, and the deployer."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ztix.errors import AdapterError
from ztix.models import Exchange, RouteServer

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


def sha256(text: str) -> str:
    """Hex sha256 of a config text (what a deployed config is known by)."""
    return hashlib.sha256(text.encode()).hexdigest()
