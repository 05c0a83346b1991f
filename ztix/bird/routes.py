"""Routes as `birdc show route ... all` prints them, read the same from BIRD 2.x and 3.x.

BIRD 2 prints BGP attributes as `BGP.as_path:`, `BGP.local_pref:`; BIRD 3 prints the filter
language's names, `bgp_path:`, `bgp_local_pref:`. Both are read into the filter names, which
are the same in every version (BIRD user's guide, "BGP route attributes").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# `23.1.1.0/24   unreachable [m1 11:35:05.375 from 127.0.0.2] * (100) [AS64500i]`; a second
# route for the same prefix repeats the line without the prefix.
_ROUTE = re.compile(
    r"^(?P<prefix>[0-9a-fA-F.:]+/\d+)?\s+(?P<kind>.*?)\s*"
    r"\[(?P<protocol>\S+) (?P<since>[^\]]*?)(?: from (?P<source>\S+))?\]"
    r"\s*(?P<primary>\*)?\s*(?:\((?P<preference>\d+)(?:/\S*)?\))?"
)
_ATTRIBUTE = re.compile(r"^\s+(?P<name>[A-Za-z][\w.]*): ?(?P<value>.*)$")
_PAIR = re.compile(r"\((\d+),\s*(\d+)\)")
_TRIPLE = re.compile(r"\((\d+),\s*(\d+),\s*(\d+)\)")
# BIRD 2's `BGP.<name>` whose filter name is not `bgp_<name>`.
_RENAMED = {"as_path": "bgp_path"}


def attribute_name(printed: str) -> str:
    """The filter-language name of an attribute as either BIRD version prints it."""
    if printed.startswith("BGP."):
        short = printed[4:]
        return _RENAMED.get(short, f"bgp_{short}")
    return printed


@dataclass(frozen=True)
class Route:
    """One route of `show route all`: where it came from and its attributes by filter name."""

    prefix: str
    protocol: str
    primary: bool
    source: str | None
    attributes: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        """An attribute by filter name (`bgp_path`, `bgp_community`, ...), or None."""
        return self.attributes.get(name)

    @property
    def path(self) -> tuple[int, ...]:
        """The AS path (AS_SETs, printed in braces, are left out)."""
        text = re.sub(r"\{[^}]*\}", " ", self.attributes.get("bgp_path", ""))
        return tuple(int(a) for a in text.split())

    @property
    def communities(self) -> frozenset[tuple[int, int]]:
        """Standard communities (RFC 1997)."""
        found = _PAIR.findall(self.attributes.get("bgp_community", ""))
        return frozenset((int(a), int(b)) for a, b in found)

    @property
    def large_communities(self) -> frozenset[tuple[int, int, int]]:
        """Large communities (RFC 8092)."""
        found = _TRIPLE.findall(self.attributes.get("bgp_large_community", ""))
        return frozenset((int(a), int(b), int(c)) for a, b, c in found)

    @property
    def next_hops(self) -> tuple[str, ...]:
        """BGP next hop addresses (an IPv6 route may carry a global and a link-local one)."""
        return tuple(self.attributes.get("bgp_next_hop", "").split())

    @property
    def local_pref(self) -> int | None:
        value = self.attributes.get("bgp_local_pref")
        return int(value) if value is not None else None


def parse_routes(text: str) -> list[Route]:
    """Every route in the output of `show route ... all`, in the order BIRD printed them."""
    routes: list[Route] = []
    prefix: str | None = None
    header: tuple[str, str, bool, str | None] | None = None
    attributes: dict[str, str] = {}

    def finish() -> None:
        if header is not None:
            routes.append(Route(*header, attributes=dict(attributes)))

    for line in text.splitlines():
        if not line.strip() or line.startswith(("BIRD ", "Table ")) or line[:4].isdigit():
            continue
        match = _ROUTE.match(line)
        if match and (match.group("prefix") or (prefix and not line.startswith("\t"))):
            finish()
            prefix = match.group("prefix") or prefix
            assert prefix is not None
            primary = match.group("primary") == "*"
            header = (prefix, match.group("protocol"), primary, match.group("source"))
            attributes = {}
            continue
        attribute = _ATTRIBUTE.match(line)
        if attribute and header is not None:
            attributes[attribute_name(attribute.group("name"))] = attribute.group("value").strip()
    finish()
    return routes
