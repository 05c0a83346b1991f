"""Logins and pending logins, kept in the state store (sealed), so they outlive a restart and
are the same on every replica.

The cookie carries only a random session id and the CSRF token (signed): PeeringDB users can
belong to many networks, a cookie over 4 KiB is silently dropped by browsers, and the access
token used to re-check permissions must not travel in a cookie. The store holds the login under
the id's HMAC, sealed (ztix.portal.sealed).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ztix.portal.sealed import Sealer
from ztix.ports.state import StateStore


@dataclass
class LoggedIn:
    """What a login established."""

    user: dict[str, Any]
    networks: list[dict[str, Any]]
    token: dict[str, str]
    expires: float


class Sessions:
    """Logins by session id, for `max_age` seconds from the login."""

    def __init__(
        self,
        store: StateStore,
        sealer: Sealer,
        max_age: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.sealer = sealer
        self.max_age = max_age
        self._clock = clock

    async def create(
        self, user: dict[str, Any], networks: list[dict[str, Any]], token: dict[str, str]
    ) -> str:
        """Store a login; returns its new random id."""
        sid = secrets.token_urlsafe(32)
        login = LoggedIn(user, networks, token, self._clock() + self.max_age)
        await self.store.put(
            self.sealer.name("session", sid), self.sealer.seal(asdict(login)), self.max_age
        )
        return sid

    async def get(self, sid: str | None) -> LoggedIn | None:
        """The login for `sid`, unless unknown, expired or not ours."""
        if not sid or not isinstance(sid, str):
            return None
        found = self.sealer.open(await self.store.get(self.sealer.name("session", sid)))
        if not isinstance(found, dict):
            return None
        try:
            login = LoggedIn(**found)
        except TypeError:
            return None
        return login if login.expires > self._clock() else None

    async def drop(self, sid: str | None) -> None:
        """Forget a login (logout, or a new login in the same browser)."""
        if sid and isinstance(sid, str):
            await self.store.delete(self.sealer.name("session", sid))


class LoginStateCache:
    """authlib's cache for the pre-login state (PKCE verifier, nonce, redirect URI), in the
    store, so a login started on one replica (or before a restart) completes on another; the
    cookie holds only a marker (authlib still checks that the callback comes from the browser
    that started the login)."""

    def __init__(self, store: StateStore, sealer: Sealer) -> None:
        self.store = store
        self.sealer = sealer

    async def get(self, key: str) -> str | None:
        """The value, unless unknown or expired."""
        found = self.sealer.open(await self.store.get(self.sealer.name("login", key)))
        return found if isinstance(found, str) else None

    async def set(self, key: str, value: str, expires: int | None = None) -> None:
        """Store `value` for `expires` seconds (authlib's default: an hour)."""
        await self.store.put(
            self.sealer.name("login", key), self.sealer.seal(value), expires or 3600
        )

    async def delete(self, key: str) -> None:
        """Forget a state once used."""
        await self.store.delete(self.sealer.name("login", key))
