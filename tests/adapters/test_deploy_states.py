"""The deployer's reconfiguration state machine on birdc replies recorded from BIRD 2.0.12 (Debian),
2.19.2 and 3.3.2 (built from upstream): tests/bird/samples/replies.json."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from tests.paths import SAMPLES
from ztix.adapters.routeserver.change import Change
from ztix.bird.text import (
    configure_reply,
    confirmed,
    daemon_up,
    established_since,
    held_in_config,
    limit_tripped,
    protocol_rows,
    reconfiguring,
    roa_state,
    route_count,
    rpki_problems,
    was_reset,
)
from ztix.ports.deploy import DeployError, DeployResult, DeploySettings, RpkiCheck, Target, sha256

REPLIES: dict[str, dict[str, str]] = json.loads((SAMPLES / "replies.json").read_text())
VERSIONS = sorted(REPLIES)


@pytest.mark.parametrize("version", VERSIONS)
def test_configure_replies(version: str) -> None:
    r = REPLIES[version]
    assert configure_reply(r["configure_timeout"]) == "done"
    assert configure_reply(r["configure_timeout_2"]) == "in progress"  # protocols going down
    assert configure_reply(r["configure_check_bad"]) == "refused"
    assert confirmed(r["configure_confirm"]) and confirmed(r["configure_confirm_again"])
    assert not confirmed(r["configure_undo"])


@pytest.mark.parametrize("version", VERSIONS)
def test_status_replies(version: str) -> None:
    r = REPLIES[version]
    assert daemon_up(r["show_status"]) and not reconfiguring(r["show_status"])
    assert reconfiguring(r["show_status_reconfiguring"])
    assert not daemon_up(r["show_status_reconfiguring"])


@pytest.mark.parametrize("version", VERSIONS)
def test_rpki_replies(version: str) -> None:
    r = REPLIES[version]
    rows = protocol_rows(r["show_protocols_rpki"])
    assert rows["rtr1"].kind == "RPKI" and rows["rtr1"].info == "Established"
    assert rpki_problems(r["show_protocols_rpki"], ("rtr1",)) == []
    assert rpki_problems(r["show_protocols_rpki"], ("rtr1", "rtr2", "rtr9")) == [
        "rtr2 is Transport-Error (not Established)",
        "rtr9 is missing (not Established)",
    ]
    assert route_count(r["roa_v4_count"]) == 4 and route_count(r["roa_v6_count"]) == 3
    # The enum's type number differs (35, 34, 39): only the value is read.
    assert roa_state(r["eval_sentinel_valid"]) == 1
    assert roa_state(r["eval_sentinel_unknown"]) == 0


def test_protocol_rows_in_both_time_formats() -> None:
    short = "Name Proto Table State Since Info\nAS1_a_v4 BGP --- up 11:05:31.581 Established\n"
    long_ms = (
        "Name       Proto      Table      State  Since         Info\n"
        "AS1_a_v4   BGP        ---        up     2026-12-01 10:53:28.123  Established\n"
        "AS2_b_v4   BGP        ---        down   2026-12-01 10:53:37.004  Automatic shutdown: "
        "Route limit exceeded\n"
    )
    assert established_since(short) == {"AS1_a_v4": "11:05:31.581"}
    assert established_since(long_ms) == {"AS1_a_v4": "2026-12-01 10:53:28.123"}
    assert limit_tripped(long_ms) == {"AS2_b_v4"}


@pytest.mark.parametrize(
    ("before", "after", "reset"),
    [
        ("2026-12-01 11:39:05.118", "2026-12-01 11:39:05.117", False),  # BIRD's print jitter
        ("2026-12-01 11:39:05.118", "2026-12-01 11:39:05.118", False),
        ("2026-12-01 11:39:05.118", "2026-12-01 11:41:00.002", True),  # down and back
        ("2026-11-30 23:59:59.990", "2026-12-01 00:00:30.000", True),
        ("11:39:05", "2026-12-01 11:39:05.917", False),  # the format changed with the deploy
        ("11:39:05.118", "11:39:05", False),
        ("11:39:05.118", "11:40:05.118", True),
        ("23:59:59.500", "00:00:00.100", False),  # across midnight, time of day only
        ("23:59:50.000", "00:00:20.000", True),
        ("10:00:00.000", "09:59:59.999", False),
        ("Nov01", "Nov01", False),  # a format not understood: only a change counts
        ("Nov01", "Dec01", True),
    ],
)
def test_a_reset_is_a_later_since_not_a_different_string(
    before: str, after: str, reset: bool
) -> None:
    assert was_reset(before, after) is reset


def test_held_sessions_are_read_from_the_config_they_were_rendered_into() -> None:
    config = (
        "template bgp rs_member {\n  local as 1;\n}\n"
        "protocol bgp AS1_a_v4 from rs_member {\n"
        "  # Held down: it exceeded its max-prefix limit; `ztix rs enable AS1` lifts it.\n"
        "  disabled;\n}\n"
        "protocol bgp AS2_b_v4 from rs_member {\n  disabled;\n}\n"
    )
    assert held_in_config(config) == {"AS1_a_v4"}  # a suspended member is not "held"


# ---------------------------------------------------------------------------- the state machine


class FakeRemote:
    """Answers birdc commands with recorded replies, in order per command."""

    def __init__(self, answers: dict[str, list[str]], target: Target) -> None:
        self.answers = answers
        self.target = target
        self.settings = DeploySettings(
            health_settle=0.2, reconfigure_wait=1.0, rpki_wait=1.0, confirm_timeout=30
        )
        self.commands: list[str] = []

    async def birdc(self, *words: str) -> str:
        command = " ".join(words)
        self.commands.append(command)
        key = next(k for k in self.answers if command.startswith(k))
        queue = self.answers[key]
        return queue.pop(0) if len(queue) > 1 else queue[0]


class FakeSftp:
    """Files in a dict; what the deployer does over SFTP."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    @asynccontextmanager
    async def open(self, path: str, mode: str) -> AsyncIterator[Any]:
        sftp = self

        class Handle:
            async def read(self) -> str:
                import asyncssh  # noqa: PLC0415

                if path not in sftp.files:
                    raise asyncssh.SFTPNoSuchFile("no such file")
                return sftp.files[path]

            async def write(self, text: str) -> None:
                sftp.files[path] = text

        yield Handle()

    async def remove(self, path: str) -> None:
        del self.files[path]

    async def posix_rename(self, old: str, new: str) -> None:
        self.files[new] = self.files.pop(old)


