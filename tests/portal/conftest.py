"""Portal fixtures: the OpenID provider, PeeringDB and GitHub fakes, a git remote, the app."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.gitrepo import bare_remote
from tests.portal.fakes import FakeGitHub, FakePeeringDB
from tests.portal.op import OpenIDProvider
from ztix.adapters.forge import GitHubForge
from ztix.adapters.git import GitWorkspace
from ztix.adapters.peeringdb import PeeringDBClient
from ztix.adapters.state.sqlite import SqliteStore
from ztix.portal.app import create_app
from ztix.portal.irrpreview import IrrPreviews
from ztix.portal.service import PortalService
from ztix.portal.settings import PortalSettings
from ztix.ports.forge import Forge
from ztix.ports.status import BirdReader

CLIENT_ID, CLIENT_SECRET = "ztix-portal", "portal-client-secret"
BASE = "http://localhost"


@pytest.fixture(scope="session")
def op(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenIDProvider]:
    provider = OpenIDProvider(
        tmp_path_factory.mktemp("op"), CLIENT_ID, CLIENT_SECRET, [f"{BASE}/auth/callback"]
    )
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare 'origin' holding the test exchange on main."""
    return bare_remote(tmp_path)[1]


class Tamper(httpx.AsyncBaseTransport):
    """Passes requests to the real provider; can rewrite the ID token in token responses."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.rewrite: Callable[[str], str] | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if (
            self.rewrite is None
            or request.method != "POST"
            or not request.url.path.endswith("/token")
        ):
            return response
        await response.aread()
        data = json.loads(response.content)
        if "id_token" in data:
            data["id_token"] = self.rewrite(data["id_token"])
        body = json.dumps(data).encode()
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        return httpx.Response(response.status_code, headers=headers, content=body)

    async def aclose(self) -> None:
        await self.inner.aclose()


def resign(key: RSAKey, token: str, **changes: Any) -> str:
    """The token's claims with `changes`, signed with `key` (the provider's or another)."""
    claims = dict(jwt.decode(token, key if key.kid == "op-key-1" else _op_key_holder[0]).claims)
    claims.update(changes)
    return str(jwt.encode({"alg": "RS256", "kid": "op-key-1"}, claims, key))


_op_key_holder: list[RSAKey] = []


@dataclass
class Portal:
    """A running portal (in-process) and its collaborators."""

    client: TestClient
    op: OpenIDProvider
    peeringdb: FakePeeringDB
    github: FakeGitHub
    remote: Path
    tamper: Tamper
    service: PortalService

    def start_login(self) -> str:
        """Follow the portal's /login redirect to the provider; the provider's authorize URL."""
        response = self.client.get("/login", follow_redirects=False)
        assert response.status_code in (302, 303, 307), response.text
        return str(response.headers["location"])

    def authorize(self, account: str, authorize_url: str | None = None) -> str:
        """Log in at the provider as `account`; return the callback URL it redirects to."""
        url = authorize_url or self.start_login()
        with httpx.Client(timeout=10) as browser:
            response = browser.get(url)
            for _ in range(10):
                if response.status_code in (302, 303):
                    location = str(response.headers["location"])
                    if location.startswith(BASE):
                        return str(location)
                    response = browser.get(httpx.URL(str(response.url)).join(location))
                elif "op-login" in response.text:
                    action = str(response.url)
                    response = browser.post(action, data={"login": account})
                else:
                    raise AssertionError(
                        f"unexpected provider page: {response.status_code} {response.text[:300]}"
                    )
        raise AssertionError("no redirect back to the portal")

    def login(self, account: str = "alex") -> None:
        """A complete, successful login."""
        callback = self.authorize(account)
        response = self.client.get(callback.removeprefix(BASE), follow_redirects=False)
        assert response.status_code == 303, response.text

    def csrf(self) -> str:
        """This session's CSRF token, as the pages embed it."""
        page: str = self.client.get("/").text
        start = page.index('name="csrf" value="') + len('name="csrf" value="')
        return page[start : page.index('"', start)]


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@contextmanager
def open_portal(
    op: OpenIDProvider,
    remote: Path,
    tmp_path: Path,
    *,
    irr: IrrPreviews | None = None,
    forge: Forge | None = None,
    reader: BirdReader | None = None,
) -> Iterator[Portal]:
    """The portal app over `remote`, with fakes for PeeringDB and GitHub (and `irr` previews)."""
    _op_key_holder[:] = [op.key]
    peeringdb = FakePeeringDB()
    github = FakeGitHub()
    settings = PortalSettings(
        base_url=BASE,
        issuer=op.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        session_secret="s" * 40,
        cookie_secure=False,
        repo_url=str(remote),
        workdir=tmp_path / "checkout",
        forge="github",
        forge_api_url=github.url,
        forge_token="gh-token",
        forge_project="zt-ix/peering",
        peeringdb_url=peeringdb.url,
        peeringdb_api_key="pdb-key",
        audit_log=tmp_path / "audit.jsonl",
    )
    service = PortalService(
        settings,
        GitWorkspace(str(remote), tmp_path / "checkout"),
        forge or GitHubForge(github.url, "gh-token", "zt-ix/peering"),
        PeeringDBClient(peeringdb.url, "pdb-key"),
        store=SqliteStore(tmp_path / "state.sqlite3"),
        irr=irr,
        reader=reader,
    )
    tamper = Tamper()
    app = create_app(settings, service=service, oidc_transport=tamper)
    try:
        with TestClient(app, base_url=BASE) as client:
            yield Portal(client, op, peeringdb, github, remote, tamper, service)
    finally:
        peeringdb.close()
        github.close()


@pytest.fixture
def portal(op: OpenIDProvider, remote: Path, tmp_path: Path) -> Iterator[Portal]:
    with open_portal(op, remote, tmp_path) as running:
        yield running
