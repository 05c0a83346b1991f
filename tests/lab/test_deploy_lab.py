"""Deploys over real SSH (OpenSSH sshd on loopback) to real BIRDs with live BGP sessions.

Two route servers (rs1, the canary, and rs2) and two member routers run in network namespaces;
sshd runs on 127.0.0.1 and reaches the BIRD control sockets, which are files.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from tests.birdtools import bird_parse, require
from tests.fakes.zerotier_controller import FakeController
from tests.lab import netns
from tests.lab.daemons import Bird, Daemon, wait_for
from tests.lab.sshd import Sshd
from tests.lab.topology import IX, PEERS, ROAS, member_config, peer_file, slurm, vrps
from ztix.adapters.routeserver.deployer import Hook, SshDeployer
from ztix.bird.text import was_reset
from ztix.cli import main
from ztix.load.loader import load_files
from ztix.ports.deploy import DeployResult, DeploySettings, Render, RpkiCheck, Target, sha256
from ztix.render.routeserver import repository_configs, session_name

pytestmark = pytest.mark.lab

RS2 = """\
  - name: rs2
    zerotier_node_id: "1000000002"
    ipv4: 10.0.0.2
    ipv6: fd00:1::2
    router_id: 10.0.0.2
    ssh:
      host: 127.0.0.1
      user: root
      host_key: HOSTKEY
"""


@dataclass
class DeployLab:
    """Handles to the running deploy lab."""

    workdir: Path
    sshd: Sshd
    rs: dict[str, Bird]
    targets: dict[str, Target]
    key: asyncssh.SSHKey

    def files(self, extra_peer: bool = False, router_id: str = "10.0.0.1") -> dict[str, str]:
        """The lab repository: rs1 and rs2 reachable over our sshd."""
        ix = IX.replace("rpki:", RS2 + "rpki:").replace(
            "      host: 127.0.0.1\n      user: ztix", "      host: 127.0.0.1\n      user: root"
        )
        ix = ix.replace(
            "host_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKtjAIsDUGj9NfyMhyE7ip5BXH3G+mboFszPmD0uHkYX",
            f"host_key: {self.sshd.host_key}",
        )
        ix = ix.replace("HOSTKEY", self.sshd.host_key)
        ix = ix.replace("      user: root\n", f"      port: {self.sshd.port}\n      user: root\n")
        ix = ix.replace(
            "    router_id: 10.0.0.1\n", f"    router_id: {router_id}\n    canary: true\n"
        )
        files = {"ix.yaml": ix}
        peers = dict(PEERS)
        if not extra_peer:
            peers.pop(64502)
        for asn, spec in peers.items():
            files[f"peers/AS{asn}.yaml"] = peer_file(asn, *spec)
        return files

    def configs(self, **kw: object) -> dict[str, str]:
        """Rendered configs, with each route server's paths from this lab."""
        repo = load_files(self.files(**kw))  # type: ignore[arg-type]
        return repository_configs(repo)

    def deployer(self, hook: Hook | None = None, **kw: Any) -> SshDeployer:
        """A deployer with short timings for tests."""
        timings: dict[str, Any] = {"confirm_timeout": 20, "health_settle": 1.0, "lock_wait": 30}
        return SshDeployer(self.key, DeploySettings(**{**timings, **kw}), hook=hook)

    def live(self, rs: str) -> str:
        """The live config file of a route server."""
        return Path(self.targets[rs].config_path).read_text()

    def since(self, *names: str) -> dict[str, str]:
        """Session start times on rs1 (unchanged means no reset)."""
        return {n: self.rs["rs1"].protocol(n)["since"] for n in names}

    def resets(self, before: dict[str, str]) -> list[str]:
        """Sessions whose "since" moved on from `before` (went down and came back)."""
        now = self.since(*before)
        return [n for n in before if was_reset(before[n], now[n])]


MEMBERS = [
    session_name(64500, PEERS[64500][0], "ipv4"),
    session_name(64501, PEERS[64501][0], "ipv4"),
]


def const(text: str) -> Render:
    """A fixed config text, whatever sessions the route server holds down."""
    return lambda held: text


async def _one(deployer: SshDeployer, target: Target, render: Render) -> DeployResult:
    """One route server through the deployer's one entry: it is its own canary."""
    return (await deployer.deploy_all([(target, render)], canary=target.name))[0]


