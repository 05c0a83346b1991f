"""Plan and apply ZeroTier changes through a provider; results come back as data.

Failure shapes: a write that fails is retried by the next run (every write sets absolute
values); a write whose answer was lost is re-read, not counted as failed; when the API is down
the provider's circuit breaker stops the run, and the result says so once ("unreachable after N
attempts, M of K writes done") instead of once per member.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ztix.errors import Down, Unavailable, ZtixError
from ztix.models import Exchange, Peer
from ztix.plan.zerotier import (
    MemberChange,
    NetworkChange,
    desired_members,
    desired_network,
    lan_prefixes,
    plan_members,
    plan_network,
)
from ztix.ports.zerotier import Member, ZeroTierProvider

__all__ = [
    "ApplyResult",
    "Member",
    "MemberChange",
    "NetworkChange",
    "ZeroTierPlan",
    "apply",
    "plan",
]

ACTIONS = ("created", "updated", "deauthorized", "unchanged", "waiting", "absent")


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

    @property
    def incidents(self) -> tuple[str, ...]:
        """Strangers on the exchange LAN (apply repairs them; someone must look)."""
        return tuple(m.incident for m in self.members if m.incident)

    @property
    def drift(self) -> bool:
        """Whether the live network differs from the files."""
        return self.write_count > 0

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
        incidents = f"; {len(self.incidents)} incidents" if self.incidents else ""
        return f"zerotier {self.network_id}: {network}; members: {counts}{incidents}"


@dataclass
class ApplyResult:
    """What an apply did: the writes done, failed, of unknown outcome, and not attempted."""

    done: list[MemberChange] = field(default_factory=list)
    failed: list[tuple[MemberChange, str]] = field(default_factory=list)
    unknown: list[MemberChange] = field(default_factory=list)
    not_attempted: list[MemberChange] = field(default_factory=list)
    network_written: bool = False
    network_error: str = ""
    down: str = ""  # the one message when the API stopped answering

    @property
    def ok(self) -> bool:
        """Whether every planned write succeeded."""
        return not (
            self.failed or self.network_error or self.down or self.unknown or self.not_attempted
        )

    def problems(self) -> list[str]:
        """Every failure as one line each; an API that is down is one line, not one per member."""
        lines = []
        if self.network_error:
            lines.append(f"network: {self.network_error}")
        if self.down:
            lines.append(self.down)
        lines += [f"{change.node_id}: {why}" for change, why in self.failed]
        if self.unknown:
            nodes = " ".join(c.node_id for c in self.unknown)
            lines.append(
                f"outcome unknown for {len(self.unknown)} writes (answer lost; the next run "
                f"re-reads them): {nodes}"
            )
        return lines


async def plan(
    provider: ZeroTierProvider, exchange: Exchange, peers: Sequence[Peer]
) -> ZeroTierPlan:
    """Read live state and diff it against the files (two or three read calls)."""
    network_id = await provider.network_id()
    live_network, live_members = await asyncio.gather(
        provider.get_network(), provider.list_members()
    )
    operators = {node.node_id: node.name for node in exchange.zerotier.operator_nodes}
    return ZeroTierPlan(
        network_id=network_id,
        network=plan_network(desired_network(exchange), live_network),
        members=tuple(
            plan_members(
                desired_members(exchange, peers),
                live_members,
                operators=operators,
                lan=lan_prefixes(exchange),
            )
        ),
    )


async def apply(
    provider: ZeroTierProvider,
    planned: ZeroTierPlan,
    phases: Iterable[str] = ("authorize", "deauthorize"),
    api_url: str = "",
) -> ApplyResult:
    """Write the planned changes of the given phases; the network config goes first.

    A failed member write does not stop the others: each write is independent and idempotent,
    so the next run completes whatever this one could not.
    """
    result = ApplyResult()
    wanted = set(phases)
    writes = [c for c in planned.members if c.phase in wanted]
    if planned.network.writes and "authorize" in wanted:
        try:
            await provider.update_network(planned.network.patch)
            result.network_written = True
        except Unavailable as exc:  # down, or every retry of this call failed
            where = f" at {api_url}" if api_url else ""
            result.down = (
                f"ZeroTier API unreachable{where}: {exc}; 0 of {len(writes)} member writes "
                "done, the next run completes them"
            )
            result.not_attempted = list(writes)
            return result
        except ZtixError as exc:
            result.network_error = str(exc)
            result.not_attempted = list(writes)
            return result  # members of a network we could not configure wait for the next run

    down: list[Down] = []

    async def write(change: MemberChange) -> None:
        assert change.desired is not None
        try:
            await provider.upsert_member(change.desired)
        except Down as exc:
            down.append(exc)
            result.not_attempted.append(change)
        except Unavailable as exc:
            if exc.maybe_applied:
                result.unknown.append(change)
            else:
                result.failed.append((change, str(exc)))
        except ZtixError as exc:
            result.failed.append((change, str(exc)))
        else:
            result.done.append(change)

    await asyncio.gather(*(write(c) for c in writes))
    if result.unknown and not down:
        await _reread(provider, result)
    if down:
        # The breaker's message names the API's URL; said once, not once per member.
        result.down = (
            f"ZeroTier API {down[0]}; {len(result.done)} of {len(writes)} member writes done, "
            "the next run completes the rest"
        )
    result.done.sort()
    result.failed.sort()
    result.unknown.sort()
    result.not_attempted.sort()
    return result


async def _reread(provider: ZeroTierProvider, result: ApplyResult) -> None:
    """A write whose answer was lost may have landed: read the member back and decide."""
    unknown, result.unknown = result.unknown, []
    for change in unknown:
        assert change.desired is not None
        try:
            live = await provider.get_member(change.node_id)
        except ZtixError:
            result.unknown.append(change)
            continue
        if live is not None and change.desired.same_settings(live):
            result.done.append(change)
        else:
            result.failed.append((change, "the write's answer was lost and it did not land"))


def plan_lines(planned: ZeroTierPlan, *, verbose: bool = True) -> list[str]:
    """The plan for a terminal: live -> desired for each member (only changes unless verbose),
    the network keys that differ, the incidents, then the counts."""
    lines = []
    for change in planned.members:
        if verbose or change.writes or change.incident:
            member = change.desired or change.live
            name = member.name if member else ""
            extra = f" ({change.detail})" if change.detail else ""
            lines.append(
                f"  {change.action:<12} {change.node_id} {name:<20} {change.transition()}{extra}"
            )
    if planned.network.exists:
        live = planned.network.live or {}
        for key, value in sorted(planned.network.patch.items()):
            lines.append(f"  network      {key}: {live.get(key)!r} -> {value!r}")
    for incident in planned.incidents:
        lines.append(f"  incident     {incident}")
    lines.append(planned.summary())
    return lines
