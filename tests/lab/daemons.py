"""Start and stop lab daemons (BIRD, stayrtr) inside namespaces, and talk to BIRD."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from tests.birdtools import by_prefix
from tests.procs import stop
from ztix.bird.routes import Route, parse_routes

T = TypeVar("T")


class Daemon:
    """A foreground process in a namespace, with its output in a log file."""

    def __init__(self, ns: str, argv: list[str], log: Path) -> None:
        self.log = log
        self._out = log.open("w")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, *argv], stdout=self._out, stderr=subprocess.STDOUT
        )

    def signal(self, sig: signal.Signals) -> None:
        """Send a signal (e.g. SIGHUP to stayrtr to re-read its file)."""
        self.proc.send_signal(sig)

    def stop(self) -> None:
        """Terminate, then kill after 5 s; always reap the process."""
        stop(self.proc)
        self._out.close()


class Bird(Daemon):
    """A BIRD in the foreground with its own control socket."""

    def __init__(
        self, ns: str, config: Path, workdir: Path, name: str, binary: str = "bird"
    ) -> None:
        self.socket = workdir / f"{name}.ctl"
        self.config = config
        # birdc beside the bird binary (a newer BIRD's own client), else the one on PATH.
        sibling = Path(binary).with_name("birdc")
        self.birdc = str(sibling) if "/" in binary and sibling.exists() else "birdc"
        super().__init__(
            ns,
            [
                binary,
                "-f",
                "-c",
                str(config),
                "-s",
                str(self.socket),
                "-P",
                str(workdir / f"{name}.pid"),
            ],
            workdir / f"{name}.log",
        )

    def cmd(self, *words: str, check: bool = True) -> str:
        """One birdc command; the socket is a file, reachable from any namespace."""
        done = subprocess.run(
            [self.birdc, "-s", str(self.socket), *words],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"birdc {' '.join(words)}: {done.stdout}{done.stderr}")
        return done.stdout

    def protocol(self, name: str) -> dict[str, str]:
        """State, since and info of one protocol, from `show protocols all`."""
        out = self.cmd("show", "protocols", "all", name)
        match = re.search(rf"^{re.escape(name)}\s+\S+\s+\S+\s+(\S+)\s+(\S+ \S+)\s*(.*)$", out, re.M)
        if not match:
            raise RuntimeError(f"no protocol {name}: {out}")
        return {
            "state": match.group(1),
            "since": match.group(2),
            "info": match.group(3).strip(),
            "all": out,
        }

    def routes(self, *args: str) -> dict[str, Route]:
        """prefix -> its primary route, from `show route ... all` (BIRD 2 or 3 spelling)."""
        return by_prefix(parse_routes(self.cmd("show", "route", *args, "all")))


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 30, step: float = 0.2) -> T:
    """Poll `probe` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            result = probe()
        except RuntimeError as exc:  # the daemon may not answer yet
            result, last = None, exc
        if result:
            return result
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last error: {last})")
