"""Provider for ZeroTier Central API v1 (`Authorization: token ...`).

Shapes follow the official OpenAPI spec (central/v1.json): member settings live under `config`,
member records carry `nodeId`, and network settings live under the network's `config`.
"""

from __future__ import annotations

from typing import Any

import httpx

from ztix.adapters.zerotier.http import (
    ZERO_TIER_ERRORS,
    ApiClient,
    Breaker,
    RetryPolicy,
    ZeroTierNotFound,
    json_or_missing,
)
from ztix.ports.zerotier import DESCRIPTION, Member, normalise_ints, normalise_ips, normalise_tags
from ztix.settings.defaults import HTTP_TIMEOUT


class CentralProvider:
    """ZeroTier provider for ZeroTier Central."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        network_id: str,
        timeout: float = HTTP_TIMEOUT,
        concurrency: int = 4,
        policy: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        self.api = ApiClient(
            api_url,
            {"Authorization": f"token {token}"},
            timeout=timeout,
            concurrency=concurrency,
            keepalive=True,
            policy=policy,
            transport=transport,
            errors=ZERO_TIER_ERRORS,
            breaker=breaker,
        )
        self._network_id = network_id

    async def aclose(self) -> None:
        """Close connections."""
        await self.api.aclose()

    async def network_id(self) -> str:
        """The network id from ix.yaml."""
        return self._network_id

    async def _json(self, method: str, path: str, body: Any = None) -> Any:
        return await json_or_missing(self.api, method, path, body)

    async def get_network(self) -> dict[str, Any] | None:
        """The network's `config`, or None if Central has no such network for this token."""
        try:
            network = await self._json("GET", f"/network/{self._network_id}")
        except ZeroTierNotFound:
            return None
        config: dict[str, Any] = network.get("config") or {}
        return config

    async def update_network(self, patch: dict[str, Any]) -> None:
        """POST the changed keys under `config`; Central cannot create a network with an id."""
        try:
            await self._json("POST", f"/network/{self._network_id}", {"config": patch})
        except ZeroTierNotFound:
            raise ZeroTierNotFound(
                f"network {self._network_id} does not exist in Central for this token: create "
                "it in Central and put its id in ix.yaml"
            ) from None

    async def list_members(self) -> list[Member]:
        """All members of the network (one call)."""
        try:
            items = await self._json("GET", f"/network/{self._network_id}/member")
        except ZeroTierNotFound:
            return []
        return sorted(_member(item) for item in items)

    async def get_member(self, node_id: str) -> Member | None:
        """One member, or None if Central has no record of it."""
        try:
            return _member(await self._json("GET", f"/network/{self._network_id}/member/{node_id}"))
        except ZeroTierNotFound:
            return None

    async def upsert_member(self, member: Member) -> None:
        """POST name, description and `config` of one member (every managed setting)."""
        body = {
            "name": member.name,
            "description": DESCRIPTION,
            "config": {
                "authorized": member.authorized,
                "ipAssignments": list(member.ip_assignments),
                "noAutoAssignIps": member.no_auto_assign_ips,
                "activeBridge": member.active_bridge,
                "capabilities": list(member.capabilities),
                "tags": [list(tag) for tag in member.tags],
            },
        }
        await self._json("POST", f"/network/{self._network_id}/member/{member.node_id}", body)


def _member(data: dict[str, Any]) -> Member:
    config = data.get("config") or {}
    node = data.get("nodeId") or config.get("id") or str(data.get("id", "")).rsplit("-", 1)[-1]
    return Member(
        node_id=str(node).lower(),
        name=str(data.get("name") or ""),
        authorized=config.get("authorized") is True,
        ip_assignments=normalise_ips(config.get("ipAssignments")),
        no_auto_assign_ips=config.get("noAutoAssignIps") is True,
        active_bridge=config.get("activeBridge") is True,
        capabilities=normalise_ints(config.get("capabilities")),
        tags=normalise_tags(config.get("tags")),
        last_seen=_seen(data.get("lastSeen")),
    )


def _seen(value: Any) -> float | None:
    """Central's lastSeen (milliseconds; 0 or absent when unknown, central/v1.json) in seconds."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value / 1000
    return None
