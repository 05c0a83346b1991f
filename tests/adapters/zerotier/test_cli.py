"""`ztix zerotier plan|apply` from the command line, token only from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.adapters.zerotier.conftest import NWID
from tests.cli import ztix
from tests.fakes.zerotier_controller import FakeController
from tests.paths import DATA as TEST_DATA

DATA = TEST_DATA / "repo"


@pytest.fixture
def fake() -> Iterator[FakeController]:
    server = FakeController(token="cli-secret-token", node_id=NWID[:10])
    try:
        yield server
    finally:
        server.close()


def test_plan_then_apply_then_noop(fake: FakeController) -> None:
    env = {"ZTIX_ZEROTIER_TOKEN": "cli-secret-token", "ZTIX_ZEROTIER_API_URL": fake.url}
    plan = ztix("zerotier", "plan", "--repo", str(DATA), env=env)
    assert plan.returncode == 0, plan.stderr
    assert "created      a000000001 AS64500" in plan.stdout
    assert plan.stdout.splitlines()[-1] == (
        f"zerotier {NWID}: network to create; members: 3 created, 0 updated, 0 deauthorized, "
        "0 unchanged, 0 waiting, 0 absent"
    )
    assert fake.write_calls() == 0  # plan only reads
    applied = ztix("zerotier", "apply", "--repo", str(DATA), env=env)
    assert applied.returncode == 0, applied.stderr
    assert "applied: 4 writes, 0 failed" in applied.stdout
    again = ztix("zerotier", "apply", "--repo", str(DATA), env=env)
    assert "applied: 0 writes, 0 failed" in again.stdout
    assert (
        "network unchanged; members: 0 created, 0 updated, 0 deauthorized, 3 unchanged"
        in again.stdout
    )
    for out in (plan, applied, again):
        assert "cli-secret-token" not in out.stdout + out.stderr


def test_missing_token_is_a_clear_settings_error(fake: FakeController) -> None:
    done = ztix(
        "zerotier",
        "plan",
        "--repo",
        str(DATA),
        env={"ZTIX_ZEROTIER_API_URL": fake.url, "ZTIX_ZEROTIER_TOKEN": ""},
    )
    assert done.returncode == 2  # an empty variable is no token
    assert "no ZeroTier token: set ZTIX_ZEROTIER_TOKEN" in done.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZTIX_")}
    done = subprocess.run(
        [sys.executable, "-m", "ztix.cli", "zerotier", "plan", "--repo", str(DATA)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert done.returncode == 2
    assert "no ZeroTier token: set ZTIX_ZEROTIER_TOKEN" in done.stderr


def test_token_file(fake: FakeController, tmp_path: Path) -> None:
    secret = tmp_path / "authtoken.secret"
    secret.write_text("cli-secret-token\n")
    done = ztix(
        "zerotier",
        "plan",
        "--repo",
        str(DATA),
        env={"ZTIX_ZEROTIER_TOKEN_FILE": str(secret), "ZTIX_ZEROTIER_API_URL": fake.url},
    )
    assert done.returncode == 0, done.stderr