def deploy_one(deployer: SshDeployer, target: Target, render: Render) -> DeployResult:
    return asyncio.run(_one(deployer, target, render))


def deploy(lab: DeployLab, rs: str, text: str, **kw: Any) -> DeployResult:
    return deploy_one(lab.deployer(**kw), lab.targets[rs], const(text))


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeployLab]:
    netns.require_lab()
    require("bird")
    workdir = tmp_path_factory.mktemp("deploy")
    netns.cleanup()
    daemons: list[Daemon] = []
    sshd = Sshd(workdir / "ssh")
    try:
        lan = netns.Lan("dl")
        ns = {
            "rs1": lan.add_router("dl-rs1", ["10.0.0.1/24", "fd00:1::1/64"]),
            "rs2": lan.add_router("dl-rs2", ["10.0.0.2/24", "fd00:1::2/64"]),
        }
        key = asyncssh.read_private_key(sshd.client_key_path)
        targets: dict[str, Target] = {}
        lab = DeployLab(workdir, sshd, {}, targets, key)
        configs = lab.configs()
        # An RTR cache on each route server's loopback, serving the lab's ROAs and, through
        # SLURM, the sentinel: the deploy health check requires RPKI to be ready.
        (workdir / "vrps.json").write_text(vrps(ROAS))
        (workdir / "slurm.json").write_text(slurm())
        for name in ("rs1", "rs2"):
            daemons.append(
                Daemon(
                    ns[name],
                    [
                        "stayrtr",
                        "-bind",
                        "127.0.0.1:8323",
                        "-cache",
                        str(workdir / "vrps.json"),
                        "-slurm",
                        str(workdir / "slurm.json"),
                        "-checktime=false",
                        "-refresh",
                        "2",
                        "-protocol",
                        "1",
                        "-metrics.addr",
                        "",
                    ],
                    workdir / f"stayrtr-{name}.log",
                )
            )
        for name in ("rs1", "rs2"):
            (workdir / name).mkdir()
            path = workdir / name / "bird.conf"
            path.write_text(configs[name])
            lab.rs[name] = Bird(ns[name], path, workdir, name)
            daemons.append(lab.rs[name])
            targets[name] = Target(
                name,
                "127.0.0.1",
                sshd.port,
                sshd.user,
                sshd.host_key,
                str(path),
                str(lab.rs[name].socket),
                RpkiCheck(("rtr1",), ("192.0.2.0/24", "2001:db8::/32", 64511)),
            )
        for asn in (64500, 64501):
            _, v4, _, _ = PEERS[asn]
            member_ns = lan.add_router(f"dl-m{asn % 10}", [f"{v4}/24"])
            path = workdir / f"m{asn}.conf"
            path.write_text(member_config(asn, v4, None, [f"23.{asn % 100}.0.0/24"]))
            daemons.append(Bird(member_ns, path, workdir, f"m{asn}"))
        wait_for(
            "member sessions Established on rs1",
            lambda: all("Established" in lab.rs["rs1"].protocol(n)["info"] for n in MEMBERS),
            timeout=60,
        )
        yield lab
    finally:
        for daemon in reversed(daemons):
            daemon.stop()
        sshd.stop()
        netns.cleanup()


def test_good_deploy_confirms_and_sessions_stay_up(lab: DeployLab) -> None:
    before = lab.since(*MEMBERS)
    text = lab.configs()["rs1"]
    result = deploy(lab, "rs1", text)
    assert result.action == "deployed", result.detail
    assert result.steps == [
        "connected",
        "locked",
        "uploaded",
        "checked",
        "replaced",
        "reconfigured",
        "healthy",
        "confirmed",
    ]
    assert "2 established sessions of unchanged peers stayed up" in result.detail
    assert lab.live("rs1") == text
    assert Path(lab.targets["rs1"].config_path + ".ztix-confirmed").read_text().strip() == sha256(
        text
    )
    assert lab.resets(before) == []


def test_unchanged_config_is_not_uploaded(lab: DeployLab) -> None:
    live = Path(lab.targets["rs1"].config_path)
    mtime = live.stat().st_mtime_ns
    result = deploy(lab, "rs1", lab.live("rs1"))
    assert result.action == "unchanged"
    assert result.steps == ["connected", "locked"]
    assert live.stat().st_mtime_ns == mtime
    assert not Path(str(live) + ".ztix-new").exists()


