"""Benchmark: IRR filtering at scale (issue 13). 2,000 members, most with 1-50 prefixes, four
with 10,000-100,000 (as large networks have): load, render, `bird -p`, and a live `birdc
configure` after one member's IRR data changes (two member sessions established: only the
changed member's channel may reload); then `irr refresh` of 2,000 members against a real IRRd,
against the sum of bgpq4's own query times run serially, divided by the parallelism.

Run as root (namespaces; IRRd's daemons run as nobody):
    .venv/bin/python -m tests.benchmarks.bench_irr [--members 2000] [--refresh-members 2000]
        [--jobs 2,8] [--no-refresh]

Targets: render <= 1 s, bird -p <= 1 s, configure after one member's change <= 1 s with only
that member's routes re-evaluated; refresh within 2x of (serial bgpq4 sum / parallelism).
arouteserver's figures on this kind of machine (from the issue): its IRR build of 1,000 members
took 15 s, and its config 129 s to parse on BIRD 2.0.12.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.benchmarks.bench_render import bird_parse_seconds
from tests.benchmarks.synth import peer_asn, synthetic_files
from tests.irr.irrd import Irrd
from tests.lab import netns
from tests.lab.daemons import Bird, wait_for
from ztix.adapters.irr.bgpq4 import Bgpq4Resolver
from ztix.irr.files import irr_path, irr_text
from ztix.irr.refresh import refresh
from ztix.load.loader import load_files
from ztix.models import IrrData, IrrServer
from ztix.render.routeserver import repository_configs, session_name

LARGE = {1: 10_000, 2: 30_000, 3: 60_000, 4: 100_000}  # member index -> IPv4 prefixes
IRR_SECTION = "irr:\n  servers:\n    - host: 127.0.0.1\n      port: {port}\n  sources: [BENCH]\n"
MEMBER = """\
log stderr all;
router id {v4};
protocol device {{}}
protocol static s4 {{
  ipv4;
{routes}
}}
protocol bgp rs4 {{
  local {v4} as {asn};
  neighbor 10.64.0.1 as 64511;
  connect delay time 1;
  ipv4 {{ import none; export all; next hop self; }};
}}
"""


def sizes(index: int) -> tuple[int, int]:
    """(IPv4, IPv6) prefix counts of member `index`."""
    if index in LARGE:
        return LARGE[index], LARGE[index] // 10
    return 1 + (index * 37) % 50, index % 5


def member_prefixes(members: int) -> dict[int, tuple[list[str], list[str]]]:
    """Distinct /24s and /48s per member (index -> (v4, v6)), in canonical order."""
    out: dict[int, tuple[list[str], list[str]]] = {}
    v4 = int(ipaddress.IPv4Address("20.0.0.0")) >> 8
    v6 = 0
    for index in range(1, members + 1):
        n4, n6 = sizes(index)
        four = [f"{ipaddress.IPv4Address((v4 + k) << 8)}/24" for k in range(n4)]
        six = [
            str(ipaddress.IPv6Network(((0x2A00 << 112) | ((v6 + k) << 80), 48))) for k in range(n6)
        ]
        v4, v6 = v4 + n4, v6 + n6
        out[index] = (four, six)
    return out


def exchange_files(members: int, port: int = 43) -> dict[str, str]:
    """The synthetic exchange with IRR filtering on and every member's IRR data."""
    files = synthetic_files(members, irr=IRR_SECTION.format(port=port))
    files["ix.yaml"] = files["ix.yaml"].replace(
        "\nrpki:", "\n    bird:\n      log: stderr\nrpki:", 1
    )
    for index, (four, six) in member_prefixes(members).items():
        files[irr_path(peer_asn(index))] = irr_text(data(index, four, six))
    return files


