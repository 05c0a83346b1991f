"""A member's whole journey in a real browser (Debian's chromium, driven by playwright), against
the lab: log in with PeeringDB, see the planned addresses, request to join, pending, merged
(approved), applied (provisioning: the route server expects the sessions), the member's router
configured with nothing but the BIRD configuration the page shows, active; then the looking
glass. A screenshot of each state goes to artifacts/journey-<n>-<state>.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.birdtools import require
from tests.cli import ztix
from tests.gitrepo import bare_remote, git
from tests.lab import netns
from tests.lab.daemons import Bird, wait_for
from tests.lab.exchange import RECEIVER, LabExchange, announcer, peer
from tests.portal.devstack import running
from tests.portal.op import require_node
from tests.portal.test_browser import ARTIFACTS, FLAGS, _chromium

pytestmark = pytest.mark.lab

M1, M2 = (64500, "a000000001", "10.0.0.10"), (64501, "a000000002", "10.0.0.11")


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[LabExchange]:
    netns.require_lab()
    require("bird")
    require("stayrtr")
    require_node()
    exchange = LabExchange(tmp_path / "lab", "jb")
    try:
        yield exchange
    finally:
        exchange.close()


def test_from_login_to_an_established_session(lab: LabExchange, tmp_path: Path) -> None:
    chromium = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    lab.start_rtr()
    for asn, node, v4 in (M1, M2):
        (lab.repo / "peers" / f"AS{asn}.yaml").write_text(peer(asn, node, v4, 50))
    assert lab.deploy() == 0
    lab.member(64501, M2[2], RECEIVER.format(asn=64501, v4=M2[2]))
    lab.member(64500, M1[2], announcer(64500, M1[2], {"23.1.1.0/24": ""}))
    remote = bare_remote(tmp_path / "git", lab.repo)[1]
    key = lab.sshd.add_key("status_ed25519", f'restrict,command="birdc -r -s {lab.socket}"')
    ARTIFACTS.mkdir(exist_ok=True)
    shots = iter(range(1, 20))

    with (
        running(tmp_path, remote=remote, status_key=key) as stack,
        sync_api.sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 1200})

            def shot(state: str) -> None:
                name = f"journey-{next(shots)}-{state}.png"
                page.screenshot(path=str(ARTIFACTS / name), full_page=True)

            def status_becomes(state: str) -> None:
                def now() -> bool:
                    page.goto(stack.url + "/asn/64502")
                    return bool(page.inner_text("#status") == state)

                wait_for(f"the status {state}", now, timeout=90, step=1)

            page.goto(stack.url + "/")
            page.click("#login")
            page.fill("#login", "alex")
            page.click("#op-login")
            page.wait_for_url(stack.url + "/")
            page.click("text=Peer Three")
            assert page.inner_text("#status") == "not a member"
            planned = page.locator(".planned").all_inner_texts()
            assert planned == ["10.0.0.2", "fd00:1::2"]
            shot("not-a-member")
            page.fill("#node_id", "c0ffee0001")
            page.fill("#contact", "noc@three.example")
            page.click("#submit")
            page.locator("#change-link").wait_for()
            shot("request-sent")
            page.goto(stack.url + "/asn/64502")
            assert page.inner_text("#status") == "pending"
            assert "join requested" in page.inner_text("#pending-summary")
            shot("pending")

            # An admin merges the pull request.
            admin = tmp_path / "admin"
            git(tmp_path, "clone", "-q", str(remote), str(admin))
            git(admin, "merge", "-q", "--no-ff", "--no-edit", "origin/ztix/AS64502")
            git(admin, "push", "-q", "origin", "main")
            merged = git(admin, "rev-parse", "HEAD")
            stack.github.merge(1, merged)
            status_becomes("approved")
            shot("approved")

            # The apply job deploys the merged main and reports success.
            (lab.repo / "peers" / "AS64502.yaml").write_text(
                git(admin, "show", "HEAD:peers/AS64502.yaml") + "\n"
            )
            # (a process of its own: playwright's sync API holds this thread's event loop)
            done = ztix(
                "apply", "--only", "routeservers", "--repo", str(lab.repo),
                env={"ZTIX_SSH_KEY_FILE": str(lab.sshd.client_key_path), "ZTIX_HEALTH_SETTLE": "1"},
            )  # fmt: skip
            assert done.returncode == 0, done.stdout + done.stderr
            stack.github.statuses[merged] = [{"context": "ztix/apply", "state": "success"}]
            status_becomes("provisioning")
            assert "waiting for your sessions" in page.inner_text("#status-reason")
            shot("provisioning")

            # The member configures its router with what the page shows, and nothing else.
            snippet = page.inner_text("#snippet-bird")
            assert "zerotier-cli join" in page.inner_text("#join")
            ns = lab.lan.add_router("jb-m3", ["10.0.0.2/24", "fd00:1::2/64"])
            config = tmp_path / "m3.conf"
            config.write_text(
                "router id 10.0.0.2;\nlog stderr all;\nprotocol device {}\n" + snippet
            )
            lab.daemons.append(Bird(ns, config, lab.workdir, "m3"))
            status_becomes("active")
            shot("active")
            page.click("#looking-glass")
            assert "Established since" in page.inner_text(".session")
            shot("looking-glass")
        finally:
            browser.close()
