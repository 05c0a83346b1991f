"""An exchange that forks this repository and adds its first member keeps a green test suite:
no test depends on the root ix.yaml and peers/ beyond "they validate"."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT

pytestmark = pytest.mark.slow

MEMBER = """\
asn: 64505
name: A Fork's First Member
contact: noc@first.example
connections:
  - zerotier_node_id: "bb00000050"
    ipv4: 10.99.0.50
    ipv6: fdd9:7a1c:3e5b:99::50
"""


def test_a_fork_that_adds_a_member_keeps_the_suite_green(tmp_path: Path) -> None:
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout.decode()
    fork = tmp_path / "fork"
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (fork / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, fork / name)
    modules = ROOT / "tests" / "oidc" / "node_modules"  # the OpenID provider's npm packages
    if modules.is_dir():
        (fork / "tests" / "oidc" / "node_modules").symlink_to(modules)
    (fork / "peers" / "AS64505.yaml").write_text(MEMBER)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZTIX_", "PYTEST_"))}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-x",
            "-m",
            "not lab and not slow",
            "-p",
            "no:cacheprovider",
        ],
        cwd=fork,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
