"""Local servers shaped like PeeringDB's REST API and GitHub's pulls/statuses API."""

from __future__ import annotations

import itertools
import re
from typing import Any

from tests.fakes.server import FakeApi, Request, Response

NETS: dict[int, dict[str, Any]] = {
    64502: {
        "id": 90003,
        "asn": 64502,
        "name": 'Peer Three; "Hosting" GmbH',
        "status": "ok",
        "irr_as_set": "RIPE::AS-THREE AS64502:AS-CUST, not-a-set",
        "info_prefixes4": 42,
        "info_prefixes6": None,
        "info_never_via_route_servers": False,
    },
    64500: {
        "id": 90001,
        "asn": 64500,
        "name": "Peer One",
        "status": "ok",
        "irr_as_set": "",
        "info_prefixes4": 5,
        "info_prefixes6": 3,
        "info_never_via_route_servers": True,
    },
    64509: {
        "id": 90009,
        "asn": 64509,
        "name": "Read Only Net",
        "status": "ok",
        "irr_as_set": "",
        "info_prefixes4": 1,
        "info_prefixes6": 1,
        "info_never_via_route_servers": False,
    },
}


class FakePeeringDB(FakeApi):
    """`GET /api/net?asn=N` as PeeringDB answers it: {"data": [...], "meta": {}}."""

    def __init__(self, api_key: str = "pdb-key") -> None:
        self.api_key = api_key
        self.nets = {asn: dict(net) for asn, net in NETS.items()}
        super().__init__()

    def route(self, request: Request) -> Response:
        """Answer like PeeringDB (401 for a wrong key; anonymous reads allowed)."""
        auth = request.headers.get("authorization")
        if auth is not None and auth != f"Api-Key {self.api_key}":
            return Response(401, {"meta": {"error": "Invalid API key"}})
        if request.method != "GET" or request.path.rstrip("/") != "/api/net":
            return Response(404, {"meta": {"error": "Not found"}})
        asn = int(request.query.get("asn", ["0"])[0])
        found = [self.nets[asn]] if asn in self.nets else []
        return Response(200, {"data": found, "meta": {}})


class FakeGitHub(FakeApi):
    """Just enough of GitHub's REST API: list and create pulls, merge them, commit statuses."""

    def __init__(self, token: str = "gh-token", project: str = "zt-ix/peering") -> None:
        self.token = token
        self.project = project
        self.pulls: list[dict[str, Any]] = []
        self.statuses: dict[str, list[dict[str, str]]] = {}
        self._numbers = itertools.count(1)
        super().__init__()

    def merge(self, number: int, sha: str) -> None:
        """Mark a pull request merged (as an admin's merge would)."""
        pull = next(p for p in self.pulls if p["number"] == number)
        pull.update(state="closed", merged_at="2026-11-26T10:00:00Z", merge_commit_sha=sha)

    def route(self, request: Request) -> Response:
        """Answer like GitHub."""
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Response(401, {"message": "Bad credentials"})
        base = f"/repos/{self.project}"
        if request.path == f"{base}/pulls" and request.method == "GET":
            head = request.query.get("head", [""])[0]
            _owner, _, branch = head.partition(":")
            found = [p for p in self.pulls if p["head"]["ref"] == branch]
            return Response(200, sorted(found, key=lambda p: -p["number"]))
        if request.path == f"{base}/pulls" and request.method == "POST":
            body = request.json()
            if any(p["head"]["ref"] == body["head"] and p["state"] == "open" for p in self.pulls):
                return Response(422, {"message": "A pull request already exists"})
            number = next(self._numbers)
            pull = {
                "number": number,
                "state": "open",
                "title": body["title"],
                "body": body["body"],
                "head": {"ref": body["head"]},
                "base": {"ref": body["base"]},
                "merged_at": None,
                "merge_commit_sha": None,
                "html_url": f"https://github.example/{self.project}/pull/{number}",
            }
            self.pulls.append(pull)
            return Response(201, pull)
        match = re.fullmatch(rf"{base}/pulls/(\d+)", request.path)
        if match and request.method == "PATCH":
            found = [p for p in self.pulls if p["number"] == int(match.group(1))]
            if not found:
                return Response(404, {"message": "Not Found"})
            pull = found[0]
            if request.json().get("state") == "closed" and not pull["merged_at"]:
                pull["state"] = "closed"
            return Response(200, pull)
        match = re.fullmatch(rf"{base}/statuses/([0-9a-f]+)", request.path)
        if match and request.method == "POST":
            body = request.json()
            self.statuses.setdefault(match.group(1), []).insert(
                0,
                {
                    "context": body["context"],
                    "state": body["state"],
                    "description": body.get("description", ""),
                },
            )
            return Response(201, body)
        match = re.fullmatch(rf"{base}/commits/([0-9a-f]+)/status", request.path)
        if match and request.method == "GET":
            statuses = self.statuses.get(match.group(1), [])
            return Response(
                200, {"state": "success" if statuses else "pending", "statuses": statuses}
            )
        return Response(404, {"message": "Not Found"})
