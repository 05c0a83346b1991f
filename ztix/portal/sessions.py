"""Server-side session data: the cookie carries only a random id and the CSRF token.

PeeringDB users can belong to many networks, and a cookie over 4 KiB is silently dropped by
browsers; the access token used to re-check permissions should not travel in a cookie either.
So the logged-in state lives here, in this process, for the session's lifetime. Run one portal
process (or sticky sessions); a restart only asks users to log in again.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class LoggedIn:
    """What a login established."""

    user: dict[str, Any]
    networks: list[dict[str, Any]]
    token: dict[str, str]
    expires: float


class SessionStore:
    """Bounded, expiring map from session id to login state (one per app instance)."""

    def __init__(
        self, max_age: float, capacity: int = 10000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_age = max_age
        self.capacity = capacity
        self._clock = clock
        self._data: OrderedDict[str, LoggedIn] = OrderedDict()

    def create(
        self, user: dict[str, Any], networks: list[dict[str, Any]], token: dict[str, str]
    ) -> str:
        """Store a login; returns its new random id."""
        sid = secrets.token_urlsafe(32)
        self._data[sid] = LoggedIn(user, networks, token, self._clock() + self.max_age)
        while len(self._data) > self.capacity:
            self._data.popitem(last=False)
        return sid

    def get(self, sid: str | None) -> LoggedIn | None:
        """The login for `sid`, unless unknown or expired."""
        if not sid:
            return None
        found = self._data.get(sid)
        if found is None or found.expires < self._clock():
            self._data.pop(sid, None)
            return None
        return found

    def drop(self, sid: str | None) -> None:
        """Forget a login (logout)."""
        if sid:
            self._data.pop(sid, None)


class LoginStateCache:
    """authlib's cache for the pre-login state (PKCE verifier, nonce, redirect URI), kept in
    this process so the cookie holds only a marker (authlib still checks that the callback
    comes from the browser that started the login). Bounded and expiring."""

    def __init__(self, capacity: int = 10000, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self._clock = clock
        self._data: OrderedDict[str, tuple[float, str]] = OrderedDict()

    async def get(self, key: str) -> str | None:
        """The value, unless unknown or expired."""
        found = self._data.get(key)
        if found is None or found[0] < self._clock():
            self._data.pop(key, None)
            return None
        return found[1]

    async def set(self, key: str, value: str, expires: int | None = None) -> None:
        """Store `value` for `expires` seconds (authlib's default: an hour)."""
        self._data[key] = (self._clock() + (expires or 3600), value)
        while len(self._data) > self.capacity:
            self._data.popitem(last=False)

    async def delete(self, key: str) -> None:
        """Forget a state once used."""
        self._data.pop(key, None)