def test_adding_a_peer_resets_no_other_session(lab: DeployLab) -> None:
    before = lab.since(*MEMBERS)
    text = lab.configs(extra_peer=True)["rs1"]
    result = deploy(lab, "rs1", text)
    assert result.action == "deployed", result.detail
    assert lab.resets(before) == []
    new = session_name(64502, PEERS[64502][0], "ipv4")
    assert lab.rs["rs1"].protocol(new)["state"] in {"start", "up"}


def test_a_syntax_error_is_refused_and_the_live_config_untouched(lab: DeployLab) -> None:
    live = lab.live("rs1")
    broken = live.replace("router id 10.0.0.1;", "router id 10.0.0.1; garbage {")
    result = deploy(lab, "rs1", broken)
    assert result.action == "failed"
    assert "BIRD refused the new config, the live config is untouched" in result.detail
    assert "syntax error" in result.detail
    assert lab.live("rs1") == live
    assert not Path(lab.targets["rs1"].config_path + ".ztix-new").exists()
    assert "Router ID is 10.0.0.1" in lab.rs["rs1"].cmd("show", "status")


def test_a_failing_health_check_is_undone_and_the_previous_file_restored(lab: DeployLab) -> None:
    live = lab.live("rs1")
    # A new router id restarts every session: the blocks of the members are unchanged, so their
    # sessions must stay up, and they do not; the deploy must roll back.
    text = lab.configs(extra_peer=True, router_id="10.0.0.99")["rs1"]
    assert text != live
    result = deploy(lab, "rs1", text)
    assert result.action == "failed", result.steps
    # seen down, or already back with a new "since" time: either way a reset, rolled back
    assert re.search(r"sessions of unchanged peers (went down|were reset)", result.detail)
    assert "previous config file restored" in result.detail
    assert lab.live("rs1") == live
    assert "Router ID is 10.0.0.1" in lab.rs["rs1"].cmd("show", "status")
    wait_for(
        "members back up",
        lambda: all("Established" in lab.rs["rs1"].protocol(n)["info"] for n in MEMBERS),
        timeout=60,
    )


def test_a_template_change_that_resets_sessions_is_not_mistaken_for_a_failure(
    lab: DeployLab,
) -> None:
    live = lab.live("rs1")
    # A session option in the shared template: every member session restarts, as intended.
    text = live.replace("  hold time 15;\n", "  hold time 120;\n")
    assert text != live
    result = deploy(lab, "rs1", text)
    assert result.action == "deployed", result.detail
    assert "0 established sessions of unchanged peers stayed up" in result.detail
    wait_for(
        "members back up",
        lambda: all("Established" in lab.rs["rs1"].protocol(n)["info"] for n in MEMBERS),
        timeout=60,
    )


def test_a_host_key_mismatch_changes_nothing(lab: DeployLab) -> None:
    live = lab.live("rs2")
    other = lab.sshd.client_public  # a valid key, but not this server's
    target = Target(**{**lab.targets["rs2"].__dict__, "host_key": other})
    result = deploy_one(lab.deployer(), target, const(lab.configs(extra_peer=True)["rs2"]))
    assert result.action == "failed"
    assert "is not the one pinned in ix.yaml; nothing was changed" in result.detail
    assert result.steps == []
    assert lab.live("rs2") == live


def test_a_connection_dropped_mid_deploy_leaves_old_or_new_and_the_next_run_completes(
    lab: DeployLab,
) -> None:
    old = lab.live("rs1")
    new = old.replace("# Generated by", "# (one more comment)\n# Generated by")

    async def drop(route_server: str, step: str) -> None:
        if step == "replaced":
            raise ConnectionResetError("simulated: connection lost")

    result = deploy(lab, "rs1", new, hook=drop, confirm_timeout=3)
    assert result.action == "failed"
    assert "connection lost after step 'replaced'" in result.detail
    live = lab.live("rs1")
    assert live in (old, new)
    assert bird_parse(live).returncode == 0
    # The stamp still names the old config, so the next run deploys instead of skipping.
    again = deploy(lab, "rs1", new)
    assert again.action == "deployed", again.detail
    assert lab.live("rs1") == new


