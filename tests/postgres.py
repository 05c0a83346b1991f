"""A real PostgreSQL for tests: its own cluster, started as a plain process (as `nobody`:
PostgreSQL refuses root), on a loopback TCP port, with password authentication for the user
`ztix`. It can be stopped and started again on the same port and data (an outage)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.irr.irrd import AS_NOBODY, _pg_bin, free_port

PASSWORD = "pg-test-password"


class Postgres:
    """One cluster with the database `ztix`; `url` connects as `ztix` with its password."""

    def __init__(self) -> None:
        # Not under pytest's tmp dir: that is root-only (0700) and PostgreSQL runs as nobody.
        self.dir = Path(tempfile.mkdtemp(prefix="ztix-pg-"))
        self.dir.chmod(0o755)
        self.data = self.dir / "data"
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        try:
            self._init()
            self.start()
            self._run(
                _pg_bin("psql"), "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "ztix",
                "-d", "postgres", "-c", "CREATE DATABASE ztix",
                env={"PGPASSWORD": PASSWORD},
            )  # fmt: skip
        except BaseException:
            self.close()
            raise

    @property
    def url(self) -> str:
        """A libpq URL with the password (as an operator's ZTIX_PORTAL_STORE_URL holds it)."""
        return f"postgresql://ztix:{PASSWORD}@127.0.0.1:{self.port}/ztix"

    def _run(self, *argv: str, env: dict[str, str] | None = None) -> None:
        done = subprocess.run(
            [*AS_NOBODY, *argv], capture_output=True, text=True, timeout=120, check=False,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]}: {done.stdout}{done.stderr}")

    def _init(self) -> None:
        shutil.chown(self.dir, "nobody", "nogroup")
        secret = self.dir / "pw"
        secret.write_text(PASSWORD + "\n")
        shutil.chown(secret, "nobody", "nogroup")
        self._run(
            _pg_bin("initdb"), "-D", str(self.data), "-U", "ztix", "--pwfile", str(secret),
            "--auth=scram-sha-256", "-E", "UTF8", "--no-locale",
        )  # fmt: skip
        secret.unlink()

    def start(self) -> None:
        """Start (again) on the same port and data; returns once it accepts connections."""
        log = (self.dir / "postgres.log").open("ab")
        self.proc = subprocess.Popen(
            [
                *AS_NOBODY, _pg_bin("postgres"), "-D", str(self.data), "-p", str(self.port),
                "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.dir}",
                "-c", "fsync=off", "-c", "max_connections=200",
            ],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [_pg_bin("pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                check=False, timeout=10,
            )  # fmt: skip
            if ready.returncode == 0:
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited: {(self.dir / 'postgres.log').read_text()}")
            time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not come up in 30 s")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop it (SIGTERM: a smart shutdown of sessions; SIGKILL: a crash)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if sig == signal.SIGKILL:
            (self.data / "postmaster.pid").unlink(missing_ok=True)
        self.proc = None

    def close(self) -> None:
        """Stop it and remove its files."""
        # SIGINT: a fast shutdown (does not wait for clients to disconnect).
        self.stop(signal.SIGINT)
        shutil.rmtree(self.dir, ignore_errors=True)


def fresh_database(server: Postgres) -> str:
    """A new, empty database on `server` (one per test: nothing left from another); its URL."""
    import uuid  # noqa: PLC0415

    import psycopg  # noqa: PLC0415

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # a generated name, not input
    return server.url.rsplit("/", 1)[0] + f"/{name}"
