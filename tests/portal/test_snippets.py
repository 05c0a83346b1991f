"""The router configuration the portal gives an approved member: BIRD 2's parses with `bird -p`,
FRR's with `vtysh --dryrun` (both real), for one and two route servers, IPv4 and IPv6."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.birdtools import require
from tests.conftest import repo_files
from ztix.load.loader import load_files
from ztix.portal.snippets import connect_info

SECOND_RS = """\
  - name: rs2
    zerotier_node_id: "1000000002"
    ipv4: 10.0.0.2
    ipv6: fd00:1::2
    router_id: 10.0.0.2
    ssh:
      host: 127.0.0.1
      port: 2222
      user: ztix
      host_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKtjAIsDUGj9NfyMhyE7ip5BXH3G+mboFszPmD0uHkYX
"""


def info(two: bool):  # type: ignore[no-untyped-def]
    files = repo_files()
    if two:
        files["ix.yaml"] = files["ix.yaml"].replace("rpki:\n", SECOND_RS + "rpki:\n", 1)
    repo = load_files(files)
    peer = next(p.model for p in repo.peers if p.model.asn == 64500)
    return connect_info(repo.exchange.model, peer)


@pytest.mark.parametrize("two", [False, True])
def test_the_bird_snippet_parses(tmp_path: Path, two: bool) -> None:
    require("bird")
    found = info(two)
    config = tmp_path / "member.conf"
    config.write_text("router id 10.0.0.10;\nprotocol device {}\n" + found.snippets["bird"])
    done = subprocess.run(["bird", "-p", "-c", str(config)], capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr + config.read_text()
    text = found.snippets["bird"]
    assert text.count("protocol bgp ztix_") == (4 if two else 2)
    assert "neighbor fd00:1::1 as 64511;" in text and "local fd00:1::10 as 64500;" in text


@pytest.mark.parametrize("two", [False, True])
def test_the_frr_snippet_parses(tmp_path: Path, two: bool) -> None:
    require("vtysh")
    found = info(two)
    config = tmp_path / "frr.conf"
    config.write_text(found.snippets["frr"])
    done = subprocess.run(["vtysh", "--dryrun", "-f", str(config)], capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr + config.read_text()
    assert "neighbor 10.0.0.1 remote-as 64511" in found.snippets["frr"]


def test_the_frr_check_can_fail(tmp_path: Path) -> None:
    require("vtysh")
    config = tmp_path / "frr.conf"
    config.write_text("router bgp 64500\n neighbor 10.0.0.1 remote-as\n")
    done = subprocess.run(["vtysh", "--dryrun", "-f", str(config)], capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode != 0


def test_the_connect_facts() -> None:
    found = info(False)
    assert found.join_command == "zerotier-cli join 1122334455667788" or found.join_command is None
    assert ("a000000001", "IPv4", "10.0.0.10/24") in found.addresses
    assert ("a000000001", "IPv6", "fd00:1::10/64") in found.addresses
    assert found.route_servers == (("rs1", "10.0.0.1 fd00:1::1"),) and found.rs_asn == 64511
