"""Benchmark: provision 1,000 new members, then a no-op rerun, against the local controller fake.

Run: .venv/bin/python -m tests.benchmarks.bench_zerotier [N]
Targets: the no-op rerun makes 0 writes; the first run is within 2x of the server's per-call
latency floor (a fresh connection per call) measured in the same run (issue 12; issue 4 asked
for 3x); with the controller down (nothing listening, or a black hole that accepts connections
and never answers) a run gives up after a bounded number of attempts, in under 30 s with the
default settings (ZTIX_HTTP_TIMEOUT 10 s, ZTIX_ZEROTIER_GIVE_UP 20 s). The fake can add the ~40 ms that the real
controller costs per request on a reused keep-alive connection (LAB-NOTES), to show why the
controller client opens a fresh connection per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

from tests.benchmarks.synth import synthetic_files
from ztix.adapters.zerotier.controller import ControllerProvider
from ztix.adapters.zerotier.http import Breaker
from ztix.apply import zerotier as run
from ztix.load.loader import load_files
from ztix.plan.zerotier import desired_members, desired_network, plan_members, plan_network
from ztix.settings.env import Settings

NWID = "1122334455667788"
CONCURRENCY = 4  # the controller default (ztix.settings)


class Server:
    """The controller fake in its own process (it must not share the client's GIL)."""

    def __init__(self, reuse_delay: float = 0.0) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.fakes.serve",
                "controller",
                "t",
                NWID[:10],
                str(reuse_delay),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()

    def close(self) -> None:
        """Stop the server process."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def floor(fake: Server, calls: int = 300) -> float:
    """Mean seconds per sequential GET on a fresh connection."""
    host, port = fake.url.removeprefix("http://").split(":")
    start = time.perf_counter()
    for _ in range(calls):
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", "/controller", headers={"X-ZT1-Auth": "t"})
        connection.getresponse().read()
        connection.close()
    return (time.perf_counter() - start) / calls


async def reconcile(fake: Server, n: int, keepalive: bool) -> tuple[float, int, int]:
    """(seconds, write calls, total calls) of one plan+apply run."""
    repo = load_files(synthetic_files(n))
    provider = ControllerProvider(fake.url, "t", network_id=NWID, keepalive=keepalive)
    start = time.perf_counter()
    try:
        planned = await run.plan(provider, repo.exchange.model, [p.model for p in repo.peers])
        result = await run.apply(provider, planned)
    finally:
        await provider.aclose()
    took = time.perf_counter() - start
    assert result.ok, result.failed[:3]
    writes = sum(1 for method, _, _ in provider.api.calls if method == "POST")
    return took, writes, len(provider.api.calls)


async def down(url: str, n: int) -> tuple[float, int, str]:
    """(seconds, attempts, the report) of an apply of n new members against a dead API."""
    defaults = Settings()
    repo = load_files(synthetic_files(n))
    exchange = repo.exchange.model
    planned = run.ZeroTierPlan(
        NWID,
        plan_network(desired_network(exchange), desired_network(exchange)),
        tuple(plan_members(desired_members(exchange, [p.model for p in repo.peers]), [])),
    )
    provider = ControllerProvider(
        url,
        "t",
        network_id=NWID,
        timeout=defaults.http_timeout,
        concurrency=defaults.zerotier_concurrency,
        breaker=Breaker(give_up=defaults.zerotier_give_up),
    )
    start = time.perf_counter()
    try:
        result = await run.apply(provider, planned, api_url=url)
    finally:
        await provider.aclose()
    return time.perf_counter() - start, len(provider.api.calls), "; ".join(result.problems())


@contextlib.contextmanager
def black_hole() -> Iterator[str]:
    """A port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def main(n: int) -> None:
    """Print the figures."""
    fake = Server()
    try:
        per_call = floor(fake)
        print(f"latency floor (fresh connection per call, sequential): {per_call * 1e3:.2f} ms")
        took, writes, calls = asyncio.run(reconcile(fake, n, keepalive=False))
        sequential = calls * per_call
        print(
            f"first run, {n} new members: {took:.2f} s, {writes} writes, {calls} calls "
            f"({took / sequential:.2f}x the sequential floor of {sequential:.2f} s; {CONCURRENCY} in flight)"
        )
        took, writes, calls = asyncio.run(reconcile(fake, n, keepalive=False))
        print(f"no-op rerun: {took:.3f} s, {writes} writes, {calls} calls")
    finally:
        fake.close()
    took, attempts, report = asyncio.run(down("http://127.0.0.1:1", n))
    print(f"controller down (refused): gave up after {attempts} attempts in {took:.2f} s: {report}")
    with black_hole() as url:
        took, attempts, report = asyncio.run(down(url, n))
    print(f"controller down (black hole): gave up after {attempts} attempts in {took:.2f} s")
    for keepalive in (False, True):
        fake = Server(reuse_delay=0.04)  # the real controller's cost of a reused connection
        try:
            took, writes, calls = asyncio.run(reconcile(fake, n, keepalive=keepalive))
            label = "keep-alive" if keepalive else "fresh connections"
            print(f"first run with a 40 ms reuse penalty, {label}: {took:.2f} s for {calls} calls")
        finally:
            fake.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
