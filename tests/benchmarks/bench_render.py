"""Benchmark: render N peers, parse with `bird -p`, compare with arouteserver, time a reconfigure.

Run (as root for the reconfigure part, which uses a network namespace):
    .venv/bin/python -m tests.benchmarks.bench_render [--sizes 100,1000,2000,5000]
        [--arouteserver /path/to/arouteserver] [--ars-max 2000] [--reconfigure 1000]

Targets (issue 3): render of 2,000 peers <= 0.5 s; `bird -p` of 2,000 peers <= 0.5 s and at
least 100x faster than arouteserver's equivalent (RPKI via RTR, no IRR, no network fetches);
parse time linear in N; reconfigure after a one-peer change with 1,000 peers <= 1 s, restarting
only that peer's protocol. arouteserver is optional: install it in any virtualenv and pass its
path (it is not a dependency of ZT-IX).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.benchmarks.ars import arouteserver_build
from tests.benchmarks.synth import peer_asn, synthetic_files
from ztix.load.loader import load_files
from ztix.render.routeserver import render_all, session_name


def bird_parse_seconds(config: Path) -> float:
    """Wall time of `bird -p -c config`; raises if BIRD rejects it."""
    start = time.perf_counter()
    done = subprocess.run(
        ["bird", "-p", "-c", str(config)], capture_output=True, text=True, timeout=3600, check=False
    )
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"bird -p rejected {config}: {done.stderr}")
    return took


def ztix_case(n: int, workdir: Path) -> tuple[float, float, Path]:
    """(render seconds, bird -p seconds, config path) for N peers."""
    files = synthetic_files(n)
    repo = load_files(files)
    peers = [p.model for p in repo.peers]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        text = render_all(repo.exchange.model, peers)["rs1"]
        best = min(best, time.perf_counter() - start)
    path = workdir / f"ztix-{n}.conf"
    path.write_text(text)
    parse = min(bird_parse_seconds(path) for _ in range(3))
    return best, parse, path


def arouteserver_case(n: int, ars: str, workdir: Path) -> float | str:
    """bird -p seconds of arouteserver's config for the same N clients, or why not."""
    built = arouteserver_build(n, ars, workdir)
    if isinstance(built, str):
        return built
    return bird_parse_seconds(built[0])


def reconfigure_case(n: int, workdir: Path) -> str:
    """Start BIRD on an N-peer config in a namespace, change one peer, time `birdc configure`."""
    if os.geteuid() != 0:
        return "skipped (needs root for a network namespace)"
    ns = "ztl-bench"
    sock = workdir / "bench.ctl"
    subprocess.run(["ip", "netns", "delete", ns], capture_output=True, check=False)
    subprocess.run(["ip", "netns", "add", ns], check=True)
    bird = None
    try:
        for cmd in (
            ["ip", "link", "set", "lo", "up"],
            ["ip", "link", "add", "lan0", "type", "veth", "peer", "name", "lan1"],
            ["ip", "link", "set", "lan1", "up"],
            ["ip", "addr", "add", "10.64.0.1/16", "dev", "lan0"],
            ["ip", "addr", "add", "fd00:64::1/64", "dev", "lan0", "nodad"],
            ["ip", "link", "set", "lan0", "up"],
        ):
            subprocess.run(["ip", "netns", "exec", ns, *cmd], check=True)
        files = synthetic_files(n)
        config = workdir / "live.conf"
        config.write_text(_render(files))
        bird = subprocess.Popen(
            ["ip", "netns", "exec", ns, "bird", "-f", "-c", str(config), "-s", str(sock)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_socket(sock)
        time.sleep(2)
        before = _since(sock)
        changed = 7
        path = f"peers/AS{peer_asn(changed)}.yaml"
        # A new peering address: BIRD must restart exactly this protocol (the neighbor changed).
        files[path] = files[path].replace("ipv4: 10.64.1.7\n", "ipv4: 10.64.200.7\n")
        assert "10.64.200.7" in files[path]
        config.write_text(_render(files))
        start = time.perf_counter()
        reply = subprocess.run(
            ["birdc", "-s", str(sock), "configure"],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        ).stdout
        took = time.perf_counter() - start
        after = _since(sock)
        restarted = sorted(name for name in before if after.get(name) != before[name])
        target = session_name(peer_asn(changed), f"{0xA000000000 + changed:010x}", "ipv4")
        ok = "Reconfigur" in reply  # "Reconfigured" or "Reconfiguration in progress"
        return (
            f"{took:.3f} s for `birdc configure` with {n} peers ({2 * n} sessions); "
            f"reply ok={ok} ({reply.strip().splitlines()[-1]}); restarted: {restarted} (expected only {target})"
        )
    finally:
        if bird is not None:
            bird.terminate()
            bird.wait(timeout=10)
        subprocess.run(["ip", "netns", "delete", ns], capture_output=True, check=False)


def _render(files: dict[str, str]) -> str:
    repo = load_files(files)
    return render_all(repo.exchange.model, [p.model for p in repo.peers])["rs1"]


def _wait_socket(sock: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = subprocess.run(
            ["birdc", "-s", str(sock), "show", "status"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        if "Daemon is up" in done.stdout:
            return
        time.sleep(0.2)
    raise RuntimeError("BIRD did not come up")


def _since(sock: Path) -> dict[str, str]:
    out = subprocess.run(
        ["birdc", "-s", str(sock), "show", "protocols"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    found = re.findall(r"^(AS\S+)\s+BGP\s+\S+\s+\S+\s+(\S+ \S+)", out, re.M)
    return dict(found)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,2000,5000")
    parser.add_argument("--arouteserver", default=shutil.which("arouteserver"))
    parser.add_argument("--ars-max", type=int, default=2000, help="largest N to run arouteserver")
    parser.add_argument("--reconfigure", type=int, default=1000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        print(
            f"{'peers':>6} {'render':>9} {'bird -p':>9} {'per peer':>9} {'arouteserver bird -p':>22}"
            f" {'speed-up':>9}"
        )
        for n in sizes:
            render, parse, _ = ztix_case(n, workdir)
            ars: float | str = "not installed"
            if args.arouteserver and n <= args.ars_max:
                ars = arouteserver_case(n, args.arouteserver, workdir)
            elif args.arouteserver:
                ars = f"skipped (N > {args.ars_max})"
            ars_text = f"{ars:.3f} s" if isinstance(ars, float) else ars
            speed = f"{ars / parse:.0f}x" if isinstance(ars, float) else "-"
            print(
                f"{n:>6} {render:>7.3f} s {parse:>7.3f} s {parse / n * 1e6:>6.0f} us "
                f"{ars_text:>22} {speed:>9}",
                flush=True,
            )
        if args.reconfigure:
            print("reconfigure:", reconfigure_case(args.reconfigure, workdir))


if __name__ == "__main__":
    main()