def data(
    index: int, four: list[str], six: list[str], stamp: str = "2026-12-01T06:00:00Z"
) -> IrrData:
    return IrrData(
        asn=peer_asn(index),
        expanded=(f"AS-MEMBER{index}",),
        sources=("BENCH",),
        refreshed=stamp,
        origins=(str(peer_asn(index)),),
        ipv4=tuple(four),
        ipv6=tuple(six),
    )


def static_part(members: int, workdir: Path) -> tuple[dict[str, str], Path]:
    files = exchange_files(members)
    entries = sum(sum(sizes(i)) for i in range(1, members + 1))
    start = time.perf_counter()
    repo = load_files(files)
    loaded = time.perf_counter() - start
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        text = repository_configs(repo)["rs1"]
        best = min(best, time.perf_counter() - start)
    config = workdir / "irr.conf"
    config.write_text(text)
    parse = min(bird_parse_seconds(config) for _ in range(3))
    print(f"members {members}, IRR entries {entries} (largest {max(LARGE.values())} IPv4)")
    print(f"  load + check every file       {loaded:7.3f} s")
    print(f"  render                        {best:7.3f} s   (target <= 1 s)")
    print(f"  bird -p                       {parse:7.3f} s   (target <= 1 s; arouteserver 129 s)")
    print(f"  config size                   {len(text) / 1e6:7.1f} MB")
    return files, config


def reconfigure_part(files: dict[str, str], config: Path, workdir: Path) -> None:
    if os.geteuid() != 0:
        print("  configure: skipped (needs root for namespaces)")
        return
    netns.cleanup()
    lan = netns.Lan("bi")
    daemons: list[Bird] = []
    try:
        rs_ns = lan.add_router("bi-rs", ["10.64.0.1/16", "fd00:64::1/64"])
        rs = Bird(rs_ns, config, workdir, "rs")
        daemons.append(rs)
        wait_for("the route server", lambda: "Daemon is up" in rs.cmd("show", "status"), 120)
        names: dict[int, str] = {}
        for index in (7, 8):
            v4 = f"10.64.1.{index}"
            prefixes = member_prefixes(8)[index][0]
            path = workdir / f"m{index}.conf"
            path.write_text(
                MEMBER.format(
                    v4=v4,
                    asn=peer_asn(index),
                    routes="\n".join(f"  route {p} blackhole;" for p in prefixes),
                )
            )
            ns = lan.add_router(f"bi-m{index}", [f"{v4}/16"])
            daemons.append(Bird(ns, path, workdir, f"m{index}"))
            names[index] = session_name(peer_asn(index), f"{0xA000000000 + index:010x}", "ipv4")
        for name in names.values():

            def established(name: str = name) -> bool:
                return "Established" in rs.protocol(name).get("info", "")

            wait_for(f"{name} established", established, 120)
        # Member 7's IRR data gains a prefix (a refresh merged): only its constants change.
        four, six = member_prefixes(8)[7]
        files = {**files, irr_path(peer_asn(7)): irr_text(data(7, [*four, "99.0.0.0/24"], six))}
        repo = load_files(files)
        config.write_text(repository_configs(repo)["rs1"])
        log = workdir / "rs.log"
        mark = log.stat().st_size
        start = time.perf_counter()
        reply = rs.cmd("configure")
        wait_for(
            "the reconfiguration",
            lambda: "Reconfiguration in progress" not in rs.cmd("show", "status"),
            60,
        )
        took = time.perf_counter() - start
        text = log.read_bytes()[mark:].decode("utf-8", "replace")
        reloads = sorted(
            {
                line.split("Reloading channel ")[1].strip()
                for line in text.splitlines()
                if "Reloading channel" in line
            }
        )
        changed = sorted(
            {
                line.split("Channel ")[1].split()[0]
                for line in text.splitlines()
                if "changed import" in line
            }
        )
        print(
            f"  configure after one member's IRR change  {took:.3f} s (target <= 1 s); "
            f"reply: {reply.strip().splitlines()[-1]}"
        )
        print(
            f"  channels reloaded (of 2 established): {reloads or changed} (expected only {names[7]}.ipv4)"
        )
    finally:
        for daemon in reversed(daemons):
            daemon.stop()
        netns.cleanup()


