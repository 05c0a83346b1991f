"""The apply job's order and failure handling, with the controller fake and a recording deployer."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.cli import ztix
from tests.conftest import repo_files
from tests.fakes.zerotier_controller import FakeController
from tests.paths import DATA
from ztix.adapters.zerotier.controller import ControllerProvider
from ztix.adapters.zerotier.http import RetryPolicy
from ztix.apply.run import ApplyReport, run_apply
from ztix.errors import CredentialsRejected
from ztix.load.loader import Repository, load_files
from ztix.ports.deploy import DeployResult, Render, Target, sha256
from ztix.ports.zerotier import Member

NWID = "1122334455667788"
EXAMPLE = DATA / "example"


class RecordingDeployer:
    """Implements RouteServerDeployer; records calls into a shared event list."""

    def __init__(self, events: list[str], fail: set[str] | None = None) -> None:
        self.events = events
        self.fail = fail or set()
        self.deployed: dict[str, str] = {}

    async def deploy(self, target: Target, render: Render) -> DeployResult:
        self.events.append(f"deploy {target.name}")
        config = render(frozenset())
        if target.name in self.fail:
            return DeployResult(target.name, "failed", "simulated failure", sha256=sha256(config))
        self.deployed[target.name] = config
        return DeployResult(target.name, "deployed", sha256=sha256(config))

    async def deploy_all(
        self, jobs: Sequence[tuple[Target, Render]], canary: str, lift: frozenset[str] = frozenset()
    ) -> list[DeployResult]:
        results = [await self.deploy(t, c) for t, c in jobs if t.name == canary]
        if all(r.ok for r in results):
            results += [await self.deploy(t, c) for t, c in jobs if t.name != canary]
        return results

    async def status(self, target: Target, render: Render) -> DeployResult:
        self.events.append(f"status {target.name}")
        same = self.deployed.get(target.name) == render(frozenset())
        return DeployResult(target.name, "unchanged" if same else "would-deploy")


class RecordingController(ControllerProvider):
    """The real controller provider, noting each member write in the shared event list."""

    def __init__(self, url: str, events: list[str]) -> None:
        super().__init__(url, "t", network_id=NWID)
        self.events = events

    async def upsert_member(self, member: Member) -> None:
        self.events.append(
            f"{'authorize' if member.authorized else 'deauthorize'} {member.node_id}"
        )
        await super().upsert_member(member)


@pytest.fixture
def fake() -> Iterator[FakeController]:
    server = FakeController(token="t", node_id=NWID[:10])
    try:
        yield server
    finally:
        server.close()


def apply(
    fake: FakeController,
    repo: Repository,
    deployer: RecordingDeployer,
    events: list[str],
    **kw: object,
) -> ApplyReport:
    async def go() -> ApplyReport:
        provider = RecordingController(fake.url, events)
        try:
            return await run_apply(repo, commit="abc", zerotier=provider, deployer=deployer, **kw)  # type: ignore[arg-type]
        finally:
            await provider.aclose()

    return asyncio.run(go())


def with_new_and_without_old() -> Repository:
    new = (
        "asn: 64502\nname: Three\ncontact: a@b.example\nconnections:\n"
        "  - zerotier_node_id: a000000003\n    ipv4: 10.0.0.12\n"
    )
    return load_files(repo_files({"peers/AS64502.yaml": new, "peers/AS64501.yaml": None}))


def test_authorize_then_route_servers_then_deauthorize(fake: FakeController) -> None:
    events: list[str] = []
    deployer = RecordingDeployer(events)
    assert apply(fake, load_files(repo_files()), deployer, events).status == "ok"
    events.clear()
    report = apply(fake, with_new_and_without_old(), deployer, events)
    assert report.status == "ok"
    assert events == ["authorize a000000003", "deploy rs1", "deauthorize a000000002"]
    assert report.zerotier is not None and report.zerotier["writes"] == 2


def test_a_failed_route_server_postpones_deauthorization(fake: FakeController) -> None:
    events: list[str] = []
    apply(fake, load_files(repo_files()), RecordingDeployer(events), events)
    events.clear()
    report = apply(
        fake, with_new_and_without_old(), RecordingDeployer(events, fail={"rs1"}), events
    )
    assert report.status == "partial"
    assert events == ["authorize a000000003", "deploy rs1"]
    assert any("deauthorizations postponed" in f for f in report.failures)
    assert fake.member(NWID, "a000000002")["authorized"] is True  # type: ignore[index]


def test_dry_run_writes_nothing(fake: FakeController) -> None:
    events: list[str] = []
    deployer = RecordingDeployer(events)
    report = apply(fake, load_files(repo_files()), deployer, events, dry_run=True)
    assert report.status == "ok"
    assert events == ["status rs1"]
    assert fake.write_calls() == 0
    assert report.zerotier is not None and report.zerotier["counts"]["created"] == 3


def test_only_zerotier_leaves_route_servers_alone(fake: FakeController) -> None:
    events: list[str] = []
    report = apply(
        fake, load_files(repo_files()), RecordingDeployer(events), events, only="zerotier"
    )
    assert report.route_servers == []
    assert not [e for e in events if e.startswith(("deploy", "status"))]


def test_readme_dry_run_needs_no_credentials(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    done = ztix(
        "apply",
        "--dry-run",
        "--repo",
        str(EXAMPLE),
        "--report",
        str(tmp_path / "r.json"),
        env={"GITHUB_STEP_SUMMARY": str(summary)},
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "authorized   80618aa6e3 AS64500        10.99.0.10 fdd9:7a1c:3e5b:99::10" in done.stdout
    assert "deauthorized 76a70dc412 AS65550" in done.stdout
    assert "rs1: would-deploy" in done.stdout and done.stdout.endswith("dry run: ok\n")
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["dry_run"] is True and report["status"] == "ok"
    assert [r["route_server"] for r in report["route_servers"]] == ["rs1", "rs2"]
    assert summary.read_text().startswith("### ZT-IX dry run: ok")


def test_a_real_apply_without_credentials_changes_nothing(tmp_path: Path) -> None:
    done = ztix("apply", "--repo", str(EXAMPLE), env={}, cwd=tmp_path)
    assert done.returncode == 2
    assert "no ZeroTier token" in done.stderr
    done = ztix("apply", "--repo", str(EXAMPLE), "--only", "routeservers", env={}, cwd=tmp_path)
    assert done.returncode == 2
    assert "no SSH deploy key" in done.stderr
    assert not (tmp_path / "ztix-apply-report.json").exists()


def test_invalid_files_exit_1_before_anything(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "ix.yaml").write_text("name: [\n")
    done = ztix("apply", "--dry-run", "--repo", str(repo), env={}, cwd=tmp_path)
    assert done.returncode == 1
    assert "ix.yaml:2:1: YAML syntax error" in done.stderr


def test_zerotier_down_still_deploys_route_servers_and_reports_partial() -> None:
    events: list[str] = []

    async def no_sleep(_: float) -> None:
        return None

    async def go() -> ApplyReport:
        # Nothing listens on port 1 of loopback: every attempt is refused.
        provider = ControllerProvider(
            "http://127.0.0.1:1", "token", network_id=NWID, policy=RetryPolicy(sleep=no_sleep)
        )
        try:
            return await run_apply(
                load_files(repo_files()),
                commit="abc",
                zerotier=provider,
                deployer=RecordingDeployer(events),
            )
        finally:
            await provider.aclose()

    report = asyncio.run(go())
    assert report.status == "partial"
    assert events == ["deploy rs1"]
    assert report.zerotier is not None
    assert "could not read the network" in report.zerotier["summary"]
    assert any(f.startswith("zerotier:") and "127.0.0.1:1" in f for f in report.failures)


def test_a_wrong_token_stops_apply_before_anything_changes(fake: FakeController) -> None:
    events: list[str] = []

    async def go() -> ApplyReport:
        provider = ControllerProvider(fake.url, "wrong-token", network_id=NWID)
        try:
            return await run_apply(
                load_files(repo_files()),
                commit="abc",
                zerotier=provider,
                deployer=RecordingDeployer(events),
            )
        finally:
            await provider.aclose()

    with pytest.raises(CredentialsRejected) as info:
        asyncio.run(go())
    assert info.value.exit_code == 2 and "401" in str(info.value)
    assert events == [] and fake.write_calls() == 0


def test_a_member_leaving_is_ok_a_stranger_is_an_incident_with_its_own_exit(
    fake: FakeController,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`ztix apply` exits 0 when a member's file was removed (a member leaving), 6 when a node no
    file names holds a peering-LAN address (an incident, repaired): issue 24."""
    from tests.conftest import write_repo  # noqa: PLC0415
    from ztix.cli import main  # noqa: PLC0415

    for key in [k for k in os.environ if k.startswith("ZTIX_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("ZTIX_ZEROTIER_TOKEN", "t")
    monkeypatch.setenv("ZTIX_ZEROTIER_API_URL", fake.url)
    repo = write_repo(tmp_path / "repo", repo_files())
    report = tmp_path / "report.json"
    argv = ["apply", "--repo", str(repo), "--only", "zerotier", "--report", str(report)]
    assert main(argv) == 0
    (repo / "peers" / "AS64501.yaml").unlink()
    capsys.readouterr()
    assert main(argv) == 0
    out = capsys.readouterr()
    assert "incident" not in out.err and json.loads(report.read_text())["status"] == "ok"
    fake.members[NWID]["bbbbbbbbbb"] = {
        "id": "bbbbbbbbbb",
        "address": "bbbbbbbbbb",
        "name": "laptop",
        "authorized": True,
        "ipAssignments": ["10.0.0.77"],
    }
    assert main(argv) == 6
    err = capsys.readouterr().err
    assert "incident: node bbbbbbbbbb (named 'laptop') is authorized with peering-LAN" in err
    assert json.loads(report.read_text())["status"] == "ok-with-incidents"
    assert main(argv) == 0  # repaired: the next run finds nothing
