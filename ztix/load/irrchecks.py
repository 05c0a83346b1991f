"""Cross-file rules for the generated IRR files: each belongs to a member and is current."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ztix.errors import Problem
from ztix.models import Exchange, IrrData, Peer

if TYPE_CHECKING:
    from ztix.load.located import Located


def expected_names(peer: Peer) -> tuple[str, ...]:
    """What a member's IRR data is expanded from: its AS-SETs, or its ASN when it has none."""
    return peer.as_set or (f"AS{peer.asn}",)


def check_irr(
    exchange: Located[Exchange] | None,
    peers: Sequence[Located[Peer]],
    irr: Sequence[Located[IrrData]],
    unread: frozenset[str] = frozenset(),
) -> Iterator[Problem]:
    """Every IRR file is named after its ASN, once, for a member, and matches its peer file
    (the AS-SETs it names) and ix.yaml (the sources): stale data is refused, not used."""
    by_asn = {p.model.asn: p.model for p in peers}
    seen: dict[int, str] = {}
    sources = exchange.model.irr.sources if exchange and exchange.model.irr_filter else None
    refresh = "run `ztix irr refresh` (the scheduled refresh does it too)"
    limits: tuple[tuple[str, int, re.Pattern[str]], ...] = ()
    if exchange is not None:
        minimums = {f: getattr(exchange.model.policy, f).min_length for f in ("ipv4", "ipv6")}
        limits = tuple((f, low, _shorter_than(low)) for f, low in minimums.items())
    for located in irr:
        data = located.model
        name = located.path.rsplit("/", 1)[-1]
        if name != f"AS{data.asn}.yaml":
            yield located.problem(("asn",), f"AS{data.asn} does not match the file name {name}")
        if data.asn in seen:
            yield located.problem(("asn",), f"AS{data.asn} already has IRR data: {seen[data.asn]}")
            continue
        seen[data.asn] = located.path
        peer = by_asn.get(data.asn)
        if peer is None and f"AS{data.asn}.yaml" in unread:
            continue  # its peer file has problems of its own (reported); not an orphan
        if peer is None:
            yield located.problem(
                ("asn",),
                f"AS{data.asn} has no peer file (peers/AS{data.asn}.yaml)",
                "delete this file together with the member's peer file",
            )
            continue
        wanted = expected_names(peer)
        if data.expanded != wanted:
            yield located.problem(
                ("expanded",),
                f"expanded from {', '.join(data.expanded)}, but the peer file now names "
                f"{', '.join(wanted)}",
                refresh,
            )
        if sources is not None and data.sources != sources:
            yield located.problem(
                ("sources",),
                f"expanded from the sources {', '.join(data.sources)}, but ix.yaml now names "
                f"{', '.join(sources)}",
                refresh,
            )
        if exchange is not None:
            yield from _too_short(located, limits)


def _shorter_than(minimum: int) -> re.Pattern[str]:
    """A search for a prefix length below `minimum` at the end of a line."""
    below = "|".join(str(n) for n in range(minimum)) or "(?!)"
    return re.compile(f"/(?:{below})\n")


def _too_short(
    located: Located[IrrData], limits: tuple[tuple[str, int, re.Pattern[str]], ...]
) -> Iterator[Problem]:
    """Registrations shorter than the policy's min_length: as a member's IRR data (with its
    more-specifics) they let it announce anything inside them. The refresh leaves them out.
    `limits`: per family its minimum and the search for a shorter length (`_shorter_than`)."""
    for family, shortest, shorter in limits:
        prefixes: tuple[str, ...] = getattr(located.model, family)
        # One search over the whole list for a length below the minimum (the common case is
        # none); only then the entries one by one, to name each.
        if not shorter.search("\n".join(prefixes) + "\n"):
            continue
        for number, prefix in enumerate(prefixes, start=1):
            if int(prefix.rsplit("/", 1)[1]) < shortest:
                yield located.source.entry_problem(
                    (family,),
                    number,
                    f"entry {number} {prefix!r} is shorter than the policy's min_length "
                    f"/{shortest}: it would let the member announce anything inside it",
                    "run `ztix irr refresh` (it leaves such registrations out)",
                )
