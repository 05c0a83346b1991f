"""Forge adapters against local servers shaped like GitLab's and Gitea's APIs; PeeringDB limits."""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.server import FakeApi, Fault, Request, Response
from tests.portal.fakes import FakePeeringDB
from ztix.adapters.forge import GiteaForge, GitLabForge
from ztix.adapters.http import RetryPolicy
from ztix.adapters.peeringdb import PeeringDBClient


class FakeGitLab(FakeApi):
    """GitLab v4 merge requests and commit statuses for project zt-ix/peering (id encoded)."""

    def __init__(self) -> None:
        self.mrs: list[dict[str, Any]] = []
        self.statuses: dict[str, list[dict[str, str]]] = {}
        self._iids = itertools.count(1)
        super().__init__()

    def route(self, request: Request) -> Response:
        if request.headers.get("private-token") != "gl-token":
            return Response(401, {"message": "401 Unauthorized"})
        base = "/api/v4/projects/zt-ix%2Fpeering"
        path = request.path.replace("zt-ix/peering", "zt-ix%2Fpeering")
        if path == f"{base}/merge_requests" and request.method == "GET":
            source = request.query.get("source_branch", [""])[0]
            return Response(200, [m for m in self.mrs if m["source_branch"] == source])
        if path == f"{base}/merge_requests" and request.method == "POST":
            body = request.json()
            iid = next(self._iids)
            mr = {
                "iid": iid,
                "state": "opened",
                "source_branch": body["source_branch"],
                "target_branch": body["target_branch"],
                "title": body["title"],
                "merge_commit_sha": None,
                "web_url": f"https://gitlab.example/zt-ix/peering/-/merge_requests/{iid}",
            }
            self.mrs.append(mr)
            return Response(201, mr)
        match = re.fullmatch(rf"{re.escape(base)}/repository/commits/(\w+)/statuses", path)
        if match:
            return Response(200, self.statuses.get(match.group(1), []))
        return Response(404, {"message": "404 Not found"})


class FakeGitea(FakeApi):
    """Gitea/Forgejo v1 pulls (no head filter: clients filter) and commit statuses."""

    def __init__(self) -> None:
        self.pulls: list[dict[str, Any]] = []
        self.statuses: dict[str, list[dict[str, str]]] = {}
        self._numbers = itertools.count(1)
        super().__init__()

    def route(self, request: Request) -> Response:
        if request.headers.get("authorization") != "token gt-token":
            return Response(401, {"message": "token is required"})
        base = "/api/v1/repos/zt-ix/peering"
        if request.path == f"{base}/pulls" and request.method == "GET":
            page = int(request.query.get("page", ["1"])[0])
            limit = int(request.query.get("limit", ["30"])[0])
            return Response(200, self.pulls[(page - 1) * limit : page * limit])
        if request.path == f"{base}/pulls" and request.method == "POST":
            body = request.json()
            number = next(self._numbers)
            pull = {
                "number": number,
                "state": "open",
                "merged": False,
                "merge_commit_sha": None,
                "head": {"ref": body["head"]},
                "base": {"ref": body["base"]},
                "html_url": f"https://forge.example/zt-ix/peering/pulls/{number}",
            }
            self.pulls.append(pull)
            return Response(201, pull)
        match = re.fullmatch(rf"{base}/commits/(\w+)/statuses", request.path)
        if match:
            return Response(200, self.statuses.get(match.group(1), []))
        return Response(404, {"message": "Not Found"})


@pytest.fixture
def gitlab() -> Iterator[FakeGitLab]:
    server = FakeGitLab()
    yield server
    server.close()


@pytest.fixture
def gitea() -> Iterator[FakeGitea]:
    server = FakeGitea()
    yield server
    server.close()


def test_gitlab_opens_once_and_reads_states(gitlab: FakeGitLab) -> None:
    async def go() -> None:
        forge = GitLabForge(gitlab.url + "/api/v4", "gl-token", "zt-ix/peering")
        try:
            assert (await forge.change_for("ztix/AS64502")).state == "none"
            first = await forge.open_change("ztix/AS64502", "AS64502: join", "body")
            again = await forge.open_change("ztix/AS64502", "AS64502: join", "body")
            assert first == again and first.url.endswith("/merge_requests/1")
            gitlab.mrs[0].update(state="merged", merge_commit_sha="abc123")
            merged = await forge.change_for("ztix/AS64502")
            assert (merged.state, merged.merge_commit) == ("merged", "abc123")
            gitlab.statuses["abc123"] = [{"name": "ztix/apply", "status": "failed"}]
            assert await forge.check_state("abc123") == "failure"
        finally:
            await forge.aclose()

    asyncio.run(go())
    assert len(gitlab.mrs) == 1


def test_gitea_filters_pulls_by_branch_across_pages(gitea: FakeGitea) -> None:
    for number in range(1, 61):  # more than one page of other requests
        gitea.pulls.append(
            {
                "number": number,
                "state": "closed",
                "merged": False,
                "head": {"ref": f"other/{number}"},
                "base": {"ref": "main"},
                "html_url": f"https://forge.example/x/{number}",
            }
        )
    gitea._numbers = itertools.count(61)

    async def go() -> None:
        forge = GiteaForge(gitea.url + "/api/v1", "gt-token", "zt-ix/peering")
        try:
            opened = await forge.open_change("ztix/AS64502", "AS64502: join", "body")
            assert opened.number == 61 and opened.state == "open"
            assert (await forge.change_for("ztix/AS64502")).number == 61
            gitea.pulls[-1].update(state="closed")
            assert (await forge.change_for("ztix/AS64502")).state == "closed"
            gitea.statuses["abc"] = [{"context": "ztix/apply", "status": "success"}]
            assert await forge.check_state("abc") == "success"
        finally:
            await forge.aclose()

    asyncio.run(go())


def test_peeringdb_throttling_is_waited_out_and_answers_are_cached() -> None:
    fake = FakePeeringDB()
    fake.add_faults(Fault("status", 429, {"Retry-After": "3"}))
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def go() -> None:
        client = PeeringDBClient(fake.url, "pdb-key", policy=RetryPolicy(sleep=sleep))
        try:
            net = await client.network(64502)
            assert net is not None and net.info_prefixes4 == 42 and net.info_prefixes6 is None
            assert await client.network(64502) == net
            assert await client.network(64999) is None
        finally:
            await client.aclose()

    try:
        asyncio.run(go())
    finally:
        fake.close()
    assert sleeps == [3.0]
    gets = [entry for entry in fake.log if entry[0] == "GET"]
    assert len(gets) == 3  # the throttled try, then one per ASN; the repeat came from the cache
