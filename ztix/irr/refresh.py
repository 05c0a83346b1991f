"""`ztix irr refresh`: expand every member's AS-SET again and decide, per member, what to write.

Guards (each reported): an expansion that fails keeps the previous data, never an empty list;
a list that grows past `irr.growth_factor` times (beyond `irr.growth_allowance` entries), past
`irr.max_prefixes`, or shrinks to nothing is held back for review (`--accept AS<asn>` takes
it). A member whose registrations did not change keeps its file byte for byte, so a refresh
with nothing new writes nothing.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ztix.load.irrchecks import expected_names
from ztix.models import Irr, IrrData, Peer
from ztix.ports.irr import IrrError, IrrResolver

Status = Literal["new", "updated", "unchanged", "held", "failed"]


@dataclass(frozen=True)
class Counts:
    """Added and removed entries of one list."""

    added: int = 0
    removed: int = 0

    def __str__(self) -> str:
        return f"+{self.added}/-{self.removed}"


@dataclass(frozen=True)
class Decision:
    """What the refresh does for one member; `data` is what to write (None: leave the file)."""

    asn: int
    status: Status
    detail: str
    data: IrrData | None = None
    previous: IrrData | None = None

    @property
    def line(self) -> str:
        """One line for the refresh output and the change's description."""
        return f"{self.status:<9} AS{self.asn}: {self.detail}"


def _sorted_prefixes(prefixes: Iterable[str]) -> tuple[str, ...]:
    networks = sorted(ipaddress.ip_network(p) for p in set(prefixes))
    return tuple(n.compressed for n in networks)


def _lists(data: IrrData) -> dict[str, tuple[str, ...]]:
    return {"origins": data.origins, "ipv4": data.ipv4, "ipv6": data.ipv6}


def _diff(old: tuple[str, ...], new: tuple[str, ...]) -> Counts:
    before, after = set(old), set(new)
    return Counts(len(after - before), len(before - after))


def judge(
    previous: IrrData | None, fresh: IrrData, settings: Irr, *, accept: bool = False
) -> Decision:
    """Write, hold back or leave one member's data (pure: no I/O)."""
    asn = fresh.asn
    if previous is None:
        over = [
            f"{family} {len(values)} > {settings.max_prefixes}"
            for family, values in (("ipv4", fresh.ipv4), ("ipv6", fresh.ipv6))
            if len(values) > settings.max_prefixes
        ]
        if over and not accept:
            return Decision(asn, "held", f"new, but {', '.join(over)} (irr.max_prefixes)")
        sizes = f"{len(fresh.origins)} origins, {len(fresh.ipv4)} IPv4, {len(fresh.ipv6)} IPv6"
        empty = "; registers nothing yet" if not fresh.ipv4 and not fresh.ipv6 else ""
        return Decision(asn, "new", f"{sizes}{empty}", fresh, None)
    old, new = _lists(previous), _lists(fresh)
    same_names = (previous.expanded, previous.sources) == (fresh.expanded, fresh.sources)
    if old == new and same_names:
        return Decision(asn, "unchanged", "registrations as before", None, previous)
    changes = {name: _diff(old[name], new[name]) for name in old}
    detail = ", ".join(f"{name} {changes[name]}" for name in old if changes[name] != Counts())
    detail = detail or "the same lists, expanded from " + ", ".join(fresh.expanded)
    reasons = []
    for family in ("ipv4", "ipv6"):
        before, after = len(old[family]), len(new[family])
        if after > settings.max_prefixes:
            reasons.append(f"{family} {after} > {settings.max_prefixes} (irr.max_prefixes)")
        elif after > max(before * settings.growth_factor, before + settings.growth_allowance):
            reasons.append(f"{family} grew from {before} to {after}")
        elif before and not after:
            reasons.append(f"{family} shrank from {before} to nothing")
    if reasons and not accept:
        why = "; ".join(reasons)
        held = f"{detail} held back: {why} (review, then --accept AS{asn})"
        return Decision(asn, "held", held, None, previous)
    return Decision(asn, "updated", detail + (" (accepted)" if reasons else ""), fresh, previous)


@dataclass(frozen=True)
class Expanded:
    """One member's expansion, and the registrations left out of it."""

    data: IrrData
    # Prefixes shorter than the policy's min_length (a default route among them): as IRR data
    # they would let the member announce anything inside them.
    dropped: tuple[str, ...] = ()

    def note(self) -> str:
        """What was left out, in words ('' when nothing was)."""
        if not self.dropped:
            return ""
        shown = ", ".join(self.dropped[:5]) + (" ..." if len(self.dropped) > 5 else "")
        return f"; left out {len(self.dropped)} shorter than the policy's min_length: {shown}"


async def expand(
    resolver: IrrResolver,
    asn: int,
    names: tuple[str, ...],
    sources: tuple[str, ...],
    now: str,
    *,
    shortest: tuple[int, int] = (1, 1),
) -> Expanded:
    """One member's IRR data from its names, expanded in turn (callers bound the members);
    prefixes shorter than `shortest` (IPv4, IPv6) are left out."""
    origins: set[int] = set()
    ipv4: set[str] = set()
    ipv6: set[str] = set()
    for name in names:
        found = await resolver.expand(name)
        origins |= found.origins
        ipv4 |= found.ipv4
        ipv6 |= found.ipv6
    v4, dropped4 = _at_least(ipv4, shortest[0])
    v6, dropped6 = _at_least(ipv6, shortest[1])
    data = IrrData(
        asn=asn,
        expanded=names,
        sources=sources,
        refreshed=now,
        origins=tuple(str(a) for a in sorted(origins)),
        ipv4=v4,
        ipv6=v6,
    )
    return Expanded(data, dropped4 + dropped6)


def _at_least(prefixes: set[str], length: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(kept, dropped): the sorted prefixes of at least `length` bits, and the others."""
    ordered = _sorted_prefixes(prefixes)
    kept = tuple(p for p in ordered if int(p.rsplit("/", 1)[1]) >= max(length, 1))
    return kept, tuple(p for p in ordered if int(p.rsplit("/", 1)[1]) < max(length, 1))


async def refresh(
    settings: Irr,
    peers: Sequence[Peer],
    previous: Mapping[int, IrrData],
    resolver: IrrResolver,
    *,
    now: str,
    accept: frozenset[int] = frozenset(),
    jobs: int | None = None,
    shortest: tuple[int, int] = (1, 1),
) -> list[Decision]:
    """A decision for every active member in `peers`, sorted by ASN (failures included);
    `shortest`: the policy's min_length per family (shorter registrations are left out)."""
    gate = asyncio.Semaphore(jobs or settings.jobs)

    async def one(peer: Peer) -> Decision:
        async with gate:
            try:
                fresh = await expand(
                    resolver,
                    peer.asn,
                    expected_names(peer),
                    settings.sources,
                    now,
                    shortest=shortest,
                )
            except IrrError as exc:
                kept = "previous data kept" if peer.asn in previous else "no data yet"
                return Decision(peer.asn, "failed", f"{exc} ({kept})", None, previous.get(peer.asn))
        decision = judge(previous.get(peer.asn), fresh.data, settings, accept=peer.asn in accept)
        return replace(decision, detail=decision.detail + fresh.note())

    active = sorted((p for p in peers if p.active), key=lambda p: p.asn)
    return list(await asyncio.gather(*(one(p) for p in active)))


def summary(decisions: Sequence[Decision]) -> str:
    """E.g. '2 updated, 1 held, 40 unchanged'."""
    counts = Counter(d.status for d in decisions)
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no members"