def rpsl(members: int) -> str:
    parts = []
    for index, (four, six) in member_prefixes(members).items():
        asn = peer_asn(index)
        parts.append(
            f"as-set: AS-MEMBER{index}\nmembers: AS{asn}\nmnt-by: MNT-BENCH\nsource: BENCH\n\n"
        )
        parts += [
            f"route: {p}\norigin: AS{asn}\nmnt-by: MNT-BENCH\nsource: BENCH\n\n" for p in four
        ]
        parts += [
            f"route6: {p}\norigin: AS{asn}\nmnt-by: MNT-BENCH\nsource: BENCH\n\n" for p in six
        ]
    return "".join(parts)


def refresh_part(members: int, jobs: list[int]) -> None:
    if os.geteuid() != 0:
        print("refresh: skipped (IRRd's daemons run as nobody: needs root)")
        return
    LARGE.pop(3), LARGE.pop(4)  # 10,000 and 30,000 stay: the IRRd load stays in minutes
    start = time.perf_counter()
    irrd = Irrd({"BENCH": rpsl(members)})
    print(f"refresh: {members} members; IRRd loaded in {time.perf_counter() - start:.0f} s")
    try:
        files = exchange_files(members, irrd.whois_port)
        for index in range(1, members + 1):
            files.pop(irr_path(peer_asn(index)))  # every member is new: every list is written
        repo = load_files(files)
        peers = [p.model for p in repo.peers]
        settings = repo.exchange.model.irr_filter
        assert settings is not None
        where = f"127.0.0.1:{irrd.whois_port}"
        runs = [
            ["bgpq4", "-h", where, "-S", "BENCH", "-j", "-l", "x", kind, "-p", name]
            for peer in peers
            for name in (f"AS-MEMBER{peer.asn - 4200000000}",)
            for kind in ("-t", "-4", "-6")
        ]
        serial = 0.0
        for argv in runs:
            began = time.perf_counter()
            subprocess.run(argv, capture_output=True, check=True, timeout=120)
            serial += time.perf_counter() - began
        print(f"  bgpq4 alone, serially ({len(runs)} runs)    {serial:7.2f} s")
        for job in jobs:
            began = time.perf_counter()
            with ThreadPoolExecutor(job) as pool:
                list(
                    pool.map(
                        lambda a: subprocess.run(a, capture_output=True, timeout=120, check=True),
                        runs,
                    )
                )
            alone = time.perf_counter() - began
            resolver = Bgpq4Resolver(
                [IrrServer(host="127.0.0.1", port=irrd.whois_port)],
                ("BENCH",),
                timeout=120,
                special_asns=True,
            )
            began = time.perf_counter()
            decisions = asyncio.run(
                refresh(settings, peers, {}, resolver, now="2026-12-01T06:00:00Z", jobs=job)
            )
            took = time.perf_counter() - began
            ok = sum(d.status == "new" for d in decisions)
            ideal = serial / job
            print(
                f"  --jobs {job:<2} irr refresh {took:6.2f} s ({ok}/{members} new); "
                f"serial / {job} = {ideal:.2f} s, ratio {took / ideal:.2f} (target <= 2); "
                f"bgpq4 alone {job} at once {alone:.2f} s, ratio {took / alone:.2f}"
            )
    finally:
        irrd.stop()


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--refresh-members", type=int, default=2000)
    parser.add_argument("--jobs", default="2,8")
    parser.add_argument("--no-refresh", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        files, config = static_part(args.members, workdir)
        reconfigure_part(files, config, workdir)
    if not args.no_refresh:
        refresh_part(args.refresh_members, [int(j) for j in args.jobs.split(",")])


if __name__ == "__main__":
    main()