def test_two_concurrent_applies_serialize(lab: DeployLab) -> None:
    events: list[tuple[str, str, float]] = []

    def recorder(who: str):  # type: ignore[no-untyped-def]
        async def hook(route_server: str, step: str) -> None:
            events.append((who, step, time.monotonic()))
            if step == "locked":
                await asyncio.sleep(0.5)  # hold the lock a little

        return hook

    base = lab.live("rs1")
    one = base.replace("# Generated by", "# apply one\n# Generated by")
    two = base.replace("# Generated by", "# apply two\n# Generated by")

    async def both() -> list[DeployResult]:
        return list(
            await asyncio.gather(
                _one(lab.deployer(hook=recorder("one")), lab.targets["rs1"], const(one)),
                _one(lab.deployer(hook=recorder("two")), lab.targets["rs1"], const(two)),
            )
        )

    results = asyncio.run(both())
    assert [r.action for r in results] == ["deployed", "deployed"], [r.detail for r in results]
    locked = sorted((t, who) for who, step, t in events if step == "locked")
    first = locked[0][1]
    finished = next(t for who, step, t in events if who == first and step == "confirmed")
    assert locked[1][0] > finished  # the second got the lock only after the first confirmed
    assert lab.live("rs1") == (two if first == "one" else one)


def test_a_held_lock_makes_the_second_apply_fail_clearly_after_its_bound(lab: DeployLab) -> None:
    lock = lab.targets["rs1"].config_path + ".ztix-lock"
    holder = subprocess.Popen(["flock", lock, "sleep", "5"])
    try:
        time.sleep(0.2)
        result = deploy(lab, "rs1", lab.live("rs1") + "\n", lock_wait=1)
    finally:
        holder.kill()
        holder.wait(timeout=5)
    assert result.action == "failed"
    assert "another apply is deploying to this route server; waited 1 s" in result.detail


def test_all_prepared_then_canary_then_the_rest(lab: DeployLab) -> None:
    events: list[tuple[str, str]] = []

    async def hook(route_server: str, step: str) -> None:
        events.append((route_server, step))

    configs = lab.configs(extra_peer=True)
    configs = {
        k: v.replace("# Generated by", "# canary run\n# Generated by") for k, v in configs.items()
    }
    jobs = [(lab.targets[n], const(configs[n])) for n in ("rs2", "rs1")]
    results = asyncio.run(lab.deployer(hook=hook).deploy_all(jobs, canary="rs1"))
    assert [(r.route_server, r.action) for r in results] == [
        ("rs1", "deployed"),
        ("rs2", "deployed"),
    ]
    order = [f"{rs}:{step}" for rs, step in events]
    # Both route servers accepted their config before anything changed anywhere ...
    assert order.index("rs1:checked") < order.index("rs1:replaced")
    assert order.index("rs2:checked") < order.index("rs1:replaced")
    # ... and the second changed only after the canary was confirmed.
    assert order.index("rs1:confirmed") < order.index("rs2:replaced")


def test_a_route_server_that_refuses_its_config_stops_everything(lab: DeployLab) -> None:
    before = {n: lab.live(n) for n in ("rs1", "rs2")}
    configs = lab.configs(extra_peer=True)
    good = configs["rs1"].replace("# Generated by", "# would be fine\n# Generated by")
    bad = configs["rs2"].replace("router id", "router idd")
    jobs = [(lab.targets["rs1"], const(good)), (lab.targets["rs2"], const(bad))]
    results = asyncio.run(lab.deployer().deploy_all(jobs, canary="rs1"))
    assert [(r.route_server, r.action) for r in results] == [("rs1", "skipped"), ("rs2", "failed")]
    assert "rs2 failed before any change" in results[0].detail
    assert {n: lab.live(n) for n in ("rs1", "rs2")} == before
    assert not Path(lab.targets["rs1"].config_path + ".ztix-new").exists()


