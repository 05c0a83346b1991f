"""A lab exchange as `ztix init` writes it (issue 19), with a victim, an attacker and a
receiving member: the attacker is a hand-made BGP speaker (tests/lab/speaker.py: BIRD cannot
build an AS_SET), the victim and the receiver are BIRD routers.

Only what a lab must differ in is changed from the `ztix init` output: how the route server is
reached (sshd port, user, paths) and where the RTR cache listens; `edit` replaces whole sections
(to run the example's policy, or IRR filtering off).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from tests.lab.daemons import Daemon, wait_for
from tests.lab.exchange import LabExchange
from tests.lab.topology import vrps
from tests.paths import ROOT
from ztix.cli import main
from ztix.irr.files import irr_text
from ztix.models import IrrData
from ztix.render.routeserver import session_name

RS_ASN = 215000
VICTIM, ATTACKER, RECEIVER = 207001, 207005, 207009
ADDRESS = {VICTIM: "10.0.0.21", ATTACKER: "10.0.0.25", RECEIVER: "10.0.0.29"}
NODE = {VICTIM: "b000000001", ATTACKER: "b000000005", RECEIVER: "b000000009"}
VICTIM_PREFIX = "5.5.5.0/24"  # the victim's, with a ROA for AS207001: RPKI valid from it
FORGED_MORE_SPECIFIC = "5.5.6.0/24"  # inside the victim's ROA (maxLength 24), never announced
OWN = "23.5.0.0/24"  # the attacker's own registered space: must arrive (the control)
ROAS = [("5.5.0.0/16", 24, VICTIM)]

# The attacker's announcements: prefix -> AS path segments (and communities).
ATTACKS: dict[str, dict[str, Any]] = {
    # A forged origin: the victim's prefix behind a path ending in the victim's ASN, and a
    # more-specific of its space it does not announce itself (the one that takes the traffic).
    VICTIM_PREFIX: {"path": [["seq", [ATTACKER, VICTIM]]]},
    FORGED_MORE_SPECIFIC: {"path": [["seq", [ATTACKER, VICTIM]]]},
    # AS_SET at the end, with and without the sender, and a forged origin before an AS_SET.
    "23.5.1.0/24": {"path": [["seq", [ATTACKER]], ["set", [RECEIVER]]]},
    "23.5.2.0/24": {"path": [["seq", [ATTACKER]], ["set", [ATTACKER, RECEIVER]]]},
    "23.5.3.0/24": {"path": [["seq", [ATTACKER, VICTIM]], ["set", [RECEIVER]]]},
    # An AS_SET in the middle of the path.
    "23.5.4.0/24": {"path": [["seq", [ATTACKER]], ["set", [RECEIVER]], ["seq", [ATTACKER]]]},
    # A BLACKHOLE (RFC 7999) for the victim's space.
    "5.5.5.5/32": {"path": [["seq", [ATTACKER, VICTIM]]], "communities": [[65535, 666]]},
    OWN: {"path": [["seq", [ATTACKER]]]},
}

RECEIVER_CONFIG = """\
log stderr all;
router id {v4};
protocol device {{}}
protocol bgp rs4 {{
  local {v4} as {asn};
  neighbor 10.0.0.1 as {rs};
  hold time 15;
  connect delay time 1;
  connect retry time 5;
  error wait time 5, 60;
  debug {{ routes }};
  ipv4 {{ import all; export none; }};
}}
"""
VICTIM_CONFIG = """\
log stderr all;
router id {v4};
protocol device {{}}
protocol static s4 {{
  ipv4;
  route {prefix} blackhole;
}}
protocol bgp rs4 {{
  local {v4} as {asn};
  neighbor 10.0.0.1 as {rs};
  hold time 15;
  connect delay time 1;
  connect retry time 5;
  error wait time 5, 60;
  ipv4 {{ import none; export where proto = "s4"; }};
}}
"""


def init_ix(workdir: Path) -> dict[str, Any]:
    """ix.yaml as `ztix init` writes it for a new exchange (read back as data)."""
    key = workdir / "rs1.pub"
    key.write_text(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKtjAIsDUGj9NfyMhyE7ip5BXH3G+mboFszPmD0uHkYX\n"
    )
    target = workdir / "init"
    argv = ["init", str(target), "--name", "Hijack Lab IX", "--asn", str(RS_ASN)]
    argv += ["--ipv4", "10.0.0.0/24", "--ipv6", "fd00:1::/64", "--provider", "central"]
    argv += ["--network-id", "1122334455667788", "--rtr", "127.0.0.1:8323", "--no-input"]
    argv += ["--route-server", f"rs1,1000000001,127.0.0.1,{key}"]
    assert main(argv) == 0
    document: dict[str, Any] = yaml.safe_load((target / "ix.yaml").read_text())
    return document


def lab_ix(document: dict[str, Any]) -> Any:
    """The init document with only how the lab reaches its route server changed."""

    def build(lab: LabExchange) -> str:
        rs = document["route_servers"][0]
        rs["ssh"].update(port=lab.sshd.port, user="root", host_key=lab.sshd.host_key)
        rs["bird"].update(config_path=str(lab.config), control_socket=str(lab.socket))
        rs["bird"]["log"] = "stderr"
        return yaml.safe_dump(document, sort_keys=False)

    return build


def peer_file(asn: int) -> str:
    return (
        f"asn: {asn}\nname: Member {asn}\ncontact: noc@as{asn}.example\nconnections:\n"
        f"  - zerotier_node_id: {NODE[asn]}\n    ipv4: {ADDRESS[asn]}\n"
        "max_prefix:\n  ipv4: 50\n"
    )


def irr_data(asn: int, prefix: str) -> str:
    return irr_text(
        IrrData(
            asn=asn,
            expanded=(f"AS{asn}",),
            sources=("RIPE", "ARIN", "APNIC", "AFRINIC", "LACNIC", "RADB"),
            refreshed="2026-12-01T06:00:00Z",
            origins=(str(asn),),
            ipv4=(prefix,),
            ipv6=(),
        )
    )


class HijackLab:
    """The lab exchange, its three members and the attacker's speaker."""

    def __init__(
        self,
        workdir: Path,
        tag: str,
        edit: dict[str, Any] | None = None,
        retry: int | None = None,
        bird: tuple[str, str] = ("2.0", "bird"),
    ) -> None:
        """`bird`: the route server's BIRD (its ix.yaml version, its binary)."""
        document = init_ix(workdir)
        document["route_servers"][0]["bird"]["version"] = bird[0]
        for section, values in (edit or {}).items():
            document[section] = values
        if retry is not None:
            document["rpki"]["retry"] = retry
        self.x = LabExchange(workdir, tag, ix=lab_ix(document), bird=bird[1])
        self.speaker: Daemon | None = None
        self.x.vrp_file.write_text(vrps(ROAS))
        for asn in (VICTIM, ATTACKER, RECEIVER):
            (self.x.repo / "peers" / f"AS{asn}.yaml").write_text(peer_file(asn))
        # What the daily refresh would write: each member's own registrations.
        (self.x.repo / "irr").mkdir()
        (self.x.repo / "irr" / f"AS{VICTIM}.yaml").write_text(irr_data(VICTIM, "5.5.0.0/16"))
        (self.x.repo / "irr" / f"AS{ATTACKER}.yaml").write_text(irr_data(ATTACKER, "23.5.0.0/16"))

    def start(self) -> None:
        self.x.start_rtr()
        assert self.x.deploy() == 0
        x = self.x
        x.member(RECEIVER, ADDRESS[RECEIVER], RECEIVER_CONFIG.format(
            v4=ADDRESS[RECEIVER], asn=RECEIVER, rs=RS_ASN))  # fmt: skip
        x.member(VICTIM, ADDRESS[VICTIM], VICTIM_CONFIG.format(
            v4=ADDRESS[VICTIM], asn=VICTIM, rs=RS_ASN, prefix=VICTIM_PREFIX))  # fmt: skip
        spec = {
            "route_server": "10.0.0.1",
            "address": ADDRESS[ATTACKER],
            "asn": ATTACKER,
            "routes": [
                {"prefix": p, "next_hop": ADDRESS[ATTACKER], **a} for p, a in ATTACKS.items()
            ],
        }
        path = x.workdir / "speaker.json"
        path.write_text(json.dumps(spec))
        ns = x.lan.add_router(f"{x.tag}-atk", [f"{ADDRESS[ATTACKER]}/24"])
        self.speaker = Daemon(
            ns, [sys.executable, str(ROOT / "tests" / "lab" / "speaker.py"), str(path)],
            x.workdir / "speaker.log",
        )  # fmt: skip
        x.daemons.append(self.speaker)
        wait_for("every session up", lambda: all(self.up(a) for a in ADDRESS), timeout=60)
        wait_for("the attacker's routes in", lambda: len(self.from_attacker()) == len(ATTACKS))

    def up(self, asn: int) -> bool:
        return "Established" in self.x.rs.protocol(session_name(asn, NODE[asn], "ipv4"))["info"]

    def from_attacker(self) -> dict[str, Any]:
        """Every route the attacker sent, accepted or filtered, as the route server holds it."""
        name = session_name(ATTACKER, NODE[ATTACKER], "ipv4")
        return {
            **self.x.rs.routes("filtered", "protocol", name),
            **self.x.rs.routes("table", "master4", "protocol", name),
        }

    def reasons(self) -> dict[str, set[int]]:
        return {
            prefix: {c for a, k, c in route.large_communities if a == RS_ASN and k == 1101}
            for prefix, route in self.from_attacker().items()
        }

    def at_receiver(self) -> dict[str, Any]:
        return dict(self.x.members[RECEIVER].routes("table", "master4", "protocol", "rs4"))

    def close(self) -> None:
        self.x.close()


