"""The IRR port: expanding AS-SETs and ASNs into origins and prefixes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ztix.errors import AdapterError, Unavailable
from ztix.models import Irr


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
