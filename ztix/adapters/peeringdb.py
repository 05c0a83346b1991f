"""PeeringDB REST client: one network by ASN, rate-limit aware, cached briefly.

PeeringDB (REST API, OpenAPI schema v2.81): `GET /api/net?asn=N` answers `{"data": [...],
"meta": {}}`, an empty list for an unknown ASN; the server-side key goes in
`Authorization: Api-Key <key>`; 429 carries `Retry-After`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from ztix.adapters.http import (
    ApiAuthError,
    ApiClient,
    ApiError,
    ApiUnavailable,
    Breaker,
    ErrorSet,
    RetryPolicy,
)
from ztix.ports.peeringdb import Network
from ztix.settings.defaults import HTTP_TIMEOUT


class PeeringDBError(ApiError):
    """A PeeringDB call failed."""


class PeeringDBAuthError(PeeringDBError, ApiAuthError):
    """PeeringDB refused the API key."""


class PeeringDBUnavailable(PeeringDBError, ApiUnavailable):
    """PeeringDB kept failing or throttling after every retry."""


class PeeringDBClient:
    """Looks up networks; answers are cached for `cache_ttl` seconds per ASN."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        timeout: float = HTTP_TIMEOUT,
        cache_ttl: float = 300.0,
        policy: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        breaker: Breaker | None = None,
    ) -> None:
        headers = {"Authorization": f"Api-Key {api_key}"} if api_key else {}
        self.api = ApiClient(
            base_url,
            headers,
            timeout=timeout,
            concurrency=2,
            policy=policy or RetryPolicy(attempts=4, cap=30.0, max_retry_after=60.0),
            transport=transport,
            errors=ErrorSet(PeeringDBError, PeeringDBAuthError, PeeringDBUnavailable),
            breaker=breaker,
        )
        self.cache_ttl = cache_ttl
        self._clock = clock
        self._cache: dict[int, tuple[float, Network | None]] = {}

    async def aclose(self) -> None:
        """Close connections."""
        await self.api.aclose()

    async def network(self, asn: int) -> Network | None:
        """The network with this ASN, or None if PeeringDB has none."""
        cached = self._cache.get(asn)
        if cached is not None and self._clock() - cached[0] < self.cache_ttl:
            return cached[1]
        response = await self.api.request("GET", f"/api/net?asn={int(asn)}")
        if response.status_code == 404:
            found: Network | None = None
        else:
            try:
                data = response.json().get("data", [])
            except ValueError:
                raise PeeringDBError("GET /api/net: the response is not JSON") from None
            found = _network(data[0]) if data else None
        self._cache[asn] = (self._clock(), found)
        return found


def _network(item: dict[str, Any]) -> Network:
    def count(value: Any) -> int | None:
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return Network(
        id=int(item["id"]),
        asn=int(item["asn"]),
        name=str(item.get("name") or ""),
        irr_as_set=str(item.get("irr_as_set") or ""),
        info_prefixes4=count(item.get("info_prefixes4")),
        info_prefixes6=count(item.get("info_prefixes6")),
        never_via_route_servers=item.get("info_never_via_route_servers") is True,
        status=str(item.get("status") or ""),
        policy_general=str(item.get("policy_general") or ""),
    )
