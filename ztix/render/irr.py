"""The IRR part of a route server's config: each member's registrations as BIRD sets.

Per member three `define`s (IPv4 and IPv6 prefix sets, origin ASN set), passed to the shared
import functions as arguments: BIRD parses each set once, and a refresh that changes one member
changes only that member's filter (BIRD reloads it from the import table, no session reset).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ztix.models import Exchange, IrrData, Peer

# What a rendered set may hold: prefixes with length ranges, ASNs, separators. Nothing else.
_SET = re.compile(r"[0-9a-f.:/{}, \n]*")


class SetText(str):
    """The body of a BIRD set built here from validated IRR data (checked once more on output)."""

    __slots__ = ()

    def safe(self) -> bool:
        """Whether the text holds only what a prefix or ASN set may contain."""
        return _SET.fullmatch(self) is not None


@dataclass(frozen=True)
class IrrMember:
    """One member's IRR sets as the templates place them."""

    asn: int
    known: bool
    v4: SetText
    v6: SetText
    origins: SetText

    def sets(self) -> tuple[SetText, SetText, SetText]:
        """The member's three set bodies."""
        return (self.v4, self.v6, self.origins)


def _prefix_set(prefixes: tuple[str, ...], max_length: int, more_specifics: bool) -> SetText:
    """The set body: each prefix, with `{len,max}` where more-specifics are accepted.

    The range is added per distinct length by one replace over the joined body (a list of
    200,000 prefixes holds a handful of lengths), not per entry; the prefixes are validated
    canonical, so "/24," can only be a length of 24 at the end of an entry.
    """
    if not prefixes:
        return SetText()
    body = ",\n  ".join(prefixes) + ",\n"
    if more_specifics:
        # The last four characters of each entry hold its length ("/128", "1/24", ".0/8").
        tails = set(map(_TAIL, prefixes))
        for length in sorted({tail.rpartition("/")[2] for tail in tails}):
            if max_length > int(length):
                body = body.replace(f"/{length},\n", f"/{length}{{{length},{max_length}}},\n")
    return SetText("\n  " + body[:-2] + "\n")


_TAIL = operator.itemgetter(slice(-4, None))


def set_elements(body: str) -> tuple[str, ...]:
    """The elements of a set body built here (`_wrap`'s layout: one element a line), in order:
    a split, where reading them back out of any set text takes a regex."""
    return tuple(body[3:-1].split(",\n  ")) if body else ()


def _wrap(entries: list[str]) -> str:
    return "" if not entries else "\n  " + ",\n  ".join(entries) + "\n"


# id(data), longest lengths, more-specifics -> (data, its sets): a plan renders two revisions
# whose members' IRR data are mostly the same objects (the loader's memo), so each member's
# sets are built once. The data is kept with its sets, so an id is never reused meanwhile.
SetMemo = dict[tuple[int, tuple[int, int], bool], tuple[IrrData, "IrrMember"]]


def irr_context(
    exchange: Exchange,
    peers: Sequence[Peer],
    irr: Mapping[int, IrrData],
    memo: SetMemo | None = None,
) -> dict[str, Any] | None:
    """The templates' `irr` value: the settings and every member's sets (None: no IRR)."""
    settings = exchange.irr_filter
    if settings is None:
        return None
    # More-specifics up to the policy's max length (longer routes are rejected before the IRR
    # check); with BLACKHOLEs propagated, up to /32 and /128, for the blackhole ownership check.
    policy = exchange.policy
    longest = (
        (32, 128)
        if policy.blackhole == "propagate"
        else (policy.ipv4.max_length, policy.ipv6.max_length)
    )
    members = []
    for peer in sorted(peers, key=lambda p: p.asn):
        data = irr.get(peer.asn)
        if data is None:
            members.append(IrrMember(peer.asn, False, SetText(), SetText(), SetText()))
            continue
        key = (id(data), longest, settings.more_specifics)
        known = memo.get(key) if memo is not None else None
        if known is not None and known[0] is data:
            members.append(known[1])
            continue
        member = IrrMember(
            asn=peer.asn,
            known=True,
            v4=_prefix_set(data.ipv4, longest[0], settings.more_specifics),
            v6=_prefix_set(data.ipv6, longest[1], settings.more_specifics),
            origins=SetText(_wrap(list(data.origins))),
        )
        if memo is not None:
            memo[key] = (data, member)
        members.append(member)
    return {
        "origin_reject": settings.origin == "reject",
        "prefix_reject": settings.prefix == "reject",
        "rpki_objects": settings.rpki_as_route_objects,
        "without_data_reject": settings.without_data == "reject",
        "more_specifics": settings.more_specifics,
        "longest": longest,
        "members": members,
    }
