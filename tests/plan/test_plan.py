"""`ztix plan --base`: offline desired-state diffs, pinned by golden files per kind of change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_regressions.file_regression import FileRegressionFixture

from tests.gitrepo import committed_copy, git
from tests.paths import DATA as TEST_DATA
from ztix.cli import main
from ztix.render.templates import shipped

DATA = TEST_DATA / "repo"
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
    assert "the base revision HEAD does not validate (3 problems: peers/AS64501.yaml:1:1:" in err


def with_own_templates(repo: Path) -> Path:
    """The repository, carrying a copy of the shipped templates in its base commit."""
    for path, text in shipped().files.items():
        (repo / "templates" / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / "templates" / path).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "our own templates")
    return repo


def test_a_policy_change_is_visible_on_the_pull_request(
    repo: Path, capsys: pytest.CaptureFixture[str], file_regression: FileRegressionFixture
) -> None:
    policy = with_own_templates(repo) / "templates" / "bird" / "policy.conf.j2"
    text = policy.read_text()
    check = "  if bgp_next_hop != peer_ip then return rs_reject(8);\n"
    assert check in text
    policy.write_text(text.replace(check, ""))  # a change that deletes the next-hop check
    assert main(["plan", "--repo", str(repo), "--base", "main", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    file_regression.check(out, basename="plan_policy", extension=".md")
    assert "-  if bgp_next_hop != peer_ip then return rs_reject(8);" in out
    assert "`bird/policy.conf.j2` (changed)" in out
    assert "no session is reset" in out  # a filter change reloads without a reset


def test_the_plan_counts_the_sessions_a_template_change_resets(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sessions = with_own_templates(repo) / "templates" / "bird" / "templates.conf.j2"
    sessions.write_text(sessions.read_text().replace("    secondary on;", "    secondary off;"))
    assert main(["plan", "--repo", str(repo), "--base", "main", "--format", "json"]) == 0
    planned = json.loads(capsys.readouterr().out)
    rs1 = planned["route_servers"][0]
    # tests/data/repo: AS64500 with IPv4 and IPv6, AS64501 with IPv4 only.
    assert rs1["sessions_reset"] == [
        "AS64500_a000000001_v4",
        "AS64500_a000000001_v6",
        "AS64501_a000000002_v4",
    ]
    assert planned["templates"]["changed"] == [
        {"path": "bird/templates.conf.j2", "action": "changed"}
    ]
    assert "the repository's templates/" in planned["templates"]["head"]


def test_the_base_is_rendered_with_its_own_templates(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with_own_templates(repo)
    policy = repo / "templates" / "bird" / "policy.conf.j2"
    policy.write_text(policy.read_text().replace("rs_reject(8)", "rs_reject(88)"))
    diff_file = tmp_path / "plan.diff"
    assert main(["plan", "--repo", str(repo), "--base", "main", "--diff-out", str(diff_file)]) == 0
    out = capsys.readouterr().out
    assert "templates:     bird/policy.conf.j2 (changed)" in out
    assert "+  if bgp_next_hop != peer_ip then return rs_reject(88);" in diff_file.read_text()
