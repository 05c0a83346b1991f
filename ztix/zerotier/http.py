"""ZeroTier's names for API errors, on the shared retrying client (ztix.httpapi)."""

from __future__ import annotations

from ztix.httpapi import (
    ApiAuthError,
    ApiClient,
    ApiError,
    ApiUnavailable,
    ErrorSet,
    RetryPolicy,
    retry_after,
)

__all__ = [
    "ZERO_TIER_ERRORS",
    "ApiClient",
    "RetryPolicy",
    "ZeroTierAuthError",
    "ZeroTierError",
    "ZeroTierNotFound",
    "ZeroTierUnavailable",
    "retry_after",
]


class ZeroTierError(ApiError):
    """A ZeroTier API call failed."""


class ZeroTierAuthError(ZeroTierError, ApiAuthError):
    """The API refused the token (401/403): check the token variable; retrying will not help."""


class ZeroTierNotFound(ZeroTierError):
    """The network (or member) does not exist."""


class ZeroTierUnavailable(ZeroTierError, ApiUnavailable):
    """The API kept failing (timeouts, resets, 429, 5xx) after every retry."""


ZERO_TIER_ERRORS = ErrorSet(ZeroTierError, ZeroTierAuthError, ZeroTierUnavailable)
