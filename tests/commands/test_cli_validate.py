"""`ztix validate` on disk: exit codes, summary line, problems on stderr."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import DATA as TEST_DATA
from tests.paths import ROOT
from ztix.cli import main

DATA = TEST_DATA / "repo"
EXAMPLE = TEST_DATA / "example"


def test_the_repositorys_own_exchange_validates() -> None:
    # The root ix.yaml and peers/ belong to whoever forks this repository: only "they validate".
    assert main(["validate", "--repo", str(ROOT)]) == 0


def test_validate_prints_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--repo", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert out == (
        "ok: ZT-IX Example: 4 peers (3 active, 1 suspended), 2 route servers, no problems\n"
    )


def test_problems_exit_1_and_are_all_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(DATA, repo)
    (repo / "peers" / "AS64502.yaml").write_text("asn: 64502\nname: x\nname: y\n")
    (repo / "peers" / "AS64503.yaml").write_text("asn: 64503\n")
    assert main(["validate", "--repo", str(repo)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "peers/AS64502.yaml:1:1: connections: required key is missing",
        "peers/AS64502.yaml:1:1: contact: required key is missing",
        "peers/AS64502.yaml:3:1: name: duplicate key (first defined on line 2) "
        "(hint: remove one of them)",
        "peers/AS64503.yaml:1:1: connections: required key is missing",
        "peers/AS64503.yaml:1:1: contact: required key is missing",
        "peers/AS64503.yaml:1:1: name: required key is missing",
        "error: 6 problems; nothing applied",
    ]


def test_console_script_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ztix.cli", "validate", "--repo", str(DATA)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: Test IX: 2 peers")