INVALID_ROAS = [(prefix, length, 64999) for prefix, length, _ in ROAS]


def rtr_restarts(lab: HijackLab, runs: int) -> list[float]:
    """Restart the cache `runs` times, each time with the victim's ROA flipped."""
    took = []
    for run in range(runs):
        invalid = run % 2 == 0
        lab.x.stop_rtr()
        lab.x.vrp_file.write_text(vrps(INVALID_ROAS if invalid else ROAS))
        time.sleep(3)  # the route server notices the cache is gone (and retries meanwhile)
        started = lab.x.start_rtr()

        def followed(invalid: bool = invalid) -> bool:
            present = VICTIM_PREFIX in lab.at_receiver()
            return present != invalid

        wait_for("the receiver follows the ROA change", followed, timeout=180)
        took.append(time.monotonic() - started)
    return took


def link_cut(lab: HijackLab, cut: float) -> tuple[float, float]:
    """Cut the victim's link for `cut` seconds; seconds to Established and to its route at the
    receiver after the link is back. A first failure: BIRD doubles its error wait for errors
    within `error forget time` (300 s) of each other, so each run gets a lab of its own."""
    ns = next(n for n in lab.x.lan.routers if n.endswith(f"-m{VICTIM % 100}"))
    name = session_name(VICTIM, NODE[VICTIM], "ipv4")
    lab.x.lan.exec_in(ns, "ip", "link", "set", "eth0", "down")
    cut_at = time.monotonic()
    wait_for(
        "the route withdrawn at the receiver",
        lambda: VICTIM_PREFIX not in lab.at_receiver(),
        timeout=60,
    )
    time.sleep(max(0.0, cut - (time.monotonic() - cut_at)))
    lab.x.lan.exec_in(ns, "ip", "link", "set", "eth0", "up")
    back = time.monotonic()
    wait_for(
        "the session Established",
        lambda: "Established" in lab.x.rs.protocol(name)["info"],
        timeout=180,
        step=0.1,
    )
    up = time.monotonic() - back
    wait_for("the route back", lambda: VICTIM_PREFIX in lab.at_receiver(), timeout=60, step=0.1)
    return up, time.monotonic() - back
