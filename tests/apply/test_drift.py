"""Drift (`ztix plan --live`): each part with its own credentials; in sync 0, drift 4, unknown 5."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.apply.test_apply import RecordingDeployer
from tests.conftest import repo_files
from tests.fakes.zerotier_controller import FakeController
from ztix.adapters.zerotier.controller import ControllerProvider
from ztix.apply import zerotier as zerotier_run
from ztix.apply.drift import DriftReport, route_server_drift, zerotier_drift
from ztix.load.loader import Repository, load_files
from ztix.ports.deploy import DeployError, DeployResult, Render, Target
from ztix.render.routeserver import render_all

NWID = "1122334455667788"


@pytest.fixture
def controller() -> Iterator[FakeController]:
    fake = FakeController(token="t0ken", node_id=NWID[:10])
    yield fake
    fake.close()


def provider(fake: FakeController) -> ControllerProvider:
    return ControllerProvider(fake.url, "t0ken", network_id=NWID)


def repo() -> Repository:
    return load_files(repo_files())


def provisioned(fake: FakeController) -> None:
    async def go() -> None:
        p = provider(fake)
        r = repo()
        try:
            planned = await zerotier_run.plan(p, r.exchange.model, [x.model for x in r.peers])
            assert (await zerotier_run.apply(p, planned)).ok
        finally:
            await p.aclose()

    asyncio.run(go())


class Unreachable(RecordingDeployer):
    async def status(self, target: Target, render: Render) -> DeployResult:
        raise DeployError(f"{target.name}: cannot connect over SSH: Connection refused")


def in_sync_deployer() -> RecordingDeployer:
    deployer = RecordingDeployer([])
    deployer.deployed = render_all(repo().exchange.model, [p.model for p in repo().peers])
    return deployer


def check(
    zt: ControllerProvider | None, deployer: RecordingDeployer | None
) -> tuple[DriftReport, list[str]]:
    lines: list[str] = []
    report = DriftReport()

    async def go() -> None:
        try:
            await zerotier_drift(zt, repo(), report, lines.append)
            await route_server_drift(deployer, repo(), None, report, lines.append)
        finally:
            if zt is not None:
                await zt.aclose()

    asyncio.run(go())
    return report, lines


def test_in_sync_is_0(controller: FakeController) -> None:
    provisioned(controller)
    report, lines = check(provider(controller), in_sync_deployer())
    assert report.exit_code == 0 and report.summary().startswith("in sync")
    assert "  in sync      rs1: the deployed config is current" in lines


def test_a_drifted_member_is_listed_live_to_desired_and_exits_4(controller: FakeController) -> None:
    provisioned(controller)
    record = controller.member(NWID, "a000000001")
    assert record is not None
    record["ipAssignments"] = ["10.0.0.99"]
    report, lines = check(provider(controller), in_sync_deployer())
    assert report.exit_code == 4
    assert any(
        "a000000001" in line and "authorized 10.0.0.99 -> authorized 10.0.0.10 fd00:1::10" in line
        for line in lines
    ), lines


def test_network_settings_changed_by_hand_are_drift(controller: FakeController) -> None:
    provisioned(controller)
    controller.networks[NWID]["mtu"] = 1400
    report, lines = check(provider(controller), None)
    assert "  network      mtu: 1400 -> 2800" in lines
    assert report.exit_code == 4  # drift is certain even though the route servers are unknown


def test_an_unknown_node_on_the_lan_is_an_incident(controller: FakeController) -> None:
    provisioned(controller)
    controller.members[NWID]["bbbbbbbbbb"] = {
        "id": "bbbbbbbbbb",
        "address": "bbbbbbbbbb",
        "name": "",
        "authorized": True,
        "ipAssignments": ["10.0.0.11"],
        "noAutoAssignIps": False,
        "revision": 1,
    }
    report, _ = check(provider(controller), in_sync_deployer())
    assert report.exit_code == 4
    assert report.incidents and "10.0.0.11" in report.incidents[0]


def test_an_unreachable_route_server_is_unknown_not_drifted(controller: FakeController) -> None:
    provisioned(controller)
    report, lines = check(provider(controller), Unreachable([]))
    assert report.exit_code == 5 and not report.drift
    assert report.unknown == ["route server rs1"]
    assert any(line.startswith("  unknown      rs1: rs1: cannot connect") for line in lines)


def test_each_part_needs_only_its_own_credentials() -> None:
    report, _ = check(None, in_sync_deployer())
    assert report.exit_code == 5
    assert report.unknown == [
        "zerotier (no token: set ZTIX_ZEROTIER_TOKEN or ZTIX_ZEROTIER_TOKEN_FILE)"
    ]
    report, _ = check(None, None)
    assert len(report.unknown) == 2


def test_the_command_without_credentials_says_it_could_not_check() -> None:
    from tests.apply.test_apply import EXAMPLE  # noqa: PLC0415
    from tests.cli import ztix  # noqa: PLC0415

    done = ztix("plan", "--live", "--repo", str(EXAMPLE))
    assert done.returncode == 5, done.stderr
    assert "could not check: zerotier (no token" in done.stdout
    assert "route servers (no SSH key" in done.stdout
    refused = ztix("plan", "--only", "zerotier", "--base", "main", "--repo", str(EXAMPLE))
    assert refused.returncode == 2 and "--only needs --live" in refused.stderr
