"""`ztix plan --base`: offline desired-state diffs, pinned by golden files per kind of change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_regressions.file_regression import FileRegressionFixture

from tests.gitrepo import committed_copy, git
from ztix.cli import main

DATA = Path(__file__).parent / "data" / "repo"
NEW_PEER = """\
asn: 64502
name: Peer Three
contact: noc@three.example
connections:
  - zerotier_node_id: a000000003
    ipv4: 10.0.0.12
    ipv6: fd00:1::12
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return committed_copy(tmp_path / "ix", message="base")


def edit(root: Path, scenario: str) -> None:
    peers = root / "peers"
    if scenario == "add":
        (peers / "AS64502.yaml").write_text(NEW_PEER)
    elif scenario == "change":
        text = (peers / "AS64500.yaml").read_text()
        (peers / "AS64500.yaml").write_text(text.replace("  ipv4: 10\n", "  ipv4: 25\n"))
    elif scenario == "remove":
        (peers / "AS64501.yaml").unlink()
    elif scenario == "suspend":
        text = (peers / "AS64500.yaml").read_text()
        (peers / "AS64500.yaml").write_text(
            text.replace("name: Peer One\n", "name: Peer One\nstate: suspended\n")
        )


@pytest.mark.parametrize("scenario", ["add", "change", "remove", "suspend"])
def test_plan_markdown_golden(
    repo: Path,
    scenario: str,
    capsys: pytest.CaptureFixture[str],
    file_regression: FileRegressionFixture,
) -> None:
    edit(repo, scenario)
    assert main(["plan", "--repo", str(repo), "--base", "main", "--format", "markdown"]) == 0
    file_regression.check(capsys.readouterr().out, basename=f"plan_{scenario}", extension=".md")


@pytest.mark.parametrize("scenario", ["add", "change", "remove", "suspend"])
def test_plan_text_golden(
    repo: Path,
    scenario: str,
    capsys: pytest.CaptureFixture[str],
    file_regression: FileRegressionFixture,
) -> None:
    edit(repo, scenario)
    assert main(["plan", "--repo", str(repo), "--base", "main"]) == 0
    file_regression.check(capsys.readouterr().out, basename=f"plan_{scenario}", extension=".txt")


def test_plan_json_names_every_kind_of_change(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "add")
    edit(repo, "remove")
    assert main(["plan", "--repo", str(repo), "--base", "main", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(p["asn"], p["action"]) for p in out["peers"]] == [(64501, "removed"), (64502, "added")]
    members = {m["node_id"]: m["action"] for m in out["zerotier"]["members"]}
    assert members == {"a000000002": "deauthorized", "a000000003": "created"}
    assert out["zerotier"]["network_keys"] == []
    assert [c["route_server"] for c in out["route_servers"]] == ["rs1"]


def test_no_change_is_an_empty_plan(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--repo", str(repo), "--base", "main", "--format", "markdown"]) == 0
    assert "does not change the exchange" in capsys.readouterr().out


def test_an_invalid_change_fails_with_located_problems(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "peers" / "AS64502.yaml").write_text(NEW_PEER.replace("10.0.0.12", "10.0.0.10"))
    assert main(["plan", "--repo", str(repo), "--base", "main"]) == 1
    err = capsys.readouterr().err
    assert (
        "peers/AS64502.yaml:6:5: connections[0].ipv4: 10.0.0.10 is already used by "
        "peers/AS64500.yaml:6 (connections[0].ipv4)" in err
    )


def test_a_new_exchange_plans_against_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo, "checkout", "-q", "--orphan", "empty")
    git(repo, "rm", "-rq", "--cached", ".")
    git(
        repo,
        "-c",
        "user.email=t@example.net",
        "-c",
        "user.name=t",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "empty",
    )
    assert main(["plan", "--repo", str(repo), "--base", "empty", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {p["action"] for p in out["peers"]} == {"added"}
    assert "rules" in out["zerotier"]["network_keys"]


def test_unknown_base_is_a_clear_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--repo", str(repo), "--base", "nope"]) == 2
    assert "unknown revision 'nope'" in capsys.readouterr().err


def test_an_invalid_base_is_named_as_such(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "peers" / "AS64501.yaml").write_text("asn: 64501\n")
    git(repo, "commit", "-qam", "broken")
    (repo / "peers" / "AS64501.yaml").write_text((DATA / "peers" / "AS64501.yaml").read_text())
    assert main(["plan", "--repo", str(repo), "--base", "HEAD"]) == 2
    err = capsys.readouterr().err
    assert (
        "the base revision HEAD does not validate (3 problems, first: peers/AS64501.yaml:1:1:"
        in err
    )
