"""Run the conformant OpenID provider (tests/oidc/op.mjs, panva/oidc-provider) on loopback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc.jwk import RSAKey

from tests.lab.sshd import free_port
from tests.paths import ROOT
from tests.procs import stop

OIDC_DIR = ROOT / "tests" / "oidc"

# Users like PeeringDB's: perms bitmask READ=1, UPDATE=2, CREATE=4, DELETE=8.
USERS: dict[str, dict[str, Any]] = {
    "alex": {
        "id": 12345,
        "name": "Alex Example",
        "given_name": "Alex",
        "family_name": "Example",
        "email": "alex@member.example",
        "email_verified": True,
        "verified_user": True,
        "networks": [
            {"id": 90003, "name": "Peer Three", "asn": 64502, "perms": 15},
            {"id": 90001, "name": "Peer One", "asn": 64500, "perms": 3},
            {"id": 90009, "name": "Read Only Net", "asn": 64509, "perms": 1},
        ],
    },
    "unverified": {
        "id": 222,
        "name": "New User",
        "email": "new@member.example",
        "email_verified": True,
        "verified_user": False,
        "networks": [{"id": 90003, "name": "Peer Three", "asn": 64502, "perms": 15}],
    },
    "noemail": {
        "id": 333,
        "name": "No Mail",
        "email": "nomail@member.example",
        "email_verified": False,
        "verified_user": True,
        "networks": [{"id": 90003, "name": "Peer Three", "asn": 64502, "perms": 15}],
    },
}


def require_node() -> str:
    """The node binary and installed oidc-provider; skip locally, fail in CI."""
    node = shutil.which("node")
    problem = None
    if node is None:
        problem = "node is not installed"
    elif not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        problem = "run `npm ci` in tests/oidc (oidc-provider is not installed)"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    assert node is not None
    return node


class OpenIDProvider:
    """oidc-provider in a node process, with a signing key the tests know."""

    def __init__(
        self, workdir: Path, client_id: str, client_secret: str, redirect_uris: list[str]
    ) -> None:
        node = require_node()
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": "op-key-1", "use": "sig", "alg": "RS256"}
        )
        self.users_file = workdir / "users.json"
        self.set_users(USERS)
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "OP_PORT": str(self.port),
            "OP_CLIENT": json.dumps(
                {
                    "client_id": client_id,
                    "client_secret": client_secret,
                    "redirect_uris": redirect_uris,
                }
            ),
            "OP_JWKS": json.dumps({"keys": [self.key.as_dict(private=True)]}),
            "OP_USERS": str(self.users_file),
        }
        self.log = (workdir / "op.log").open("w")
        self.proc = subprocess.Popen(
            [node, str(OIDC_DIR / "op.mjs")],
            env=env,
            cwd=OIDC_DIR,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if (
                    httpx.get(
                        f"{self.issuer}/.well-known/openid-configuration", timeout=1
                    ).status_code
                    == 200
                ):
                    return
            except httpx.HTTPError:
                if self.proc.poll() is not None:
                    break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the OpenID provider did not start: {(workdir / 'op.log').read_text()}")

    def set_users(self, users: dict[str, dict[str, Any]]) -> None:
        """Replace the accounts (read by the provider on every lookup)."""
        self.users_file.write_text(json.dumps(users))

    def stop(self) -> None:
        """Stop the node process."""
        stop(self.proc)
        self.log.close()
