"""The join page shows what the member's AS-SET expands to before anything is sent, and the
request commits that expansion with the peer file (real bgpq4 against the stand-in whois
server); a failing IRR never blocks a join; leaving removes the IRR data too."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.birdtools import require
from tests.conftest import write_repo
from tests.gitrepo import bare_remote, git
from tests.irr.fixtures import irr_repo
from tests.irr.standin import Registry, StandIn, standin
from tests.portal.conftest import Portal, open_portal
from tests.portal.op import OpenIDProvider
from tests.portal.test_requests import branch_file, post
from ztix.adapters.irr.bgpq4 import bgpq4_resolver
from ztix.portal.irrpreview import IrrPreviews


@pytest.fixture
def server() -> Iterator[StandIn]:
    require("bgpq4")
    registry = Registry(
        sets={"LABA": {"AS-THREE": ["AS64502", "AS64520"], "AS-EMPTY": []}, "LABB": {}},
        routes={
            "LABA": {64502: ["23.30.0.0/16", "2a0c:30::/32"], 64520: ["23.31.0.0/24"]},
            "LABB": {},
        },
    )
    with standin(registry, ["LABA", "LABB"]) as running:
        yield running


@pytest.fixture
def irr_portal(op: OpenIDProvider, tmp_path: Path, server: StandIn) -> Iterator[Portal]:
    source = write_repo(tmp_path / "src", irr_repo(port=server.port))  # AS64500 has data
    remote = bare_remote(tmp_path, source)[1]
    with open_portal(op, remote, tmp_path, irr=IrrPreviews(bgpq4_resolver, 3)) as running:
        running.peeringdb.nets[64502]["irr_as_set"] = "AS-THREE"
        running.login("alex")
        yield running


def join(portal: Portal) -> tuple[int, str]:
    return post(portal, "/asn/64502/request", node_id="a0000000aa", contact="noc@three.example")


def test_the_expansion_is_shown_before_the_join_and_committed_with_it(
    irr_portal: Portal, server: StandIn
) -> None:
    page = irr_portal.client.get("/asn/64502").text
    assert "<strong>AS-THREE</strong>" in page
    assert "2 origin ASNs, 2 IPv4 and 1 IPv6 prefixes" in page
    assert "<code>23.30.0.0/16</code>" in page and "<code>AS64520</code>" in page
    assert "accept your routes inside these prefixes" in page
    # Page views within the minute reuse the expansion: the IRR is not asked again.
    asked = len(server.queries)
    irr_portal.client.get("/asn/64502")
    assert len(server.queries) == asked

    status, text = join(irr_portal)
    assert status == 200, text
    data = branch_file(irr_portal.remote, "ztix/AS64502", "irr/AS64502.yaml")
    assert data is not None and "  23.30.0.0/16\n  23.31.0.0/24\n" in data
    assert 'expanded: ["AS-THREE"]' in data
    message = git(irr_portal.remote, "log", "-1", "--format=%B", "ztix/AS64502")
    assert "IRR: AS-THREE expands to 2 origin ASNs, 2 IPv4 and 1 IPv6 prefixes" in message
    assert "IRR: AS-THREE" in irr_portal.github.pulls[0]["body"]


def test_an_empty_set_is_explained_and_still_committed(irr_portal: Portal) -> None:
    irr_portal.peeringdb.nets[64502]["irr_as_set"] = "AS-EMPTY"
    page = irr_portal.client.get("/asn/64502").text
    assert "0 origin ASNs, 0 IPv4 and 0 IPv6 prefixes" in page
    assert "It registers no prefixes" in page and "Register route/route6 objects" in page
    status, text = join(irr_portal)
    assert status == 200, text
    data = branch_file(irr_portal.remote, "ztix/AS64502", "irr/AS64502.yaml")
    assert data is not None and 'ipv4: ""' in data


@pytest.mark.parametrize("mode", ["error", "silent"])
def test_an_irr_that_fails_is_said_and_the_join_goes_without_data(
    irr_portal: Portal, server: StandIn, mode: str
) -> None:
    server.mode = mode  # type: ignore[assignment]
    page = irr_portal.client.get("/asn/64502").text
    assert 'id="irr-error"' in page and "the daily IRR refresh adds the data" in page
    assert "accept only your RPKI-valid routes" in page  # ix.yaml's without_data
    status, text = join(irr_portal)
    assert status == 200, text
    assert branch_file(irr_portal.remote, "ztix/AS64502", "peers/AS64502.yaml") is not None
    assert branch_file(irr_portal.remote, "ztix/AS64502", "irr/AS64502.yaml") is None
    message = git(irr_portal.remote, "log", "-1", "--format=%B", "ztix/AS64502")
    assert "IRR: AS-THREE not included (" in message


def test_leaving_removes_the_irr_data_too(irr_portal: Portal) -> None:
    assert branch_file(irr_portal.remote, "main", "irr/AS64500.yaml") is not None
    status, text = post(irr_portal, "/asn/64500/leave", confirm="yes")
    assert status == 200, text
    assert branch_file(irr_portal.remote, "ztix/AS64500", "peers/AS64500.yaml") is None
    assert branch_file(irr_portal.remote, "ztix/AS64500", "irr/AS64500.yaml") is None


def test_concurrent_views_of_one_asn_expand_it_once(irr_portal: Portal, server: StandIn) -> None:
    server.delay = 0.3
    pages: list[str] = []
    threads = [
        threading.Thread(target=lambda: pages.append(irr_portal.client.get("/asn/64502").text))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(pages) == 4 and all("2 IPv4" in page for page in pages)
    assert server.most <= 1  # one bgpq4 run at a time for one name, shared by all four views
