"""The portal with everything it talks to, on loopback: for the browser test and for trying it.

    .venv/bin/python -m tests.portal.devstack

starts the test OpenID provider (accounts: alex, unverified, noemail), PeeringDB and GitHub fakes,
a git remote holding the test exchange, and the portal on http://127.0.0.1:8080 (plain http, so
cookies are not marked Secure). Log in as `alex` and request to join for AS64502.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn

from tests.gitrepo import bare_remote
from tests.lab.sshd import free_port
from tests.portal.fakes import FakeGitHub, FakePeeringDB
from tests.portal.op import OpenIDProvider
from ztix.portal.app import create_app
from ztix.portal.settings import PortalSettings


@dataclass
class Stack:
    """URLs and handles of a running stack."""

    url: str
    remote: Path
    github: FakeGitHub
    op: OpenIDProvider


@contextmanager
def running(
    workdir: Path,
    port: int | None = None,
    *,
    remote: Path | None = None,
    status_key: Path | None = None,
) -> Iterator[Stack]:
    """Start the stack in `workdir` (over `remote`, default the test exchange; with the
    read-only route-server key `status_key`, the looking glass and live status); stop all."""
    remote = remote or bare_remote(workdir)[1]
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    op = OpenIDProvider(workdir, "ztix-portal", "portal-client-secret", [f"{url}/auth/callback"])
    peeringdb, github = FakePeeringDB(), FakeGitHub()
    settings = PortalSettings(
        base_url=url,
        issuer=op.issuer,
        client_id="ztix-portal",
        client_secret="portal-client-secret",
        session_secret="dev-session-secret-" + "x" * 20,
        cookie_secure=False,
        repo_url=str(remote),
        workdir=workdir / "checkout",
        forge="github",
        forge_api_url=github.url,
        forge_token="gh-token",
        forge_project="zt-ix/peering",
        peeringdb_url=peeringdb.url,
        peeringdb_api_key="pdb-key",
        status_ssh_key_file=status_key,
        status_cache_seconds=1 if status_key else 30,
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        yield Stack(url, remote, github, op)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        peeringdb.close()
        github.close()
        op.stop()


def main() -> None:
    """Run until interrupted."""
    with tempfile.TemporaryDirectory() as tmp, running(Path(tmp), port=8080) as stack:
        print(f"portal: {stack.url}  (log in as: alex; OpenID provider: {stack.op.issuer})")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
