"""`ztix exporter` against the lab's real BIRD route server, stayrtr and members (issue 24), read
with the restricted key (`birdc -r`): an Established member, one with routes filtered for three
reasons, one held down by max-prefix, the RTR cache stopped (its state and its data's age), and
a route server that cannot be reached (said as a metric while the other is still read)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.birdtools import require
from tests.lab import netns
from tests.lab.daemons import wait_for
from tests.lab.exchange import RECEIVER, LabExchange, announcer
from tests.lab.sshd import free_port
from tests.lab.test_safety_lab import M1, M2, M3, member_files, session
from tests.lab.test_status_lab import BOGON, INVALID, LAN, UNKNOWN, VALID, restricted_key
from tests.procs import stop

pytestmark = pytest.mark.lab

UNREACHABLE = """\
  - name: rs9
    zerotier_node_id: "1000000009"
    ipv4: 10.0.0.9
    ipv6: fd00:1::9
    router_id: 10.0.0.9
    ssh:
      host: 127.0.0.1
      port: 1
      user: root
      host_key: {host_key}
rpki:"""


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[LabExchange]:
    netns.require_lab()
    require("bird")
    require("stayrtr")
    exchange = LabExchange(tmp_path, "ex")
    try:
        yield exchange
    finally:
        exchange.close()


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str) -> Samples:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def test_the_exporter_reads_sessions_reasons_limits_rtr_and_unreachable_servers(
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
    # A second route server nobody can reach (nothing listens on port 1).
    ix = lab.repo / "ix.yaml"
    ix.write_text(
        ix.read_text().replace("rpki:", UNREACHABLE.format(host_key=lab.sshd.host_key), 1)
    )
    key = restricted_key(lab)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZTIX_")}
    env |= {
        "ZTIX_STATUS_SSH_KEY_FILE": str(key),
        "ZTIX_EXPORTER_INTERVAL": "5",
        "ZTIX_HTTP_TIMEOUT": "3",
    }
    log = (tmp_path / "exporter.log").open("w")
    exporter = subprocess.Popen(
        [sys.executable, "-m", "ztix.cli", "exporter", "--repo", str(lab.repo), "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        samples: Samples = wait_for("the first reading", lambda: _reading(url, "rs1"), 60)
        assert value(samples, "ztix_route_server_up", route_server="rs1") == 1
        assert value(samples, "ztix_route_server_up", route_server="rs9") == 0  # said, not a crash
        s1 = {"route_server": "rs1", "session": m1, "asn": "64500", "family": "ipv4"}
        assert value(samples, "ztix_bgp_session_established", **s1) == 1
        assert value(samples, "ztix_bgp_session_routes", kind="filtered", **s1) == 3
        assert value(samples, "ztix_bgp_session_routes", kind="accepted", **s1) == 2
        assert value(samples, "ztix_bgp_session_accepted_routes_rpki", state="valid", **s1) == 1
        for reason in ("1", "2", "9"):  # bogon, the LAN, RPKI invalid
            assert (
                value(
                    samples, "ztix_route_server_filtered_routes", route_server="rs1", reason=reason
                )
                == 1
            )
        s3 = {"route_server": "rs1", "session": m3, "asn": "64502", "family": "ipv4"}
        assert value(samples, "ztix_bgp_session_established", **s3) == 0
        assert value(samples, "ztix_bgp_session_max_prefix_held", **s3) == 1
        assert value(samples, "ztix_rtr_cache_up", route_server="rs1", cache="rtr1") == 1
        assert value(samples, "ztix_rpki_sentinel_valid", route_server="rs1") == 1
        roas = value(
            samples, "ztix_rtr_cache_roas", route_server="rs1", cache="rtr1", family="ipv4"
        )
        assert roas is not None and roas >= 3
        updated = value(
            samples,
            "ztix_rtr_cache_last_update_timestamp_seconds",
            route_server="rs1",
            cache="rtr1",
        )
        assert updated is not None and time.time() - updated < 120
        assert httpx.get(f"{url}/healthz", timeout=5).json()["ok"] is True

        lab.stop_rtr()  # the cache dies: its state goes down, its data's age grows
        cache = {"route_server": "rs1", "cache": "rtr1"}
        down: Samples = wait_for("the cache seen down", lambda: _cache_down(url), timeout=60)
        assert value(down, "ztix_route_server_up", route_server="rs1") == 1  # still read
        first = value(down, "ztix_rtr_cache_last_update_timestamp_seconds", **cache)
        cycle = value(down, "ztix_exporter_last_cycle_timestamp_seconds") or 0
        later: Samples = wait_for("another reading", lambda: _after(url, cycle), timeout=30)
        second = value(later, "ztix_rtr_cache_last_update_timestamp_seconds", **cache)
        # BIRD keeps the data and says how long ago it came; that time no longer moves.
        assert (first is None and second is None) or abs((second or 0) - (first or 0)) < 1

        lab.start_rtr()  # the cache back: BIRD reconnects (retry 1 s), the exporter says so
        wait_for("the cache seen up again", lambda: _cache_up(url), timeout=60)
        # The route server's SSH goes away: rs1 is said unreachable, the exporter lives on.
        lab.sshd.stop()
        wait_for("rs1 seen unreachable", lambda: _route_server(url, "rs1", 0), timeout=60)
        assert exporter.poll() is None
        lab.sshd.restart()
        wait_for("rs1 read again", lambda: _route_server(url, "rs1", 1), timeout=60)
    finally:
        stop(exporter)
        log.close()


def _cache_up(url: str) -> Samples | None:
    samples = _scrape_quiet(url)
    cache = {"route_server": "rs1", "cache": "rtr1"}
    if samples and value(samples, "ztix_rtr_cache_up", **cache) == 1:
        return samples
    return None


def _route_server(url: str, name: str, up: int) -> Samples | None:
    samples = _scrape_quiet(url)
    if samples and value(samples, "ztix_route_server_up", route_server=name) == up:
        return samples
    return None


def _reading(url: str, route_server: str) -> Samples | None:
    samples = _scrape_quiet(url)
    if samples and value(samples, "ztix_route_server_up", route_server=route_server) is not None:
        return samples
    return None


def _after(url: str, cycle: float) -> Samples | None:
    samples = _scrape_quiet(url)
    newer = (value(samples or {}, "ztix_exporter_last_cycle_timestamp_seconds") or 0) > cycle
    return samples if newer else None


def _cache_down(url: str) -> Samples | None:
    samples = _scrape_quiet(url)
    up = value(samples or {}, "ztix_rtr_cache_up", route_server="rs1", cache="rtr1")
    return samples if up == 0 else None


def _scrape_quiet(url: str) -> Samples | None:
    try:
        return scrape(url)
    except httpx.HTTPError:
        return None
