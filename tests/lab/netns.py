"""Network namespaces for lab tests: one bridge namespace and one namespace per router.

Every name starts with PREFIX, so a crashed run's leftovers are found and removed by name.
Only addresses inside these namespaces (and loopback) are ever used.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Sequence

import pytest

PREFIX = "ztl-"


def run(*args: str, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """Run a command, failing with its stderr."""
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done


def require_lab() -> None:
    """Skip unless root with `ip netns`; in CI (where .ci/run runs as root) fail instead."""
    problem = None
    if os.geteuid() != 0:
        problem = "the lab needs root for network namespaces"
    elif shutil.which("ip") is None:
        problem = "iproute2 is not installed"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)


def existing() -> list[str]:
    """Namespaces of ours that exist now."""
    out = run("ip", "netns", "list").stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(PREFIX)]


def kill_inside(name: str) -> None:
    """Kill every process still running in namespace `name`."""
    pids = run("ip", "netns", "pids", name, check=False).stdout.split()
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), 9)


def cleanup() -> None:
    """Remove every namespace of ours (and anything left running in it)."""
    for name in existing():
        kill_inside(name)
        run("ip", "netns", "delete", name, check=False)
    deadline = time.monotonic() + 10
    while existing() and time.monotonic() < deadline:
        time.sleep(0.1)


class Lan:
    """A bridge in its own namespace with routers attached by veth pairs."""

    def __init__(self, tag: str) -> None:
        self.switch = f"{PREFIX}{tag}-sw"
        self.routers: list[str] = []
        run("ip", "netns", "add", self.switch)
        self.exec_in(self.switch, "ip", "link", "set", "lo", "up")
        self.exec_in(
            self.switch,
            "ip",
            "link",
            "add",
            "br0",
            "type",
            "bridge",
            "stp_state",
            "0",
            "forward_delay",
            "0",
        )
        self.exec_in(self.switch, "ip", "link", "set", "br0", "up")

    @staticmethod
    def exec_in(ns: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a command inside namespace `ns`."""
        return run("ip", "netns", "exec", ns, *args)

    def add_router(self, name: str, addresses: Sequence[str]) -> str:
        """Create namespace PREFIX+name with eth0 on the bridge and the given addresses."""
        ns = f"{PREFIX}{name}"
        run("ip", "netns", "add", ns)
        self.routers.append(ns)
        port = f"p-{name}"[:15]
        run(
            "ip",
            "link",
            "add",
            "eth0",
            "netns",
            ns,
            "type",
            "veth",
            "peer",
            "name",
            port,
            "netns",
            self.switch,
        )
        self.exec_in(self.switch, "ip", "link", "set", port, "master", "br0")
        self.exec_in(self.switch, "ip", "link", "set", port, "up")
        self.exec_in(ns, "ip", "link", "set", "lo", "up")
        for address in addresses:
            extra = ["nodad"] if ":" in address else []
            self.exec_in(ns, "ip", "addr", "add", address, "dev", "eth0", *extra)
        # No duplicate address detection, for the link-local address too: a tentative fe80::
        # would be missing when BGP starts (members send it as a second IPv6 next hop).
        self.exec_in(ns, "sysctl", "-qw", "net.ipv6.conf.eth0.accept_dad=0")
        self.exec_in(ns, "ip", "link", "set", "eth0", "up")
        return ns
