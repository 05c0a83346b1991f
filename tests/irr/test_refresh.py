"""`ztix irr refresh` with the real bgpq4 against a stand-in whois server: what is written,
held back and kept, every failure shape bgpq4 shows, and the bound on parallel runs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.birdtools import require
from tests.conftest import write_repo
from tests.irr.fixtures import ONE, irr_repo
from tests.irr.standin import Registry, StandIn, standin
from ztix.adapters.irr.bgpq4 import Bgpq4Resolver
from ztix.cli import main
from ztix.irr.refresh import judge
from ztix.load.loader import load
from ztix.models import Irr, IrrData, IrrServer
from ztix.ports.irr import IrrError, IrrNotFound, IrrUnavailable

SETTINGS = Irr(servers=(IrrServer(host="127.0.0.1"),), sources=("LABA", "LABB"))


def registry() -> Registry:
    return Registry(
        sets={
            "LABA": {
                "AS-ONE": ["AS64500", "AS-ONE-CUST"],
                "AS-ONE-CUST": ["AS64510", "AS-ONE"],  # a loop
                "AS-EMPTY": [],
            },
            "LABB": {"AS-ONE": ["AS64999"], "AS-TWO": ["AS64501"]},
        },
        routes={
            "LABA": {
                64500: ["5.5.0.0/16", "23.1.0.0/16", "2a0b:1::/32"],
                64510: ["23.20.0.0/24"],
            },
            "LABB": {64501: ["23.7.7.0/24"], 64999: ["6.6.0.0/16"]},
        },
    )


@pytest.fixture
def server() -> Iterator[StandIn]:
    require("bgpq4")
    with standin(registry(), ["LABA", "LABB"]) as running:
        yield running


def resolver(server: StandIn, timeout: float = 5, extra: int | None = None) -> Bgpq4Resolver:
    servers = [IrrServer(host="127.0.0.1", port=server.port)]
    if extra is not None:
        servers.insert(0, IrrServer(host="127.0.0.1", port=extra))
    return Bgpq4Resolver(servers, ("LABA", "LABB"), timeout=timeout, special_asns=True)


# ---------------------------------------------------------------------------- the adapter


def test_nested_looping_and_source_qualified_sets_expand(server: StandIn) -> None:
    found = asyncio.run(resolver(server).expand("AS-ONE"))
    assert found.origins == {64500, 64510}  # LABA's AS-ONE wins over LABB's (source order)
    assert found.ipv4 == {"5.5.0.0/16", "23.1.0.0/16", "23.20.0.0/24"}
    assert found.ipv6 == {"2a0b:1::/32"}
    qualified = asyncio.run(resolver(server).expand("LABB::AS-ONE"))
    assert qualified.origins == {64999} and qualified.ipv4 == {"6.6.0.0/16"}
    asn = asyncio.run(resolver(server).expand("AS64510"))
    assert asn.origins == {64510} and asn.ipv4 == {"23.20.0.0/24"}


def test_a_missing_set_is_not_an_empty_one(server: StandIn) -> None:
    empty = asyncio.run(resolver(server).expand("AS-EMPTY"))
    assert empty.origins == set() and empty.ipv4 == set()
    with pytest.raises(IrrNotFound, match="AS-NOPE exists in none of the sources LABA, LABB"):
        asyncio.run(resolver(server).expand("AS-NOPE"))


@pytest.mark.parametrize(
    ("mode", "error", "message"),
    [
        ("error", IrrError, "Error expanding !gas64510"),
        ("cut", IrrUnavailable, "bgpq4 exited"),
        ("silent", IrrUnavailable, "no answer within 1 s"),
    ],
)
def test_every_failure_shape_is_an_error_never_an_empty_list(
    server: StandIn, mode: str, error: type[Exception], message: str
) -> None:
    server.mode = mode  # type: ignore[assignment]
    started = time.monotonic()
    with pytest.raises(error, match=message):
        asyncio.run(resolver(server, timeout=1).expand("AS64510"))
    assert time.monotonic() - started < 10  # bounded, even against a server that never answers


def test_a_server_that_is_down_falls_over_to_the_next(server: StandIn) -> None:
    found = asyncio.run(resolver(server, extra=1).expand("AS64510"))
    assert found.server == f"127.0.0.1:{server.port}"
    down = Bgpq4Resolver([IrrServer(host="127.0.0.1", port=1)], ("LABA",), timeout=2)
    with pytest.raises(IrrUnavailable, match=r"127\.0\.0\.1:1\b"):
        asyncio.run(down.expand("AS64510"))


def test_an_unknown_source_is_an_error(server: StandIn) -> None:
    wrong = Bgpq4Resolver(
        [IrrServer(host="127.0.0.1", port=server.port)], ("NOPE",), timeout=2, special_asns=True
    )
    with pytest.raises(IrrError, match="sources are unavailable"):
        asyncio.run(wrong.expand("AS-ONE"))


# ---------------------------------------------------------------------------- the guards


def grown(count: int, family: str = "ipv4") -> IrrData:
    prefixes = tuple(f"{20 + i // 256}.{i % 256}.0.0/16" for i in range(count))
    return ONE.model_copy(update={family: prefixes})


def test_growth_beyond_the_factor_and_allowance_is_held_for_review() -> None:
    small = grown(10)
    assert judge(small, grown(1010), SETTINGS).status == "updated"  # +1000: the allowance
    held = judge(small, grown(1011), SETTINGS)
    assert held.status == "held" and held.data is None
    assert "ipv4 grew from 10 to 1011" in held.detail and "--accept AS64500" in held.detail
    assert judge(small, grown(1011), SETTINGS, accept=True).status == "updated"
    big = grown(2000)
    assert judge(big, grown(6000), SETTINGS).status == "updated"  # 3x
    assert judge(big, grown(6001), SETTINGS).status == "held"


def test_a_list_shrinking_to_nothing_or_past_the_cap_is_held() -> None:
    capped = SETTINGS.model_copy(update={"max_prefixes": 100, "growth_allowance": 10_000})
    assert "ipv4 shrank from 10 to nothing" in judge(grown(10), grown(0), SETTINGS).detail
    assert "ipv4 101 > 100" in judge(grown(10), grown(101), capped).detail
    assert judge(None, grown(101), capped).status == "held"
    new = judge(None, grown(0).model_copy(update={"ipv6": ()}), SETTINGS)
    assert new.status == "new" and "registers nothing yet" in new.detail


def test_unchanged_registrations_write_nothing() -> None:
    later = ONE.model_copy(update={"refreshed": "2026-12-02T06:00:00Z"})
    decision = judge(ONE, later, SETTINGS)
    assert decision.status == "unchanged" and decision.data is None


# ---------------------------------------------------------------------------- the command


def repo_at(tmp_path: Path, port: int, extra: str = "") -> Path:
    files = irr_repo(extra=extra, data={}, port=port)
    files["peers/AS64501.yaml"] += "as_set: AS-TWO\n"
    return write_repo(tmp_path, files)


def test_refresh_writes_then_writes_nothing_then_keeps_data_when_the_server_fails(
    tmp_path: Path, server: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo_at(tmp_path, server.port)
    assert main(["irr", "refresh", "--repo", str(root)]) == 0
    out = capsys.readouterr().out
    assert "new       AS64500: 1 origins, 2 IPv4, 1 IPv6\n" in out
    assert "new       AS64501: 1 origins, 1 IPv4, 0 IPv6\n" in out
    assert out.endswith("irr refresh: 2 new\n")
    data = load(root).irr_data()
    assert data[64500].origins == ("64500",)
    assert data[64500].ipv4 == ("5.5.0.0/16", "23.1.0.0/16")
    assert data[64501].expanded == ("AS-TWO",) and data[64501].ipv4 == ("23.7.7.0/24",)
    files = {p: p.read_bytes() for p in (root / "irr").iterdir()}
    stamps = {p: p.stat().st_mtime_ns for p in files}
    # Nothing changed in the IRR: nothing is written (no new timestamp either).
    assert main(["irr", "refresh", "--repo", str(root)]) == 0
    assert "irr refresh: 2 unchanged" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in files} == stamps
    # The server fails: exit 3, and every file is as it was.
    server.mode = "error"
    assert main(["irr", "refresh", "--repo", str(root)]) == 3
    captured = capsys.readouterr()
    assert "failed    AS64500:" in captured.out and "(previous data kept)" in captured.out
    assert {p: p.read_bytes() for p in files} == files
    # The IRR changes: only that member's file is written.
    server.mode = "ok"
    server.registry.routes["LABA"][64500].append("23.2.0.0/16")
    assert main(["irr", "refresh", "--repo", str(root), "--asn", "AS64500"]) == 0
    assert "updated   AS64500: ipv4 +1/-0" in capsys.readouterr().out
    assert load(root).irr_data()[64500].ipv4 == ("5.5.0.0/16", "23.1.0.0/16", "23.2.0.0/16")
    assert (root / "irr" / "AS64501.yaml").read_bytes() == files[root / "irr" / "AS64501.yaml"]


def test_a_held_refresh_is_taken_with_accept(
    tmp_path: Path, server: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo_at(tmp_path, server.port, extra="  growth_factor: 1\n  growth_allowance: 0\n")
    assert main(["irr", "refresh", "--repo", str(root)]) == 0
    server.registry.routes["LABB"][64501].append("23.7.8.0/24")
    assert main(["irr", "refresh", "--repo", str(root)]) == 0
    out = capsys.readouterr().out
    assert "held      AS64501: ipv4 +1/-0 held back: ipv4 grew from 1 to 2" in out
    assert load(root).irr_data()[64501].ipv4 == ("23.7.7.0/24",)
    assert main(["irr", "refresh", "--repo", str(root), "--accept", "AS64501"]) == 0
    assert load(root).irr_data()[64501].ipv4 == ("23.7.7.0/24", "23.7.8.0/24")


def test_no_more_bgpq4_runs_at_once_than_jobs(tmp_path: Path, server: StandIn) -> None:
    files = irr_repo(data={}, port=server.port, extra="  jobs: 2\n")
    for n, asn in enumerate((64496, 64497, 64498, 64499, 64502, 64503, 64504, 64505)):
        files[f"peers/AS{asn}.yaml"] = (
            f"asn: {asn}\nname: Member {n}\ncontact: noc@m{n}.example\nconnections:\n"
            f"  - zerotier_node_id: b00000000{n}\n    ipv4: 10.0.0.{40 + n}\n"
        )
    root = write_repo(tmp_path, files)
    server.delay = 0.05  # every connection stays open a little: runs overlap
    assert main(["irr", "refresh", "--repo", str(root)]) == 0
    assert server.most == 2  # irr.jobs: 2 members at once, one bgpq4 run each
