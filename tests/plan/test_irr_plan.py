"""The plan shows IRR changes per member: what a refresh (or a new member) adds and removes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_regressions.file_regression import FileRegressionFixture

from tests.conftest import write_repo
from tests.gitrepo import git
from tests.irr.fixtures import ONE, irr_repo
from ztix.cli import main
from ztix.irr.files import irr_text


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write_repo(tmp_path / "ix", irr_repo())
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def refreshed(root: Path) -> None:
    changed = ONE.model_copy(
        update={
            "origins": ("64500", "64510", "64520"),
            "ipv4": ("5.5.0.0/16", "23.20.0.0/24", "23.30.0.0/16"),
        }
    )
    (root / "irr" / "AS64500.yaml").write_text(irr_text(changed))
    new = ONE.model_copy(update={"asn": 64501, "expanded": ("AS64501",), "ipv6": ()})
    (root / "irr" / "AS64501.yaml").write_text(irr_text(new))


def test_plan_markdown_lists_irr_changes(
    repo: Path, capsys: pytest.CaptureFixture[str], file_regression: FileRegressionFixture
) -> None:
    refreshed(repo)
    assert main(["plan", "--repo", str(repo), "--base", "main", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    file_regression.check(out, basename="plan_irr", extension=".md")
    assert (
        "| AS64500 | AS64500 | changed: origins +1/-0, ipv4 +1/-1 | `AS64520`, `23.30.0.0/16` "
        "| `23.1.0.0/16` |" in out
    )
    assert "| AS64501 | AS64501 | added: origins +2/-0, ipv4 +3/-0 |" in out


def test_plan_text_and_json_list_every_entry(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refreshed(repo)
    assert main(["plan", "--repo", str(repo), "--base", "main"]) == 0
    text = capsys.readouterr().out
    assert "  irr changed  AS64500 (AS64500): origins +1/-0, ipv4 +1/-1\n" in text
    assert "    + ipv4 23.30.0.0/16\n    - ipv4 23.1.0.0/16\n" in text
    assert main(["plan", "--repo", str(repo), "--base", "main", "--format", "json"]) == 0
    irr = json.loads(capsys.readouterr().out)["irr"]
    assert [(c["asn"], c["action"]) for c in irr] == [(64500, "changed"), (64501, "added")]
    assert irr[1]["ipv4_added"] == ["5.5.0.0/16", "23.1.0.0/16", "23.20.0.0/24"]
    # The config diff shows it too: the member's set changes, no session block does.
    assert main(["plan", "--repo", str(repo), "--base", "main", "--format", "json"]) == 0
    configs = json.loads(capsys.readouterr().out)["route_servers"]
    assert configs[0]["sessions_reset"] == [] and "23.30.0.0/16{16,24}" in configs[0]["diff"]