TARGET = Target(
    "rs1",
    "h",
    22,
    "u",
    "ssh-ed25519 x",
    "/etc/bird/bird.conf",
    "/run/bird/bird.ctl",
    RpkiCheck(("rtr1",), ("192.0.2.0/24", "2001:db8::/32", 64511)),
)
OLD, NEW = "# old\n", "# new\n"


def run_change(answers: dict[str, list[str]]) -> tuple[DeployResult, FakeSftp, FakeRemote]:
    remote = FakeRemote(answers, TARGET)
    sftp = FakeSftp({"/etc/bird/bird.conf": OLD, "/etc/bird/bird.conf.ztix-confirmed": sha256(OLD)})
    result = DeployResult("rs1", "failed")

    async def step(name: str) -> None:
        result.steps.append(name)

    async def go() -> None:
        change = Change(remote, sftp, lambda held: NEW, result, step)  # type: ignore[arg-type]
        try:
            if await change.prepare():
                await change.commit()
        except DeployError as exc:
            result.detail = str(exc)

    asyncio.run(go())
    return result, sftp, remote


def answers(version: str, **override: list[str]) -> dict[str, list[str]]:
    r = REPLIES[version]
    base = {
        "configure check": [r["configure_check_ok"]],
        "configure confirm": [r["configure_confirm"]],
        "configure undo": [r["configure_undo"]],
        "configure": [r["configure_timeout"]],
        "show status": [r["show_status"]],
        "show protocols": [r["show_protocols_rpki"]],
        "show route table roa_v4": [r["roa_v4_count"]],
        "show route table roa_v6": [r["roa_v6_count"]],
        "eval": [r["eval_sentinel_valid"]],
    }
    return {**base, **override}


@pytest.mark.parametrize("version", VERSIONS)
def test_a_reconfiguration_in_progress_is_waited_for(version: str) -> None:
    r = REPLIES[version]
    result, sftp, remote = run_change(
        answers(
            version,
            **{
                "configure": [r["configure_timeout_2"]],  # 0004: BIRD goes on in the background
                "show status": [
                    r["show_status_reconfiguring"],
                    r["show_status_reconfiguring"],
                    r["show_status"],
                ],
            },
        )
    )
    assert result.action == "deployed", result.detail
    assert result.steps[-4:] == ["replaced", "reconfigured", "healthy", "confirmed"]
    # it asked again until BIRD said it was done, and only then checked health and confirmed
    statuses = [i for i, c in enumerate(remote.commands) if c == "show status"]
    confirm = remote.commands.index("configure confirm")
    assert len(statuses) >= 3 and statuses[2] < confirm
    assert sftp.files["/etc/bird/bird.conf"] == NEW


@pytest.mark.parametrize("version", VERSIONS)
def test_a_reconfiguration_that_never_ends_is_undone(version: str) -> None:
    r = REPLIES[version]
    result, sftp, remote = run_change(
        answers(
            version,
            **{
                "configure": [r["configure_timeout_2"]],
                "show status": [r["show_status_reconfiguring"]],
            },
        )
    )
    assert "still reconfiguring after 1 s" in result.detail
    assert "previous config file restored" in result.detail and "configure undo" in remote.commands
    assert sftp.files["/etc/bird/bird.conf"] == OLD


@pytest.mark.parametrize("version", VERSIONS)
def test_rpki_must_be_ready_before_confirming(version: str) -> None:
    r = REPLIES[version]
    result, sftp, remote = run_change(answers(version, eval=[r["eval_sentinel_unknown"]]))
    assert "RPKI is not ready after 1 s" in result.detail
    assert "the sentinel ROA 192.0.2.0/24 AS64511 is not valid" in result.detail
    assert "configure confirm" not in remote.commands
    assert sftp.files["/etc/bird/bird.conf"] == OLD


def test_nothing_to_do_when_the_deployed_config_is_current() -> None:
    remote = FakeRemote(answers("2.0.12"), TARGET)
    sftp = FakeSftp({"/etc/bird/bird.conf": NEW, "/etc/bird/bird.conf.ztix-confirmed": sha256(NEW)})
    result = DeployResult("rs1", "failed")

    async def step(name: str) -> None:
        result.steps.append(name)

    change = Change(remote, sftp, lambda held: NEW, result, step)  # type: ignore[arg-type]
    assert asyncio.run(change.prepare()) is False
    assert result.action == "unchanged" and not any(
        c.startswith("configure") for c in remote.commands
    )
