"""Real `ztix portal` processes for the replica and restart tests: each a process of its own, on
one state store and one git remote, with the OpenID provider, PeeringDB and GitHub fakes."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.lab.sshd import free_port
from tests.portal.conftest import CLIENT_ID, CLIENT_SECRET
from tests.portal.fakes import FakeGitHub, FakePeeringDB
from tests.portal.op import OpenIDProvider

ZTIX = str(Path(sys.executable).parent / "ztix")


@dataclass
class PortalProcess:
    """One `ztix portal` process; stop it as an operator or a crash would, start it again."""

    port: int
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start and wait until /healthz answers (bounded)."""
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [ZTIX, "portal", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                if self.proc.poll() is not None:
                    break
            time.sleep(0.1)
        self.stop(signal.SIGKILL)
        raise RuntimeError(f"the portal did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM (a deploy) or SIGKILL (a crash); reaped either way."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None


@dataclass
class Exchange:
    """Everything the portals talk to, and the portals."""

    op: OpenIDProvider
    peeringdb: FakePeeringDB
    github: FakeGitHub
    remote: Path
    portals: list[PortalProcess] = field(default_factory=list)


@contextmanager
def running(
    tmp_path: Path, remote: Path, store_url: str, count: int = 2, **settings: str
) -> Iterator[Exchange]:
    """`count` portals on `store_url` (base URL: the first's, as behind one load balancer)."""
    ports = [free_port() for _ in range(count)]
    base = f"http://127.0.0.1:{ports[0]}"
    op = OpenIDProvider(tmp_path, CLIENT_ID, CLIENT_SECRET, [f"{base}/auth/callback"])
    peeringdb, github = FakePeeringDB(), FakeGitHub()
    exchange = Exchange(op, peeringdb, github, remote)
    try:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("ZTIX_")}
        for n, port in enumerate(ports):
            env = {
                **clean,
                "ZTIX_PORTAL_BASE_URL": base,
                "ZTIX_PORTAL_ISSUER": op.issuer,
                "ZTIX_PORTAL_CLIENT_ID": CLIENT_ID,
                "ZTIX_PORTAL_CLIENT_SECRET": CLIENT_SECRET,
                "ZTIX_PORTAL_SESSION_SECRET": "s" * 40,
                "ZTIX_PORTAL_COOKIE_SECURE": "false",
                "ZTIX_PORTAL_REPO_URL": str(remote),
                "ZTIX_PORTAL_WORKDIR": str(tmp_path / f"checkout-{n}"),
                "ZTIX_PORTAL_FORGE": "github",
                "ZTIX_PORTAL_FORGE_API_URL": github.url,
                "ZTIX_PORTAL_FORGE_TOKEN": "gh-token",
                "ZTIX_PORTAL_FORGE_PROJECT": "zt-ix/peering",
                "ZTIX_PORTAL_PEERINGDB_URL": peeringdb.url,
                "ZTIX_PORTAL_PEERINGDB_API_KEY": "pdb-key",
                "ZTIX_PORTAL_STORE_URL": store_url,
                "ZTIX_PORTAL_AUDIT_LOG": str(tmp_path / f"audit-{n}.jsonl"),
                "ZTIX_PORTAL_BREAKER_COOLDOWN": "1",
                "ZTIX_PORTAL_PAGE_TIMEOUT": "3",
                "ZTIX_PORTAL_RECONCILE_INTERVAL": "5",
                **{f"ZTIX_PORTAL_{k.upper()}": v for k, v in settings.items()},
            }
            portal = PortalProcess(port, env, tmp_path / f"portal-{n}.log")
            exchange.portals.append(portal)
            portal.start()
        yield exchange
    finally:
        for portal in exchange.portals:
            portal.stop(signal.SIGKILL)
        op.stop()
        peeringdb.close()
        github.close()


class Browser:
    """A member's browser: one cookie jar for every portal on 127.0.0.1 (cookies ignore the
    port, as a load balancer's replicas share one host name)."""

    def __init__(self) -> None:
        self.client = httpx.Client(timeout=30, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start_login(self, portal: PortalProcess) -> str:
        """GET /login on `portal`; the provider's authorize URL."""
        response = self.client.get(f"{portal.url}/login")
        assert response.status_code in (302, 303, 307), response.text
        return str(response.headers["location"])

    def at_provider(self, authorize: str, account: str) -> str:
        """Log in at the provider; the callback URL it sends the browser back to."""
        with httpx.Client(timeout=10) as op:
            response = op.get(authorize)
            for _ in range(10):
                if response.status_code in (302, 303):
                    location = str(response.headers["location"])
                    if "/auth/callback" in location:
                        return location
                    response = op.get(httpx.URL(str(response.url)).join(location))
                elif "op-login" in response.text:
                    response = op.post(str(response.url), data={"login": account})
                else:
                    raise AssertionError(f"provider page: {response.status_code}")
        raise AssertionError("no redirect back to the portal")

    def callback(self, portal: PortalProcess, callback: str) -> httpx.Response:
        """Send the provider's redirect to `portal` (whichever replica the balancer picks)."""
        path = callback.split("/auth/callback", 1)[1]
        return self.client.get(f"{portal.url}/auth/callback{path}")

    def login(self, portal: PortalProcess, account: str) -> None:
        response = self.callback(portal, self.at_provider(self.start_login(portal), account))
        assert response.status_code == 303, response.text

    def page(self, portal: PortalProcess, path: str = "/") -> str:
        response = self.client.get(f"{portal.url}{path}")
        return response.text

    def csrf(self, portal: PortalProcess) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.page(portal))
        assert found, "no CSRF token on the page: not logged in?"
        return found.group(1)

    def post(self, portal: PortalProcess, path: str, **form: Any) -> httpx.Response:
        data = {"csrf": self.csrf(portal), "request_id": secrets.token_urlsafe(18), **form}
        return self.client.post(f"{portal.url}{path}", data=data)
