"""End to end in a real browser (Debian's chromium, driven by playwright): log in, pick the ASN,
submit, see the change link. The screenshot is kept in artifacts/portal-submitted.png."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.paths import ROOT
from tests.portal.devstack import running
from tests.portal.op import require_node

ARTIFACTS = ROOT / "artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]


def _chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run must install it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


@pytest.mark.lab
def test_join_in_a_real_browser(tmp_path: Path) -> None:
    require_node()
    chromium = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with running(tmp_path) as stack, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 420, "height": 900})  # a phone
            page.goto(stack.url + "/")
            page.click("#login")
            page.fill("#login", "alex")
            page.click("#op-login")
            page.wait_for_url(stack.url + "/")
            page.click("text=Peer Three")
            assert page.inner_text("#status") == "not a member"
            page.fill("#node_id", "c0ffee0001")
            page.fill("#contact", "noc@three.example")
            page.click("#submit")
            link = page.locator("#change-link")
            link.wait_for()
            assert link.get_attribute("href") == "https://github.example/zt-ix/peering/pull/1"
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "portal-submitted.png"), full_page=True)
            page.goto(stack.url + "/asn/64502")
            assert page.inner_text("#status") == "pending"
        finally:
            browser.close()
    assert len(stack.github.pulls) == 1
