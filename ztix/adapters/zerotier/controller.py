"""Provider for the controller inside zerotier-one (local service API, `X-ZT1-Auth`).

Shapes follow ZeroTierOne 1.14 (`controller/EmbeddedNetworkController.cpp`) and the recorded
responses: member bodies are flat; POST is an upsert that changes only the keys given; 401 has
the body `{}`, 404 an empty body. The controller closes a keep-alive connection after 5 requests
and a reused connection is slow there, so this client opens a fresh connection per request.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from ztix.adapters.zerotier.http import (
    ZERO_TIER_ERRORS,
    ApiClient,
    Breaker,
    RetryPolicy,
    ZeroTierError,
    ZeroTierNotFound,
    json_or_missing,
)
from ztix.adapters.zerotier.transport import OneShotTransport
from ztix.ports.zerotier import Member, normalise_ints, normalise_ips, normalise_tags
from ztix.settings.defaults import HTTP_TIMEOUT


class ControllerProvider:
    """ZeroTier provider for a self-hosted controller."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        network_id: str | None,
        network_suffix: str | None = None,
        timeout: float = HTTP_TIMEOUT,
        concurrency: int = 4,
        keepalive: bool = False,
        policy: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        self.api = ApiClient(
            api_url,
            {"X-ZT1-Auth": token},
            timeout=timeout,
            concurrency=concurrency,
            keepalive=keepalive,
            policy=policy,
            # A fresh connection per request (the controller's keep-alive quirk, see
            # ztix.adapters.zerotier.transport); https or keep-alive go through httpx's own
            # transport.
            transport=transport
            or (
                OneShotTransport(timeout)
                if not keepalive and api_url.startswith("http://")
                else None
            ),
            errors=ZERO_TIER_ERRORS,
            breaker=breaker,
        )
        self._network_id = network_id
        self._suffix = network_suffix

    async def aclose(self) -> None:
        """Close connections."""
        await self.api.aclose()

    async def network_id(self) -> str:
        """From ix.yaml, or the controller's node id (GET /status) plus the 6-hex suffix."""
        if self._network_id is None:
            status = await self._json("GET", "/status")
            address = str(status.get("address", ""))
            if len(address) != 10:
                raise ZeroTierError(f"GET /status returned no controller address: {status!r}")
            self._network_id = address + (self._suffix or "")
        return self._network_id

    async def _path(self, tail: str = "") -> str:
        return f"/controller/network/{await self.network_id()}{tail}"

    async def _json(self, method: str, path: str, body: Any = None) -> Any:
        return await json_or_missing(self.api, method, path, body)

    async def get_network(self) -> dict[str, Any] | None:
        """The network config, or None if the controller has no such network."""
        try:
            network: dict[str, Any] = await self._json("GET", await self._path())
        except ZeroTierNotFound:
            return None
        return network

    async def update_network(self, patch: dict[str, Any]) -> None:
        """POST the changed keys; the controller creates the network if it is missing."""
        await self._json("POST", await self._path(), patch)

    async def list_members(self) -> list[Member]:
        """All members: one call on controllers with /unstable, else one GET per member."""
        nwid = await self.network_id()
        response = await self.api.request("GET", f"/unstable/controller/network/{nwid}/member")
        if response.status_code != 404:
            return sorted(_member(item) for item in response.json().get("data", []))
        try:
            listing = await self._json("GET", await self._path("/member"))
        except ZeroTierNotFound:
            return []  # the network does not exist yet: no members
        base = await self._path("/member")
        details = await asyncio.gather(
            *[self._json("GET", f"{base}/{node}") for node in sorted(listing)]
        )
        return sorted(_member(item) for item in details)

    async def get_member(self, node_id: str) -> Member | None:
        """One member, or None if the controller has no record of it."""
        try:
            return _member(await self._json("GET", await self._path(f"/member/{node_id}")))
        except ZeroTierNotFound:
            return None

    async def upsert_member(self, member: Member) -> None:
        """POST the flat member body: every setting ZT-IX manages, as absolute values."""
        body = {
            "authorized": member.authorized,
            "ipAssignments": list(member.ip_assignments),
            "noAutoAssignIps": member.no_auto_assign_ips,
            "activeBridge": member.active_bridge,
            "capabilities": list(member.capabilities),
            "tags": [list(tag) for tag in member.tags],
            "name": member.name,
        }
        await self._json("POST", await self._path(f"/member/{member.node_id}"), body)


def _member(data: dict[str, Any]) -> Member:
    return Member(
        node_id=str(data.get("id") or data.get("address", "")).lower(),
        name=str(data.get("name") or ""),
        authorized=data.get("authorized") is True,
        ip_assignments=normalise_ips(data.get("ipAssignments")),
        no_auto_assign_ips=data.get("noAutoAssignIps") is True,
        active_bridge=data.get("activeBridge") is True,
        capabilities=normalise_ints(data.get("capabilities")),
        tags=normalise_tags(data.get("tags")),
    )
