"""ZeroTier's names for API errors, on the shared retrying client (ztix.adapters.http)."""

from __future__ import annotations

from typing import Any

from ztix.adapters.http import (
    ApiAuthError,
    ApiClient,
    ApiDown,
    ApiError,
    ApiUnavailable,
    Breaker,
    ErrorSet,
    RetryPolicy,
)

__all__ = [
    "ZERO_TIER_ERRORS",
    "ApiClient",
    "Breaker",
    "RetryPolicy",
    "ZeroTierAuthError",
    "ZeroTierDown",
    "ZeroTierError",
    "ZeroTierNotFound",
    "ZeroTierUnavailable",
    "json_or_missing",
]


class ZeroTierError(ApiError):
    """A ZeroTier API call failed."""


class ZeroTierAuthError(ZeroTierError, ApiAuthError):
    """The API refused the token (401/403): check the token variable; retrying will not help."""


class ZeroTierNotFound(ZeroTierError):
    """The network (or member) does not exist."""


class ZeroTierUnavailable(ZeroTierError, ApiUnavailable):
    """The API kept failing (timeouts, resets, 429, 5xx) after every retry."""


class ZeroTierDown(ZeroTierUnavailable, ApiDown):
    """The API failed every attempt for too long; the run stopped sending to it."""


ZERO_TIER_ERRORS = ErrorSet(ZeroTierError, ZeroTierAuthError, ZeroTierUnavailable, ZeroTierDown)


async def json_or_missing(api: ApiClient, method: str, path: str, body: Any = None) -> Any:
    """The JSON of a response; 404 raises ZeroTierNotFound (the providers map it)."""
    response = await api.request(method, path, body)
    if response.status_code == 404:
        raise ZeroTierNotFound(f"{method} {path}: not found")
    try:
        return response.json()
    except ValueError:
        raise ZeroTierError(f"{method} {path}: the response is not JSON") from None
