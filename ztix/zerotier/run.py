"""Plan and apply ZeroTier changes through a provider; results come back as data."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ztix.errors import ZtixError
from ztix.models import Exchange, Peer
from ztix.ports import ZeroTierProvider
from ztix.zerotier.reconcile import (
    MemberChange,
    NetworkChange,
    desired_members,
    desired_network,
    plan_members,
    plan_network,
)

ACTIONS = ("created", "updated", "deauthorized", "unchanged", "unmanaged")


@dataclass(frozen=True)
class ZeroTierPlan:
    """Everything that differs between the files and the live network."""

    network_id: str
    network: NetworkChange
    members: tuple[MemberChange, ...]

    @property
    def write_count(self) -> int:
        """How many write calls applying this plan makes."""
        return int(self.network.writes) + sum(1 for m in self.members if m.writes)

    def counts(self) -> dict[str, int]:
        """Number of members per action, every action present."""
        counted: Counter[str] = Counter(m.action for m in self.members)
        return {action: counted.get(action, 0) for action in ACTIONS}

    def summary(self) -> str:
        """One line for terminals and reports."""
        counts = ", ".join(f"{n} {action}" for action, n in self.counts().items())
        network = (
            "network to create"
            if not self.network.exists
            else f"network keys to set: {', '.join(sorted(self.network.patch))}"
            if self.network.patch
            else "network unchanged"
        )
        return f"zerotier {self.network_id}: {network}; members: {counts}"


@dataclass
class ApplyResult:
    """What an apply did: the changes written, and those that failed with why."""

    done: list[MemberChange] = field(default_factory=list)
    failed: list[tuple[MemberChange, str]] = field(default_factory=list)
    network_written: bool = False
    network_error: str = ""

    @property
    def ok(self) -> bool:
        """Whether every planned write succeeded."""
        return not self.failed and not self.network_error


async def plan(
    provider: ZeroTierProvider, exchange: Exchange, peers: Sequence[Peer]
) -> ZeroTierPlan:
    """Read live state and diff it against the files (two or three read calls)."""
    network_id = await provider.network_id()
    live_network, live_members = await asyncio.gather(
        provider.get_network(), provider.list_members()
    )
    return ZeroTierPlan(
        network_id=network_id,
        network=plan_network(desired_network(exchange), live_network),
        members=tuple(plan_members(desired_members(exchange, peers), live_members)),
    )


async def apply(
    provider: ZeroTierProvider,
    planned: ZeroTierPlan,
    phases: Iterable[str] = ("authorize", "deauthorize"),
) -> ApplyResult:
    """Write the planned changes of the given phases; the network config goes first.

    A failed member write does not stop the others: each write is independent and idempotent,
    so the next run completes whatever this one could not.
    """
    result = ApplyResult()
    wanted = set(phases)
    if planned.network.writes and "authorize" in wanted:
        try:
            await provider.update_network(planned.network.patch)
            result.network_written = True
        except ZtixError as exc:
            result.network_error = str(exc)
            return result  # members of a network we could not configure wait for the next run

    async def write(change: MemberChange) -> None:
        assert change.desired is not None
        try:
            await provider.upsert_member(change.desired)
        except ZtixError as exc:
            result.failed.append((change, str(exc)))
        else:
            result.done.append(change)

    await asyncio.gather(*(write(c) for c in planned.members if c.phase in wanted))
    result.done.sort()
    result.failed.sort()
    return result


def plan_lines(planned: ZeroTierPlan, *, verbose: bool = True) -> list[str]:
    """The plan for a terminal: one line per member (only changes unless verbose), then counts."""
    lines = []
    for change in planned.members:
        if verbose or change.writes or change.action == "unmanaged":
            member = change.desired or change.live
            name = member.name if member else ""
            ips = " ".join(change.desired.ip_assignments) if change.desired else ""
            extra = f" ({change.detail})" if change.detail else ""
            lines.append(f"  {change.action:<12} {change.node_id} {name:<20} {ips}{extra}")
    lines.append(planned.summary())
    return lines
