"""Fixtures: each provider against its fake, built the way the CLI builds them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import repo_files
from tests.fakes.zerotier_central import FakeCentral
from tests.fakes.zerotier_controller import FakeController
from ztix.adapters.zerotier.central import CentralProvider
from ztix.adapters.zerotier.controller import ControllerProvider
from ztix.adapters.zerotier.http import RetryPolicy
from ztix.load.loader import Repository, load_files
from ztix.ports.zerotier import ZeroTierProvider

NWID = "1122334455667788"


class Sleeps:
    """A sleep that records what was asked and returns at once (tests stay fast)."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@dataclass
class Env:
    """A fake API and a factory for a provider talking to it."""

    kind: str
    fake: FakeController | FakeCentral
    make: Callable[..., ZeroTierProvider]
    sleeps: Sleeps

    def member(self, node: str) -> dict[str, Any] | None:
        """The fake's record of a member, in provider-neutral form."""
        record = self.fake.member(NWID, node)
        if record is None:
            return None
        config = record.get("config", record)
        return {
            "name": record.get("name", ""),
            "authorized": config["authorized"],
            "ipAssignments": config["ipAssignments"],
        }

    def preset_member(self, node: str, name: str, authorized: bool, ips: list[str]) -> None:
        """Create a member directly in the fake (as an admin would by hand)."""
        if isinstance(self.fake, FakeController):
            self.fake.networks.setdefault(NWID, {"id": NWID, "revision": 1})
            self.fake.members.setdefault(NWID, {})[node] = {
                "id": node,
                "address": node,
                "name": name,
                "authorized": authorized,
                "ipAssignments": ips,
                "noAutoAssignIps": False,
                "revision": 3,
            }
        else:
            self.fake.members[NWID][node] = {
                "id": f"{NWID}-{node}",
                "nodeId": node,
                "name": name,
                "description": "",
                "config": {
                    "authorized": authorized,
                    "ipAssignments": ips,
                    "noAutoAssignIps": False,
                    "revision": 3,
                },
            }


@pytest.fixture(params=["controller", "central"])
def env(request: pytest.FixtureRequest) -> Iterator[Env]:
    sleeps = Sleeps()
    fake: FakeController | FakeCentral
    if request.param == "controller":
        fake = FakeController(token="ctl-secret", node_id=NWID[:10])

        def make(**kw: Any) -> ZeroTierProvider:
            policy = kw.pop("policy", None) or RetryPolicy(sleep=sleeps)
            return ControllerProvider(
                fake.url,
                kw.pop("token", "ctl-secret"),
                network_id=kw.pop("network_id", NWID),
                policy=policy,
                **kw,
            )
    else:
        fake = FakeCentral(token="central-secret", networks=(NWID,))

        def make(**kw: Any) -> ZeroTierProvider:
            policy = kw.pop("policy", None) or RetryPolicy(sleep=sleeps)
            kw.pop("keepalive", None)
            return CentralProvider(
                fake.url + "/api/v1",
                kw.pop("token", "central-secret"),
                network_id=kw.pop("network_id", NWID),
                policy=policy,
                **kw,
            )

    try:
        yield Env(request.param, fake, make, sleeps)
    finally:
        fake.close()


def repo(
    add: dict[str, str | None] | None = None, edits: tuple[tuple[str, str, str], ...] = ()
) -> Repository:
    """The test repository, optionally modified."""
    return load_files(repo_files(add, edits))
