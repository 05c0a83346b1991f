"""The portal as a service that keeps running (issue 20), with real processes: two `ztix portal`
replicas on one PostgreSQL (started for real) and one git remote; restarts by SIGTERM and by
SIGKILL in the middle of a login and of a request; PeeringDB and the forge down, then back."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import yaml

from tests.fakes.server import Fault
from tests.gitrepo import git
from tests.portal.op import USERS
from tests.portal.replicas import Browser, Exchange, PortalProcess, running
from tests.postgres import Postgres, fresh_database

pytestmark = pytest.mark.slow

# Documentation ASNs (RFC 5398), which the test exchange admits: 16 of 32 bits, 4 of 16.
ASNS = [65536 + n for n in range(16)] + [64503, 64504, 64505, 64506]
MANY = {
    "id": 777,
    "name": "Many Networks",
    "email": "noc@many.example",
    "email_verified": True,
    "verified_user": True,
    "networks": [
        {"id": 91000 + n, "name": f"Net {n}", "asn": asn, "perms": 15} for n, asn in enumerate(ASNS)
    ],
}


def _networks(exchange: Exchange) -> None:
    for n, asn in enumerate(ASNS):
        exchange.peeringdb.nets[asn] = {
            "id": 91000 + n,
            "asn": asn,
            "name": f"Replica Net {n}",
            "status": "ok",
            "irr_as_set": "",
            "info_prefixes4": 10,
            "info_prefixes6": 10,
            "info_never_via_route_servers": False,
        }
    exchange.op.set_users({**USERS, "many": MANY})


@pytest.fixture
def browser() -> Iterator[Browser]:
    b = Browser()
    yield b
    b.close()


def branch_addresses(remote: Path, asn: int) -> tuple[str, str]:
    peer = yaml.safe_load(git(remote, "show", f"ztix/AS{asn}:peers/AS{asn}.yaml"))
    first = peer["connections"][0]
    return str(ipaddress.ip_address(first["ipv4"])), str(ipaddress.ip_address(first["ipv6"]))


def test_replicas_share_logins_addresses_and_limits(
    tmp_path: Path, remote: Path, postgres: Postgres, browser: Browser
) -> None:
    store = fresh_database(postgres)
    with running(tmp_path, remote, store, submissions_per_hour="22") as exchange:
        a, b = exchange.portals
        _networks(exchange)
        browser.login(a, "many")
        assert "Many Networks" in browser.page(b)  # a login on A is a login on B
        csrf = browser.csrf(a)
        cookies = dict(browser.client.cookies)

        def join(n: int) -> int:
            portal = (a, b)[n % 2]
            with Browser() as other:  # a browser tab of its own, same login
                other.client.cookies.update(cookies)
                response = other.client.post(
                    f"{portal.url}/asn/{ASNS[n]}/request",
                    data={
                        "csrf": csrf,
                        "request_id": f"join-{n:04d}-{time.monotonic_ns()}",
                        "node_id": f"{0xB000000000 + n:010x}",
                        "contact": f"noc@as{ASNS[n]}.example",
                    },
                )
            assert response.status_code == 200, response.text[-800:]
            return response.status_code

        with ThreadPoolExecutor(max_workers=20) as pool:
            assert list(pool.map(join, range(20))) == [200] * 20
        seen: dict[str, int] = {}
        for asn in ASNS:
            for address in branch_addresses(remote, asn):
                assert address not in seen, f"AS{asn} and AS{seen[address]} share {address}"
                seen[address] = asn
        assert len(seen) == 40 and len(exchange.github.pulls) == 20
        # The hourly limit (22 here) holds across both: 2 more, then refused on either.
        assert browser.post(a, f"/asn/{ASNS[0]}/request", node_id="b000000000",
                            contact="noc@x.example").status_code == 200  # fmt: skip
        assert browser.post(b, f"/asn/{ASNS[1]}/request", node_id="b000000001",
                            contact="noc@x.example").status_code == 200  # fmt: skip
        for portal in (a, b):
            refused = browser.post(portal, f"/asn/{ASNS[2]}/request", node_id="b000000002",
                                   contact="noc@x.example")  # fmt: skip
            assert refused.status_code == 429, refused.text[-500:]


def test_the_same_form_sent_to_both_replicas_is_one_request(
    tmp_path: Path, remote: Path, postgres: Postgres, browser: Browser
) -> None:
    with running(tmp_path, remote, fresh_database(postgres)) as exchange:
        a, b = exchange.portals
        browser.login(a, "alex")
        form = {
            "csrf": browser.csrf(a),
            "request_id": "the-same-form-sent-twice",
            "node_id": "a0000000aa",
            "contact": "noc@three.example",
        }
        barrier = threading.Barrier(2)

        def send(portal_index: int) -> str:
            portal = (a, b)[portal_index]
            barrier.wait(10)
            return browser.client.post(f"{portal.url}/asn/64502/request", data=form).text

        with ThreadPoolExecutor(max_workers=2) as pool:
            pages = list(pool.map(send, (0, 1)))
        assert sum("Request sent" in p for p in pages) >= 1
        assert len(exchange.github.pulls) == 1  # one change request, whatever each was told
        again = browser.client.post(f"{b.url}/asn/64502/request", data=form).text
        assert 'id="repeated"' in again and "pull/1" in again


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_a_login_survives_a_restart_between_login_and_callback(
    tmp_path: Path, remote: Path, postgres: Postgres, browser: Browser, how: signal.Signals
) -> None:
    with running(tmp_path, remote, fresh_database(postgres), count=1) as exchange:
        (a,) = exchange.portals
        callback = browser.at_provider(browser.start_login(a), "alex")
        a.stop(how)  # the pending login (PKCE verifier, nonce) was in the store
        a.start()
        response = browser.callback(a, callback)
        assert response.status_code == 303, response.text
        a.stop(how)  # and the login itself outlives the next restart
        a.start()
        assert "Alex Example" in browser.page(a)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_a_request_cut_between_push_and_change_request_completes(
    tmp_path: Path, remote: Path, postgres: Postgres, browser: Browser, how: signal.Signals
) -> None:
    with running(tmp_path, remote, fresh_database(postgres), count=1) as exchange:
        (a,) = exchange.portals
        browser.login(a, "alex")
        creating = Fault(
            "delay", seconds=30,
            match=lambda r: r.method == "POST" and r.path.endswith("/pulls"),
        )  # fmt: skip
        exchange.github.add_faults(creating)

        def send() -> None:
            with contextlib.suppress(httpx.HTTPError):  # its portal is killed under it
                browser.post(a, "/asn/64502/request", node_id="a0000000aa",
                             contact="noc@three.example")  # fmt: skip

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "ztix/AS64502" not in git(remote, "branch"):
            time.sleep(0.1)
        assert "ztix/AS64502" in git(remote, "branch")  # pushed; its pull request hangs
        a.stop(how)  # the portal dies before the forge answered
        # If the hung creation ever lands, it finds the request open (422): one pull request.
        a.start()
        deadline = time.monotonic() + 30  # the reconcile loop runs every 5 s here
        while time.monotonic() < deadline and not _open_pulls(exchange, "ztix/AS64502"):
            time.sleep(0.2)
        assert len(_open_pulls(exchange, "ztix/AS64502")) == 1
        page = browser.page(a, "/asn/64502")
        assert 'id="status">pending<' in page and 'id="change-link"' in page
        sender.join(40)


def _open_pulls(exchange: Exchange, branch: str) -> list[dict[str, object]]:
    with exchange.github.lock:
        return [
            p for p in exchange.github.pulls if p["head"]["ref"] == branch and p["state"] == "open"
        ]


def test_a_forge_that_fails_the_change_request_leaves_one_state(
    tmp_path: Path, remote: Path, postgres: Postgres, browser: Browser
) -> None:
    with running(
        tmp_path, remote, fresh_database(postgres), count=1, reconcile_interval="3600"
    ) as exchange:
        (a,) = exchange.portals
        browser.login(a, "alex")
        failing = [
            Fault("status", status=500, match=lambda r: r.method == "POST" and "pulls" in r.path)
            for _ in range(3)
        ]
        exchange.github.add_faults(*failing)
        sent = browser.post(a, "/asn/64502/request", node_id="a0000000aa",
                            contact="noc@three.example")  # fmt: skip
        assert sent.status_code == 200 and "opened as soon as the forge answers" in sent.text
        page = browser.page(a, "/asn/64502")
        # Pending, as the admins will see it: the next view opened it once the forge answered.
        while "opened as soon as the forge answers" in page and exchange.github.faults:
            page = browser.page(a, "/asn/64502")
        assert 'id="status">pending<' in page
        page = browser.page(a, "/asn/64502")
        assert 'id="change-link"' in page and len(_open_pulls(exchange, "ztix/AS64502")) == 1
        # And the member can withdraw it: the pull request closes, the branch and its
        # addresses are freed.
        withdrawn = browser.post(a, "/asn/64502/withdraw", confirm="yes")
        assert withdrawn.status_code == 200 and 'id="withdrawn"' in withdrawn.text
        assert not _open_pulls(exchange, "ztix/AS64502")
        assert "ztix/AS64502" not in git(remote, "branch")
        audit = [json.loads(line) for line in (tmp_path / "audit-0.jsonl").read_text().splitlines()]
        assert any(e["event"] == "request" and e["outcome"] == "withdrawn" for e in audit)


def test_peeringdb_and_the_forge_down_then_back_without_a_restart(
    tmp_path: Path, remote: Path, postgres: Postgres, browser: Browser
) -> None:
    with running(tmp_path, remote, fresh_database(postgres), count=1) as exchange:
        (a,) = exchange.portals
        browser.login(a, "alex")
        down = [Fault("status", status=503) for _ in range(200)]
        exchange.peeringdb.add_faults(*down)
        exchange.github.add_faults(*[Fault("delay", seconds=20) for _ in range(20)])
        started = time.monotonic()
        page = browser.page(a, "/asn/64502")
        took = time.monotonic() - started
        assert took < 3 * 3 + 5, took  # page_timeout 3 s per remote read, never 20 s+
        assert "Could not be read just now: PeeringDB" in page
        assert "Could not be read just now: the forge" in page
        with exchange.peeringdb.lock:
            exchange.peeringdb.faults.clear()
        with exchange.github.lock:
            exchange.github.faults.clear()
        exchange.github.wait_idle(30)
        time.sleep(1.5)  # one breaker cool-down: the next call probes
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "Could not be read" in page:
            page = browser.page(a, "/asn/64502")
            time.sleep(0.5)
        assert "Could not be read" not in page
        sent = browser.post(a, "/asn/64502/request", node_id="a0000000aa",
                            contact="noc@three.example")  # fmt: skip
        assert sent.status_code == 200 and "pull/1" in sent.text


def _breaker_open(browser: Browser, portal: PortalProcess, service: str) -> bool:
    metrics = browser.page(portal, "/metrics")
    return f'ztix_portal_breaker_open{{service="{service}"}} 1.0' in metrics


def test_an_outage_one_replica_finds_the_other_honours(
    tmp_path: Path, remote: Path, postgres: Postgres, browser: Browser
) -> None:
    """PeeringDB fails for A; B, which has not called it at all, stops calling it too (the
    breaker is shared through the store) instead of finding the outage out for itself."""
    with running(tmp_path, remote, fresh_database(postgres), breaker_cooldown="30") as exchange:
        a, b = exchange.portals
        browser.login(a, "alex")
        exchange.peeringdb.add_faults(*[Fault("status", status=503) for _ in range(500)])
        assert not _breaker_open(browser, b, "peeringdb")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _breaker_open(browser, a, "peeringdb"):
            browser.page(a, "/asn/64502")  # not cached: PeeringDB is asked, and fails
        assert _breaker_open(browser, a, "peeringdb")
        deadline = time.monotonic() + 10  # B syncs every min(5, cool-down / 3) seconds
        while time.monotonic() < deadline and not _breaker_open(browser, b, "peeringdb"):
            time.sleep(0.2)
        assert _breaker_open(browser, b, "peeringdb")
        assert not _breaker_open(browser, b, "forge")


def test_the_state_store_killed_and_brought_back_the_portal_carries_on(
    tmp_path: Path, remote: Path, postgres: Postgres, browser: Browser
) -> None:
    """PostgreSQL killed under a running portal: it says so (503, /readyz) and stays alive;
    PostgreSQL back: the same login works and a join goes through, with no restart."""
    with running(tmp_path, remote, fresh_database(postgres), count=1) as exchange:
        (a,) = exchange.portals
        process = a.proc
        browser.login(a, "alex")
        assert "Alex Example" in browser.page(a)
        postgres.stop(signal.SIGKILL)
        try:
            page = browser.client.get(f"{a.url}/")
            assert page.status_code == 503 and "state store" in page.text
            assert browser.client.get(f"{a.url}/readyz").status_code == 503
            assert browser.client.get(f"{a.url}/healthz").status_code == 200
        finally:
            postgres.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if browser.client.get(f"{a.url}/readyz").status_code == 200:
                break
            time.sleep(0.5)
        assert "Alex Example" in browser.page(a)  # the login was kept in the store
        sent = browser.post(a, "/asn/64502/request", node_id="a0000000aa",
                            contact="noc@three.example")  # fmt: skip
        assert sent.status_code == 200 and "pull/1" in sent.text, sent.text[-500:]
        assert process is not None and a.proc is process and process.poll() is None  # no restart


def _metric(browser: Browser, portal: PortalProcess, name: str) -> float | None:
    for line in browser.page(portal, "/metrics").splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    return None


def test_requests_without_a_change_request_are_a_metric_until_reconciled(
    tmp_path: Path, remote: Path, postgres: Postgres, browser: Browser
) -> None:
    """The forge refuses change requests for a while: /metrics says a request waits without
    one (what the ZtixPortalRequestWithoutChangeRequest alert watches) until reconcile opens it."""
    with running(
        tmp_path, remote, fresh_database(postgres), count=1, reconcile_interval="5"
    ) as exchange:
        (a,) = exchange.portals
        browser.login(a, "alex")
        refused = [
            Fault("status", status=500, match=lambda r: r.method == "POST" and "pulls" in r.path)
            for _ in range(1000)
        ]
        exchange.github.add_faults(*refused)
        sent = browser.post(a, "/asn/64502/request", node_id="a0000000aa",
                            contact="noc@three.example")  # fmt: skip
        assert sent.status_code == 200 and "opened as soon as the forge answers" in sent.text
        missing = "ztix_portal_requests_without_change_request"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _metric(browser, a, missing) != 1.0:
            time.sleep(0.5)
        assert _metric(browser, a, missing) == 1.0
        assert _metric(browser, a, "ztix_portal_requests_pending") == 1.0
        with exchange.github.lock:
            exchange.github.faults.clear()
        deadline = time.monotonic() + 30  # the next reconcile (breaker cool-down 1 s here)
        while time.monotonic() < deadline and _metric(browser, a, missing) != 0.0:
            time.sleep(0.5)
        assert _metric(browser, a, missing) == 0.0
        assert _metric(browser, a, "ztix_portal_requests_pending") == 1.0
        assert len(_open_pulls(exchange, "ztix/AS64502")) == 1
