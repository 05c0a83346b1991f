"""A fake of the ZeroTier controller's local API, as zerotier-one 1.14 behaves.

Behaviour copied from recorded real responses: auth by `X-ZT1-Auth` (also `Authorization:
Bearer` and `?auth=`), 401 with body `{}`, 404 with an empty body, 500 with a JSON error on bad
JSON or a non-string address, upserts that change only the keys given and bump `revision` only
when something changed, addresses normalised (CIDR suffix dropped, bad dotted quads become
0.0.0.0, other garbage dropped), member ids matched case-insensitively but stored as given, and
keep-alive connections closed after 5 requests.
"""

from __future__ import annotations

import copy
import ipaddress
import re
from collections import Counter
from typing import Any

from tests.fakes.server import FakeApi, Request, Response

NETWORK_KEYS = (
    "name",
    "private",
    "enableBroadcast",
    "mtu",
    "multicastLimit",
    "v4AssignMode",
    "v6AssignMode",
    "ipAssignmentPools",
    "routes",
    "rules",
    "dns",
    "tags",
    "capabilities",
)
MEMBER_KEYS = (
    "authorized",
    "ipAssignments",
    "noAutoAssignIps",
    "name",
    "activeBridge",
    "tags",
    "capabilities",
    "ssoExempt",
)


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def _normalise_ip(value: str) -> str | None:
    text = value.split("/", 1)[0]
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", text):
        try:
            return str(ipaddress.IPv4Address(text))
        except ValueError:
            return "0.0.0.0"
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