def test_a_failed_canary_stops_the_rest(lab: DeployLab) -> None:
    before = {n: lab.live(n) for n in ("rs1", "rs2")}
    # Both configs pass `configure check`; the canary's new router id then resets its sessions,
    # so its health check fails, it is rolled back, and rs2 is never changed.
    canary = lab.configs(extra_peer=True, router_id="10.0.0.99")["rs1"]
    other = lab.configs(extra_peer=True)["rs2"] + "# changed\n"
    jobs = [(lab.targets["rs1"], const(canary)), (lab.targets["rs2"], const(other))]
    results = asyncio.run(lab.deployer().deploy_all(jobs, canary="rs1"))
    assert [(r.route_server, r.action) for r in results] == [("rs1", "failed"), ("rs2", "skipped")]
    assert re.search(r"sessions of unchanged peers (went down|were reset)", results[0].detail)
    assert "the canary rs1 failed" in results[1].detail
    assert {n: lab.live(n) for n in ("rs1", "rs2")} == before
    assert not Path(lab.targets["rs2"].config_path + ".ztix-new").exists()
    wait_for(
        "members back up",
        lambda: all("Established" in lab.rs["rs1"].protocol(n)["info"] for n in MEMBERS),
        timeout=60,
    )


def test_status_reports_drift_without_changing_anything(lab: DeployLab) -> None:
    live = lab.live("rs2")
    status = asyncio.run(lab.deployer().status(lab.targets["rs2"], const(live)))
    assert status.action == "unchanged", status.detail
    edited = live + "# edited by hand on the server\n"
    Path(lab.targets["rs2"].config_path).write_text(edited)
    try:
        status = asyncio.run(lab.deployer().status(lab.targets["rs2"], const(live)))
        assert (status.action, status.detail) == ("would-deploy", "the deployed config differs")
        assert lab.live("rs2") == edited
    finally:
        Path(lab.targets["rs2"].config_path).write_text(live)


def test_ztix_apply_end_to_end_then_no_op_then_drift(
    lab: DeployLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = lab.files(extra_peer=True)
    ix = files["ix.yaml"]
    for name in ("rs1", "rs2"):
        target = lab.targets[name]
        n = name[-1]
        ix = ix.replace(
            f"    router_id: 10.0.0.{n}\n",
            f"    router_id: 10.0.0.{n}\n    bird:\n      config_path: {target.config_path}\n"
            f"      control_socket: {target.control_socket}\n",
        )
    files["ix.yaml"] = ix
    repo = tmp_path / "repo"
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    controller = FakeController(token="zt-secret", node_id="1122334455")
    for key in [k for k in os.environ if k.startswith("ZTIX_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("ZTIX_ZEROTIER_TOKEN", "zt-secret")
    monkeypatch.setenv("ZTIX_ZEROTIER_API_URL", controller.url)
    monkeypatch.setenv("ZTIX_SSH_KEY_FILE", str(lab.sshd.client_key_path))
    monkeypatch.setenv("ZTIX_HEALTH_SETTLE", "1")
    report = tmp_path / "report.json"
    try:
        assert main(["apply", "--repo", str(repo), "--report", str(report)]) == 0
        first = json.loads(report.read_text())
        assert first["status"] == "ok"
        assert first["zerotier"]["writes"] == 6  # the network, 2 route servers, 3 members
        assert {r["route_server"]: r["action"] for r in first["route_servers"]} == {
            "rs1": "deployed",
            "rs2": "deployed",
        }
        assert main(["apply", "--repo", str(repo), "--report", str(report)]) == 0
        second = json.loads(report.read_text())
        assert second["zerotier"]["writes"] == 0
        assert {r["action"] for r in second["route_servers"]} == {"unchanged"}
        assert main(["plan", "--live", "--repo", str(repo)]) == 0  # in sync
        Path(lab.targets["rs2"].config_path).write_text(lab.live("rs2") + "# by hand\n")
        assert main(["plan", "--live", "--repo", str(repo)]) == 4  # drift found
        # Each part needs only its own credentials: ZeroTier alone, without the SSH key.
        monkeypatch.delenv("ZTIX_SSH_KEY_FILE")
        assert main(["plan", "--live", "--only", "zerotier", "--repo", str(repo)]) == 0
        assert main(["plan", "--live", "--repo", str(repo)]) == 5  # route servers: unknown
        monkeypatch.setenv("ZTIX_SSH_KEY_FILE", str(lab.sshd.client_key_path))
        assert main(["apply", "--repo", str(repo), "--report", str(report)]) == 0
        third = json.loads(report.read_text())
        assert {r["route_server"]: r["action"] for r in third["route_servers"]} == {
            "rs1": "unchanged",
            "rs2": "deployed",
        }
    finally:
        controller.close()
