"""Benchmark: provision 1,000 new members, then a no-op rerun, against the local controller fake.

Run: .venv/bin/python -m tests.benchmarks.bench_zerotier [N]
Targets (issue 4): the no-op rerun makes 0 writes; the first run is within 3x of the server's
per-call latency floor (a fresh connection per call). The fake can add the ~40 ms that the real
controller costs per request on a reused keep-alive connection (LAB-NOTES), to show why the
controller client opens a fresh connection per request.
"""

from __future__ import annotations

import asyncio
import http.client
import subprocess
import sys
import time

from tests.benchmarks.synth import synthetic_files
from ztix.loader import load_files
from ztix.zerotier import run
from ztix.zerotier.controller import ControllerProvider

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
