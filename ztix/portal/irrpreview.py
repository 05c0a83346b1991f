"""What a member's AS-SET expands to now, shown before a join is sent and committed with it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ztix.adapters.memo import AsyncMemo
from ztix.irr.files import irr_text
from ztix.irr.refresh import expand, judge
from ztix.models import Exchange, IrrData
from ztix.ports.irr import IrrError, IrrResolverFactory

TTL = 60.0  # seconds a preview is reused: page views must not load the IRR servers
MAX_CACHED = 1024


@dataclass(frozen=True)
class IrrPreview:
    """One member's expansion, or why there is none; `meaning` says what it does to routes."""

    names: tuple[str, ...]
    data: IrrData | None
    error: str
    meaning: str
    held: str = ""  # why the data would not go with the request (a refresh guard)

    def file_text(self) -> str | None:
        """The irr/ file a join commits (None: the request goes without IRR data)."""
        return irr_text(self.data) if self.data is not None and not self.held else None


def meaning(exchange: Exchange, data: IrrData | None) -> str:
    """What the route servers will do with this member's routes, in words."""
    irr = exchange.irr_filter
    assert irr is not None
    roa = (
        " A route that is RPKI valid for one of your registered origins passes too."
        if irr.rpki_as_route_objects
        else ""
    )
    if data is None:
        if irr.without_data == "reject":
            return "Until your IRR data is in, the route servers reject all your routes."
        return "Until your IRR data is in, the route servers accept only your RPKI-valid routes."
    if not (data.ipv4 or data.ipv6):
        return (
            "It registers no prefixes: the route servers will accept none of your routes "
            "on IRR grounds. Register route/route6 objects for your prefixes." + roa
        )
    return "The route servers will accept your routes inside these prefixes." + roa


class IrrPreviews:
    """Expansions per set of names, reused for TTL seconds (one per portal app)."""

    def __init__(self, factory: IrrResolverFactory, timeout: float) -> None:
        self.factory = factory
        self.timeout = timeout
        self._memo: AsyncMemo[tuple[int, tuple[str, ...]], IrrPreview] = AsyncMemo(TTL, MAX_CACHED)

    async def preview(
        self, exchange: Exchange, asn: int, names: tuple[str, ...], previous: IrrData | None
    ) -> IrrPreview:
        """The member's expansion now (or from the last TTL seconds); concurrent views of one
        ASN expand it once."""
        return await self._memo.get(
            (asn, names), lambda: self._expand(exchange, asn, names, previous)
        )

    async def _expand(
        self, exchange: Exchange, asn: int, names: tuple[str, ...], previous: IrrData | None
    ) -> IrrPreview:
        settings = exchange.irr_filter
        assert settings is not None
        policy = exchange.policy
        special = policy.allow_documentation_asns or policy.allow_private_asns
        resolver = self.factory(settings, special, self.timeout)
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            shortest = (policy.ipv4.min_length, policy.ipv6.min_length)
            data = (
                await expand(resolver, asn, names, settings.sources, now, shortest=shortest)
            ).data
        except IrrError as exc:
            return IrrPreview(
                names,
                None,
                f"{exc}. The request can still be sent; the daily IRR refresh adds the data",
                meaning(exchange, previous),
            )
        decision = judge(previous, data, settings)
        held = decision.detail if decision.status == "held" else ""
        if decision.status == "unchanged" and previous is not None:
            data = previous  # the file on main stays as it is
        return IrrPreview(names, data, "", meaning(exchange, data), held)
