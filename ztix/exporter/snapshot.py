"""One reading of the exchange: the repository as it stands, every route server, ZeroTier.

The poll loop takes a new snapshot every interval; /metrics always serves the last whole one,
so a scrape never waits for a route server and never sees half a reading.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ztix.errors import ValidationFailed, ZtixError
from ztix.load.loader import Repository
from ztix.plan.zerotier import desired_members
from ztix.ports.status import BirdReader
from ztix.ports.zerotier import Member, ZeroTierProvider
from ztix.status.collect import RouteServerStatus, status

LOG = logging.getLogger("ztix.exporter")


@dataclass(frozen=True)
class ZeroTierReading:
    """What the ZeroTier network said (or that it could not be read)."""

    up: bool
    error: str = ""
    members: tuple[Member, ...] = ()
    desired: dict[str, Member] = field(default_factory=dict)


@dataclass(frozen=True)
class Snapshot:
    """Everything one cycle read, with when and how long it took."""

    taken: float
    duration: float
    repo: Repository | None
    repo_error: str
    commit: str | None
    commit_time: float | None
    route_servers: tuple[RouteServerStatus, ...] = ()
    zerotier: ZeroTierReading | None = None  # None: no ZeroTier token configured


def _timestamp(value: str) -> float:
    when = datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
    return when.timestamp()


def irr_refreshed(repo: Repository) -> dict[int, float]:
    """Member ASN -> when its IRR data was refreshed (Unix time)."""
    return {data.asn: _timestamp(data.refreshed) for data in repo.irr_data().values()}


class Poller:
    """Reads the exchange every `interval` seconds into `latest` (never raises)."""

    def __init__(
        self,
        repo_path: Path,
        reader: BirdReader,
        zerotier: Callable[[Repository], ZeroTierProvider] | None,
        interval: float,
    ) -> None:
        self.repo_path = repo_path
        self.reader = reader
        self.zerotier = zerotier
        self.interval = interval
        self.latest: Snapshot | None = None
        self._repo: Repository | None = None
        self._commit: str | None = None

    def _load(self) -> tuple[Repository | None, str, str | None, float | None]:
        """The repository (reloaded when its commit moved), an error, its commit and time."""
        from ztix.load.gitsource import head_commit, head_time  # noqa: PLC0415
        from ztix.load.loader import load  # noqa: PLC0415

        commit = head_commit(self.repo_path)
        stamp = head_time(self.repo_path)
        commit_time = _timestamp(stamp) if stamp else None
        if self._repo is not None and commit is not None and commit == self._commit:
            return self._repo, "", commit, commit_time
        try:
            self._repo = load(self.repo_path)
            self._commit = commit
            return self._repo, "", commit, commit_time
        except (ValidationFailed, ZtixError, OSError) as exc:
            # Keep reading the route servers with the last repository that loaded.
            return self._repo, str(exc).splitlines()[0], commit, commit_time

    async def cycle(self) -> Snapshot:
        """One whole reading."""
        started = time.time()
        repo, repo_error, commit, commit_time = await asyncio.to_thread(self._load)
        servers: tuple[RouteServerStatus, ...] = ()
        zt: ZeroTierReading | None = None
        if repo is not None:
            exchange = repo.exchange.model
            peers = [p.model for p in repo.peers]
            servers = tuple(await status(exchange, peers, self.reader, details=True))
            if self.zerotier is not None:
                zt = await self._zerotier(repo)
        snapshot = Snapshot(
            started, time.time() - started, repo, repo_error, commit, commit_time, servers, zt
        )
        self.latest = snapshot
        return snapshot

    async def _zerotier(self, repo: Repository) -> ZeroTierReading:
        assert self.zerotier is not None
        exchange = repo.exchange.model
        desired = desired_members(exchange, [p.model for p in repo.peers])
        provider = self.zerotier(repo)  # a new one each cycle: no breaker stays open
        try:
            members = await provider.list_members()
        except ZtixError as exc:
            return ZeroTierReading(False, str(exc).splitlines()[0], desired=desired)
        finally:
            await provider.aclose()
        return ZeroTierReading(True, members=tuple(members), desired=desired)

    async def run(self) -> None:
        """Read forever, every interval; a failed cycle is logged and the next one tried."""
        while True:
            try:
                await self.cycle()
            except Exception:  # the loop must outlive anything one cycle meets
                LOG.exception("exporter cycle failed")
            await asyncio.sleep(self.interval)
