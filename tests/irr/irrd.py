"""A real IRRd 4 for tests: its own PostgreSQL cluster and Redis, started as plain processes.

IRRd comes from its own virtual environment (ZTIX_TEST_IRRD, default /opt/irrd; `.ci/run`
makes it), PostgreSQL and Redis from Debian. PostgreSQL refuses to run as root and IRRd refuses
root without user/group settings, so every daemon runs as `nobody` (`setpriv` keeps the pid).
Everything listens on loopback or unix sockets only, in a directory made for the run.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

AS_NOBODY = ["setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups", "--"]

CONFIG = """\
irrd:
  database_url: "postgresql://irrd@/irrd?host={sock}&port={pg_port}"
  redis_url: "unix://{redis}"
  piddir: {piddir}
  server:
    whois: {{interface: 127.0.0.1, port: {whois_port}, max_connections: 12}}
    http: {{interface: 127.0.0.1, port: {http_port}, url: "http://127.0.0.1:{http_port}/",
            workers: 1}}
  rpki: {{roa_source: null}}
  email: {{from: irrd@example.net, smtp: localhost}}
  auth: {{gnupg_keyring: {gpg}}}
  sources_default: [{sources}]
  sources:
{source_blocks}
"""


def _irrd_bin(name: str) -> str:
    path = Path(os.environ.get("ZTIX_TEST_IRRD", "/opt/irrd")) / "bin" / name
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing; .ci/run must install IRRd into its own venv")
        pytest.skip(f"IRRd is not installed ({path}); see .ci/run")
    return str(path)


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; .ci/run must install it")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    return found[-1]


def free_port() -> int:
    """A free loopback TCP port below the ephemeral range (LAB-NOTES: below 32768)."""
    for _ in range(200):
        port = 20000 + int.from_bytes(os.urandom(2), "big") % 12000
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below 32768")


class Irrd:
    """IRRd with PostgreSQL and Redis; `load(source, rpsl)` replaces a source's objects."""

    def __init__(self, sources: dict[str, str]) -> None:
        if shutil.which("redis-server") is None:
            if os.environ.get("CI"):
                pytest.fail("redis-server is not installed; .ci/run must install it")
            pytest.skip("redis-server is not installed")
        self.procs: list[subprocess.Popen[bytes]] = []
        # Not under pytest's tmp dir: that is root-only (0700) and these daemons run as nobody.
        self.dir = Path(tempfile.mkdtemp(prefix="ztix-irrd-"))
        self.dir.chmod(0o755)
        self.sources = list(sources)
        self.whois_port = free_port()
        try:
            self._start(sources)
        except BaseException:
            self.stop()
            raise

    def _nobody(self, *argv: str, log: str | None = None) -> subprocess.Popen[bytes]:
        out = (self.dir / log).open("wb") if log else subprocess.DEVNULL
        proc = subprocess.Popen(
            [*AS_NOBODY, *argv], stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs.append(proc)
        return proc

    def _run(self, *argv: str) -> None:
        done = subprocess.run(
            [*AS_NOBODY, *argv], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]}: {done.stdout}{done.stderr}")

    def _start(self, sources: dict[str, str]) -> None:
        pg, sock, piddir, gpg = (self.dir / n for n in ("pg", "sock", "pid", "gpg"))
        for folder in (pg, sock, piddir, gpg):
            folder.mkdir()
        shutil.chown(self.dir, "nobody", "nogroup")
        for folder in (pg, sock, piddir, gpg):
            shutil.chown(folder, "nobody", "nogroup")
        pg_port = free_port()
        self._run(
            _pg_bin("initdb"),
            "-D",
            str(pg),
            "-U",
            "irrd",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        )
        self._nobody(
            _pg_bin("postgres"),
            "-D",
            str(pg),
            "-k",
            str(sock),
            "-p",
            str(pg_port),
            "-c",
            "listen_addresses=",
            "-c",
            "fsync=off",
            log="postgres.log",
        )
        self._wait((sock / f".s.PGSQL.{pg_port}").exists, "PostgreSQL")
        self._run(_pg_bin("createdb"), "-h", str(sock), "-p", str(pg_port), "-U", "irrd", "irrd")
        self._run(
            _pg_bin("psql"),
            "-q",
            "-h",
            str(sock),
            "-p",
            str(pg_port),
            "-U",
            "irrd",
            "irrd",
            "-c",
            "CREATE EXTENSION pgcrypto",
        )
        redis = self.dir / "redis.sock"
        self._nobody(
            "redis-server",
            "--port",
            "0",
            "--unixsocket",
            str(redis),
            "--save",
            "",
            "--appendonly",
            "no",
            log="redis.log",
        )
        self._wait(redis.exists, "Redis")
        self.config = self.dir / "irrd.yaml"
        self.config.write_text(
            CONFIG.format(
                sock=sock,
                pg_port=pg_port,
                redis=redis,
                piddir=piddir,
                gpg=gpg,
                whois_port=self.whois_port,
                http_port=free_port(),
                sources=", ".join(self.sources),
                source_blocks="".join(f"    {name}: {{}}\n" for name in self.sources),
            )
        )
        self._run(_irrd_bin("irrd_database_upgrade"), "--config", str(self.config))
        self._nobody(
            _irrd_bin("irrd"), "--foreground", "--config", str(self.config), log="irrd.log"
        )
        self._wait(self._listening, "IRRd's whois server", timeout=60)
        # Load only once IRRd runs: every whois worker then takes the preload (the in-memory
        # index set queries use) from the notification that follows the load. Data loaded
        # before the start left some workers waiting forever, and bgpq4 hung on them.
        for name, rpsl in sources.items():
            self.load(name, rpsl)
        self.wait_loaded()

    def load(self, source: str, rpsl: str) -> None:
        """Replace every object of `source` with `rpsl` (IRRd serves it about a second later)."""
        path = self.dir / f"{source}-{time.monotonic_ns()}.rpsl"
        path.write_text(rpsl)
        shutil.chown(path, "nobody", "nogroup")
        self._run(
            _irrd_bin("irrd_load_database"),
            "--config",
            str(self.config),
            "--source",
            source,
            str(path),
        )

    def query(self, *commands: str, timeout: float = 20) -> str:
        """Send whois commands (`!i...`) in one connection; the raw reply."""
        with socket.create_connection(("127.0.0.1", self.whois_port), timeout=timeout) as s:
            s.sendall(("!!\n" + "".join(f"{c}\n" for c in commands) + "!q\n").encode())
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def _listening(self) -> bool:
        try:
            return self.query("!nztix-test", timeout=3).startswith("C")
        except OSError:
            return False

    def _preloaded(self) -> bool:
        # A set query waits for the worker's preload; each connection may reach another worker.
        try:
            return all(
                self.query("!iAS-ZTIX-READY,1", timeout=2).endswith("D\n") for _ in range(24)
            )
        except OSError:
            return False

    def wait_loaded(self) -> None:
        """Wait until every whois worker answers set queries (after a start or a load)."""
        time.sleep(1)  # the preload runs about a second after the load
        self._wait(self._preloaded, "IRRd's preload", timeout=60)

    def _wait(self, probe: Callable[[], bool], what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if probe():
                return
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"{what}: a daemon exited ({proc.args!r})")
            time.sleep(0.2)
        raise RuntimeError(f"{what} did not come up in {timeout} s")

    def stop(self) -> None:
        """Stop every daemon (their whole process groups) and remove the directory."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError):  # workers that outlived their parent
                os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)