class FakeController(FakeApi):
    """The controller of node `node_id` with an auth token."""

    keepalive_max = 5
    keepalive_header = "timeout=5, max=5"

    def __init__(
        self, token: str = "secret-token", node_id: str = "c244b1fa0e", *, unstable: bool = True
    ) -> None:
        self.token = token
        self.node_id = node_id
        self.unstable = unstable
        self.networks: dict[str, dict[str, Any]] = {}
        self.members: dict[str, dict[str, dict[str, Any]]] = {}
        self.changes: Counter[str] = Counter()  # effective (revision-bumping) writes per object
        self.clock = 1795655894989
        super().__init__()

    # ------------------------------------------------------------------ helpers for tests
    def member(self, nwid: str, node: str) -> dict[str, Any] | None:
        """A member record as stored, looked up case-insensitively."""
        for key, value in self.members.get(nwid, {}).items():
            if key.lower() == node.lower():
                return value
        return None

    def write_calls(self) -> int:
        """Number of POST/PUT/DELETE requests answered (successful or not)."""
        return sum(1 for method, _, _ in self.log if method in ("POST", "PUT", "DELETE"))

    # ------------------------------------------------------------------ routing
    def _authorized(self, request: Request) -> bool:
        given = request.headers.get("x-zt1-auth")
        bearer = request.headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            given = given or bearer[7:]
        given = given or next(iter(request.query.get("auth", [])), None)
        return given == self.token

    def route(self, request: Request) -> Response:
        """Dispatch like EmbeddedNetworkController::configureHTTPControlPlane."""
        if not self._authorized(request):
            return Response(401, {})
        self.clock += 1
        parts = [p for p in request.path.split("/") if p]
        method = request.method
        if parts == ["status"] and method == "GET":
            return Response(
                200,
                {
                    "address": self.node_id,
                    "clock": self.clock,
                    "online": False,
                    "version": "1.14.1",
                },
            )
        if parts == ["controller"] and method == "GET":
            return Response(
                200,
                {"controller": True, "apiVersion": 4, "clock": self.clock, "databaseReady": True},
            )
        if (
            parts[:3] == ["unstable", "controller", "network"]
            and len(parts) == 5
            and parts[4] == "member"
            and method == "GET"
        ):
            if not self.unstable:
                return Response(404)
            nwid = parts[3]
            if nwid not in self.networks:
                return Response(404)
            data = [copy.deepcopy(m) for _, m in sorted(self.members[nwid].items())]
            return Response(
                200,
                {
                    "data": data,
                    "meta": {
                        "totalCount": len(data),
                        "authorizedCount": sum(1 for m in data if m["authorized"]),
                    },
                },
            )
        if parts[:2] != ["controller", "network"]:
            return Response(404)
        if len(parts) == 2 and method == "GET":
            return Response(200, sorted(self.networks))
        if len(parts) >= 3 and not re.fullmatch(r"[0-9a-f]{16}|[0-9a-f]{10}_{6}", parts[2]):
            return Response(404)
        if len(parts) == 3:
            return self._network(method, parts[2], request)
        nwid = parts[2]
        if parts[3] != "member":
            return Response(404)
        if len(parts) == 4 and method == "GET":
            if nwid not in self.networks:
                return Response(404)
            return Response(200, {k: m["revision"] for k, m in sorted(self.members[nwid].items())})
        if len(parts) == 5 and re.fullmatch(r"[0-9a-fA-F]{10}", parts[4]):
            return self._member(method, nwid, parts[4], request)
        return Response(404)

    def _network(self, method: str, nwid: str, request: Request) -> Response:
        if method == "GET":
            network = self.networks.get(nwid)
            return Response(200, copy.deepcopy(network)) if network else Response(404)
        if method == "DELETE":
            network = self.networks.pop(nwid, None)
            self.members.pop(nwid, None)
            return Response(200, network) if network else Response(404)
        if method not in ("POST", "PUT"):
            return Response(404)
        if nwid.endswith("______"):
            if nwid[:10] != self.node_id:
                return Response(400)
            nwid = self.node_id + f"{len(self.networks) + 1:06x}"
        try:
            body = request.json()
        except ValueError as exc:
            return Response(
                500, {"error": 500, "description": f"[json.exception.parse_error.101] {exc}"}
            )
        network = self.networks.get(nwid)
        if network is None:
            network = self.networks[nwid] = {
                "id": nwid,
                "nwid": nwid,
                "objtype": "network",
                "revision": 0,
                "name": "",
                "private": True,
                "enableBroadcast": True,
                "mtu": 2800,
                "multicastLimit": 32,
                "v4AssignMode": {"zt": False},
                "v6AssignMode": {"zt": False, "rfc4193": False, "6plane": False},
                "ipAssignmentPools": [],
                "routes": [],
                "dns": [],
                "tags": [],
                "capabilities": [],
                "rules": [{"not": False, "or": False, "type": "ACTION_ACCEPT"}],
                "creationTime": self.clock,
            }
            self.members[nwid] = {}
        before = copy.deepcopy(network)
        for key in NETWORK_KEYS:
            if key in body:
                value = body[key]
                if key == "v4AssignMode" and isinstance(value, str):
                    value = {"zt": value == "zt"}
                network[key] = value
        if network != before or before["revision"] == 0:
            network["revision"] += 1
            self.changes[nwid] += 1
        return Response(200, copy.deepcopy(network))

    def _member(self, method: str, nwid: str, node: str, request: Request) -> Response:
        if nwid not in self.networks:
            return Response(404)
        members = self.members[nwid]
        key = next((k for k in members if k.lower() == node.lower()), None)
        if method == "GET":
            return Response(200, copy.deepcopy(members[key])) if key else Response(404)
        if method == "DELETE":
            return Response(200, members.pop(key)) if key else Response(404)
        if method not in ("POST", "PUT"):
            return Response(404)
        try:
            body = request.json()
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            return Response(
                500, {"error": 500, "description": f"[json.exception.parse_error.101] {exc}"}
            )
        if "ipAssignments" in body and any(not isinstance(v, str) for v in body["ipAssignments"]):
            return Response(
                500,
                {
                    "error": 500,
                    "description": "[json.exception.type_error.302] type must be string, but is number",
                },
            )
        if key is None:
            key = node
            members[key] = {
                "id": node,
                "address": node,
                "nwid": nwid,
                "objtype": "member",
                "revision": 0,
                "authorized": False,
                "ipAssignments": [],
                "noAutoAssignIps": False,
                "activeBridge": False,
                "tags": [],
                "capabilities": [],
                "ssoExempt": False,
                "creationTime": self.clock,
                "lastAuthorizedTime": 0,
                "lastDeauthorizedTime": 0,
                "vMajor": -1,
                "vMinor": -1,
                "vRev": -1,
                "vProto": -1,
            }
        member = members[key]
        before = copy.deepcopy(member)
        for field_name in MEMBER_KEYS:  # unknown keys (e.g. Central's "config") are ignored
            if field_name not in body:
                continue
            value = body[field_name]
            if field_name in ("authorized", "noAutoAssignIps", "activeBridge", "ssoExempt"):
                value = _bool(value)
                if field_name == "authorized" and value != member["authorized"]:
                    member["lastAuthorizedTime" if value else "lastDeauthorizedTime"] = self.clock
            if field_name == "ipAssignments":
                value = [ip for ip in (_normalise_ip(v) for v in value) if ip is not None]
            member[field_name] = value
        changed = {
            k: v
            for k, v in member.items()
            if k not in ("lastAuthorizedTime", "lastDeauthorizedTime")
        }
        unchanged = {
            k: v
            for k, v in before.items()
            if k not in ("lastAuthorizedTime", "lastDeauthorizedTime")
        }
        if changed != unchanged or before["revision"] == 0:
            member["revision"] += 1
            self.changes[f"{nwid}/{key.lower()}"] += 1
        return Response(200, copy.deepcopy(member))
