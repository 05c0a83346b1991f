"""`ztix status` with the read-only key (issue 16): a real BIRD route server deployed by ztix,
real member routers, sshd with the restricted key `restrict,command="birdc -r ..."`. States and
counts for an established session with routes filtered for three reasons, a receiving member,
and a session down by max-prefix; the restricted key cannot configure, disable or get a shell."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.birdtools import require
from tests.cli import ztix
from tests.lab import netns
from tests.lab.daemons import wait_for
from tests.lab.exchange import RECEIVER, LabExchange, announcer
from tests.lab.test_safety_lab import M1, M2, M3, member_files, session

pytestmark = pytest.mark.lab

VALID, INVALID, UNKNOWN = "5.5.5.0/24", "6.6.6.0/24", "23.1.1.0/24"
LAN, BOGON = "10.0.0.0/24", "192.0.2.0/24"  # reasons 2 and 1


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[LabExchange]:
    netns.require_lab()
    require("bird")
    require("stayrtr")
    exchange = LabExchange(tmp_path, "st")
    try:
        yield exchange
    finally:
        exchange.close()


def restricted_key(lab: LabExchange) -> Path:
    return lab.sshd.add_key("status_ed25519", f'restrict,command="birdc -r -s {lab.socket}"')


def ssh(lab: LabExchange, key: Path, remote: str, stdin: str) -> str:
    done = subprocess.run(
        [
            "ssh", "-F", "/dev/null", "-i", str(key), "-p", str(lab.sshd.port),
            "-o", f"UserKnownHostsFile={lab.sshd.known_hosts()}", "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes", f"{lab.sshd.user}@127.0.0.1", remote,
        ],
        input=stdin, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    return done.stdout + done.stderr


def test_status_shows_states_counts_and_reasons_with_the_read_only_key(
    lab: LabExchange, tmp_path: Path
) -> None:
    lab.start_rtr()
    member_files(lab)
    assert lab.deploy() == 0
    lab.member(64501, M2[2], RECEIVER.format(asn=64501, v4=M2[2]))
    m1_routes = dict.fromkeys((VALID, INVALID, UNKNOWN, LAN, BOGON), "")
    lab.member(64500, M1[2], announcer(64500, M1[2], m1_routes))
    over = [f"23.8.{i}.0/24" for i in range(5)]  # m3's limit is 3
    lab.member(64502, M3[2], announcer(64502, M3[2], dict.fromkeys(over, "")))
    m1, m2, m3 = (session(*m[:2]) for m in (M1, M2, M3))
    wait_for("m1 and m2 up", lambda: all("Established" in lab.rs.protocol(n)["info"] for n in (m1, m2)), 60)  # fmt: skip
    wait_for("m3 shut by its limit", lambda: "limit exceeded" in lab.rs.protocol(m3)["info"].lower(), 30)  # fmt: skip
    wait_for("m1's five routes in", lambda: "2 imported, 3 filtered" in lab.rs.protocol(m1)["all"], 30)  # fmt: skip
    key = restricted_key(lab)
    env = {"ZTIX_STATUS_SSH_KEY_FILE": str(key)}  # no deploy key in the environment at all

    done = ztix("status", "--repo", str(lab.repo), "--format", "json", env=env, cwd=tmp_path)
    assert done.returncode == 4, done.stdout + done.stderr  # m3 is not Established
    report = json.loads(done.stdout)
    (rs,) = report["route_servers"]
    assert rs["name"] == "rs1" and rs["error"] is None
    by_name = {s["session"]: s for s in rs["sessions"]}
    one = by_name[m1]
    assert one["ok"] and one["bgp_state"] == "Established", one
    assert one["routes"] == {"received": 5, "accepted": 2, "filtered": 3, "exported": 0}
    assert one["rpki"] == {"valid": 1, "unknown": 1, "invalid": 0}
    assert by_name[m2]["ok"] and by_name[m2]["routes"]["exported"] == 2
    three = by_name[m3]
    assert not three["ok"] and "Route limit exceeded" in three["problem"]
    assert three["state"] == "down"
    assert report["summary"] == "status: 2 sessions as expected, 1 not"

    text = ztix("status", "--repo", str(lab.repo), env=env, cwd=tmp_path)
    assert text.returncode == 4
    assert f"FAIL {m3}" in text.stdout and "Route limit exceeded" in text.stdout
    assert f"ok   {m1}" in text.stdout and "RPKI valid 1, unknown 1, invalid 0" in text.stdout
    only = ztix("status", "--repo", str(lab.repo), "--asn", "AS64500", env=env, cwd=tmp_path)
    assert only.returncode == 0 and m3 not in only.stdout and m1 in only.stdout

    # The restricted key reads, and only reads.
    assert "Access denied" in ssh(lab, key, "birdc", f"configure\ndisable {m1}\n")
    assert "Established" in lab.rs.protocol(m1)["info"]
    shell = ssh(lab, key, "echo pwned; id", "")
    assert "pwned" not in shell and "uid=" not in shell and "BIRD" in shell
    assert "Access denied" in ssh(lab, key, "birdc -s /tmp/x configure", "configure\n")


def test_an_unreachable_route_server_is_said_and_exits_5(lab: LabExchange, tmp_path: Path) -> None:
    member_files(lab)
    key = restricted_key(lab)
    lab.sshd.stop()
    done = ztix("status", "--repo", str(lab.repo), env={"ZTIX_STATUS_SSH_KEY_FILE": str(key)})
    assert done.returncode == 5, done.stdout + done.stderr
    assert "rs1: could not be read" in done.stdout and "cannot connect over SSH" in done.stdout
