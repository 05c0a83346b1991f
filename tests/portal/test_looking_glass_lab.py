"""The portal's looking glass against the lab (issue 16): a real BIRD route server deployed by
ztix, real member routers, sshd with the restricted key; a member sees its own sessions and
routes only, with filter reasons in words, and a session down by max-prefix says so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest

from tests.birdtools import require
from tests.gitrepo import bare_remote
from tests.lab import netns
from tests.lab.daemons import wait_for
from tests.lab.exchange import RECEIVER, LabExchange, announcer
from tests.lab.test_safety_lab import M1, M2, M3, member_files, session
from tests.portal.conftest import Portal, open_portal
from tests.portal.op import OpenIDProvider
from ztix.adapters.routeserver.reader import SshBirdReader
from ztix.ports.deploy import DeploySettings

pytestmark = pytest.mark.lab

VALID, INVALID, UNKNOWN = "5.5.5.0/24", "6.6.6.0/24", "23.1.1.0/24"
LAN, BOGON = "10.0.0.0/24", "192.0.2.0/24"


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[LabExchange]:
    netns.require_lab()
    require("bird")
    require("stayrtr")
    exchange = LabExchange(tmp_path / "lab", "lg")
    try:
        yield exchange
    finally:
        exchange.close()


@pytest.fixture
def glass(op: OpenIDProvider, lab: LabExchange, tmp_path: Path) -> Iterator[Portal]:
    lab.start_rtr()
    member_files(lab)
    assert lab.deploy() == 0
    lab.member(64501, M2[2], RECEIVER.format(asn=64501, v4=M2[2]))
    lab.member(64500, M1[2], announcer(64500, M1[2], dict.fromkeys((VALID, INVALID, UNKNOWN, LAN, BOGON), "")))  # fmt: skip
    over = [f"23.8.{i}.0/24" for i in range(5)]  # m3's limit is 3
    lab.member(64502, M3[2], announcer(64502, M3[2], dict.fromkeys(over, "")))
    m1, m3 = session(*M1[:2]), session(*M3[:2])
    wait_for("m1 with its five routes", lambda: "2 imported, 3 filtered" in lab.rs.protocol(m1)["all"], 60)  # fmt: skip
    wait_for("m3 shut by its limit", lambda: "limit exceeded" in lab.rs.protocol(m3)["info"].lower(), 30)  # fmt: skip
    key = lab.sshd.add_key("status_ed25519", f'restrict,command="birdc -r -s {lab.socket}"')
    reader = SshBirdReader(asyncssh.read_private_key(key), DeploySettings(), ttl=30)
    remote = bare_remote(tmp_path / "git", lab.repo)[1]
    with open_portal(op, remote, tmp_path, reader=reader) as portal:
        portal.login("alex")  # may act for AS64500 and AS64502, not for AS64501
        yield portal


def test_a_member_sees_its_sessions_and_why_routes_were_filtered(glass: Portal) -> None:
    page = glass.client.get("/asn/64500/looking-glass")
    assert page.status_code == 200, page.text
    text = page.text
    m1 = session(*M1[:2])
    assert f'id="state-{m1}">Established since' in text
    assert "received 5, accepted 2, filtered 3" in text
    assert "valid 1, unknown 1, invalid (tagged) 0" in text
    for prefix, why in ((BOGON, "bogon prefix"), (LAN, "the peering LAN itself"), (INVALID, "RPKI invalid")):  # fmt: skip
        row = text[text.index(f"<code>{prefix}</code>") :].split("</tr>", 1)[0]
        assert why in row, row
    assert "fix or create the ROA for this prefix and origin" in text  # what to do
    accepted = text[text.index('class="accepted"') :]
    assert "<code>5.5.5.0/24</code>" in accepted and "RPKI valid" in accepted
    assert "RPKI unknown" in accepted
    # Nothing of the other members' sessions.
    assert "AS64501" not in text and "AS64502" not in text and "23.8." not in text
    assert 'href="/asn/64500/looking-glass"' in glass.client.get("/asn/64500").text


def test_a_session_down_by_max_prefix_says_what_to_do(glass: Portal) -> None:
    text = glass.client.get("/asn/64502/looking-glass").text
    m3 = session(*M3[:2])
    assert f'id="error-{m3}">Automatic shutdown: Route limit exceeded' in text
    assert "exceeded the limit, so the session was shut down" in text


def test_other_members_looking_glass_is_refused(glass: Portal) -> None:
    assert glass.client.get("/asn/64501/looking-glass").status_code == 403
    assert glass.client.get("/asn/64509/looking-glass").status_code == 403  # read-only at PDB
    glass.client.post("/logout", data={"csrf": glass.csrf()})
    assert glass.client.get("/asn/64500/looking-glass").status_code in (401, 403)


def test_the_status_follows_the_sessions_on_the_route_server(glass: Portal) -> None:
    page = glass.client.get("/asn/64500").text
    assert 'id="status">active<' in page
    assert "your sessions to every route server are Established" in page
    three = glass.client.get("/asn/64502").text  # its change is minutes old: still provisioning
    assert 'id="status">provisioning<' in three
    assert "waiting for your sessions: rs1 ipv4 from 10.0.0.12: Automatic shutdown: Route limit exceeded" in three  # fmt: skip
