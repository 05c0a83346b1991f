"""A fake of ZeroTier Central API v1 (official OpenAPI spec central/v1.json).

`Authorization: token <token>`; member settings under `config`; member list is an array of full
member objects; 401 without a valid token, 403 for a network the token may not manage, 404 for
unknown objects; a request budget per window answered with 429, `Retry-After` and the
`X-Ratelimit-Limit/-Remaining/-Reset` headers.
"""

from __future__ import annotations

import copy
import time
from collections import Counter
from typing import Any

from tests.fakes.server import FakeApi, Request, Response
from tests.fakes.zerotier_controller import NETWORK_KEYS

# Central's network `config` holds the same settings as the controller's network.
CONFIG_KEYS = NETWORK_KEYS


class FakeCentral(FakeApi):
    """Central with one account's networks; `rate_limit` requests per `window` seconds."""

    def __init__(
        self,
        token: str = "central-token",
        *,
        networks: tuple[str, ...] = (),
        forbidden: tuple[str, ...] = (),
        rate_limit: int = 0,
        window: float = 1.0,
    ) -> None:
        self.token = token
        self.networks: dict[str, dict[str, Any]] = {
            nwid: {
                "id": nwid,
                "config": {
                    "id": nwid,
                    "name": "",
                    "private": True,
                    "routes": [],
                    "rules": [],
                    "ipAssignmentPools": [],
                    "v4AssignMode": {"zt": True},
                    "v6AssignMode": {"zt": False, "rfc4193": False, "6plane": False},
                },
            }
            for nwid in networks
        }
        self.forbidden = set(forbidden)
        self.members: dict[str, dict[str, dict[str, Any]]] = {nwid: {} for nwid in networks}
        self.changes: Counter[str] = Counter()
        self.rate_limit = rate_limit
        self.window = window
        self._window_start = time.monotonic()
        self._used = 0
        super().__init__()

    def member(self, nwid: str, node: str) -> dict[str, Any] | None:
        """A member record as stored."""
        return self.members.get(nwid, {}).get(node)

    def write_calls(self) -> int:
        """Number of POST/DELETE requests answered."""
        return sum(1 for method, _, _ in self.log if method in ("POST", "DELETE"))

    def _rate_headers(self) -> tuple[bool, dict[str, str]]:
        if not self.rate_limit:
            return True, {}
        now = time.monotonic()
        if now - self._window_start >= self.window:
            self._window_start, self._used = now, 0
        reset = self._window_start + self.window - now
        allowed = self._used < self.rate_limit
        if allowed:
            self._used += 1
        headers = {
            "X-Ratelimit-Limit": str(self.rate_limit),
            "X-Ratelimit-Remaining": str(max(0, self.rate_limit - self._used)),
            "X-Ratelimit-Reset": f"{time.time() + reset:.3f}",
        }
        if not allowed:
            headers["Retry-After"] = f"{max(reset, 0.01):.3f}"
        return allowed, headers

    def route(self, request: Request) -> Response:
        """Answer like Central."""
        allowed, headers = self._rate_headers()
        if not allowed:
            return Response(429, {"message": "rate limit exceeded"}, headers)
        response = self._route(request)
        response.headers.update(headers)
        return response

    def _route(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"token {self.token}":
            return Response(401, {"type": "error", "message": "unauthorized"})
        parts = [p for p in request.path.split("/") if p]
        if parts[:3] != ["api", "v1", "network"] or len(parts) < 4:
            return Response(404, {"type": "error", "message": "not found"})
        nwid = parts[3]
        if nwid in self.forbidden:
            return Response(403, {"type": "error", "message": "forbidden"})
        if nwid not in self.networks:
            return Response(404, {"type": "error", "message": "network not found"})
        if len(parts) == 4:
            return self._network(request, nwid)
        if parts[4] != "member":
            return Response(404, {"type": "error", "message": "not found"})
        if len(parts) == 5 and request.method == "GET":
            return Response(200, [copy.deepcopy(m) for _, m in sorted(self.members[nwid].items())])
        if len(parts) == 6:
            return self._member(request, nwid, parts[5])
        return Response(404, {"type": "error", "message": "not found"})

    def _network(self, request: Request, nwid: str) -> Response:
        network = self.networks[nwid]
        if request.method == "GET":
            return Response(200, copy.deepcopy(network))
        if request.method != "POST":
            return Response(404, {"type": "error", "message": "not found"})
        try:
            body = request.json()
        except ValueError:
            return Response(400, {"type": "error", "message": "bad request"})
        before = copy.deepcopy(network)
        for key in CONFIG_KEYS:
            if key in (body.get("config") or {}):
                network["config"][key] = body["config"][key]
        if network != before:
            self.changes[nwid] += 1
        return Response(200, copy.deepcopy(network))

    def _member(self, request: Request, nwid: str, node: str) -> Response:
        members = self.members[nwid]
        if request.method == "GET":
            member = members.get(node)
            return (
                Response(200, copy.deepcopy(member))
                if member
                else Response(404, {"type": "error", "message": "member not found"})
            )
        if request.method == "DELETE":
            return (
                Response(200, {})
                if members.pop(node, None)
                else Response(404, {"type": "error", "message": "member not found"})
            )
        if request.method != "POST":
            return Response(404, {"type": "error", "message": "not found"})
        try:
            body = request.json()
        except ValueError:
            return Response(400, {"type": "error", "message": "bad request"})
        member = members.setdefault(
            node,
            {
                "id": f"{nwid}-{node}",
                "networkId": nwid,
                "nodeId": node,
                "name": "",
                "description": "",
                "hidden": False,
                "lastSeen": 0,  # never checked in: the node has not joined (central/v1.json)
                "config": {
                    "id": node,
                    "authorized": False,
                    "ipAssignments": [],
                    "noAutoAssignIps": False,
                    "activeBridge": False,
                    "capabilities": [],
                    "tags": [],
                    "revision": 0,
                },
            },
        )
        before = copy.deepcopy(member)
        for key in ("name", "description", "hidden"):
            if key in body:
                member[key] = body[key]
        # MemberConfig's writable keys (central/v1.json).
        writable = (
            "authorized",
            "ipAssignments",
            "noAutoAssignIps",
            "activeBridge",
            "capabilities",
            "tags",
        )
        for key in writable:
            if key in (body.get("config") or {}):
                member["config"][key] = body["config"][key]
        if member != before or before["config"]["revision"] == 0:
            member["config"]["revision"] += 1
            self.changes[f"{nwid}/{node}"] += 1
        return Response(200, copy.deepcopy(member))
