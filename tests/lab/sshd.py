"""A throwaway OpenSSH sshd on loopback for deploy tests (LAB-NOTES: sshd as root in a test)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

from tests.birdtools import require
from tests.procs import stop


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def keygen(path: Path) -> str:
    """Make an ed25519 key pair; return the public key as '<type> <base64>'."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(path)],
        check=True,
        timeout=30,
    )
    kind, blob = path.with_suffix(".pub").read_text().split()[:2]
    return f"{kind} {blob}"


class Sshd:
    """sshd in the foreground on 127.0.0.1:<port>, accepting one client key for root."""

    def __init__(self, workdir: Path, path: str | None = None) -> None:
        """`path`: PATH of the sessions (a newer BIRD's directory first), else sshd's default."""
        sshd = require("sshd")
        workdir.mkdir(parents=True, exist_ok=True)
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.host_key = keygen(workdir / "host_ed25519")
        self.client_public = keygen(workdir / "client_ed25519")
        self.client_key_path = workdir / "client_ed25519"
        (workdir / "authorized_keys").write_text(self.client_public + "\n")
        self.port = free_port()
        config = workdir / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\n"
            f"HostKey {workdir / 'host_ed25519'}\n"
            f"AuthorizedKeysFile {workdir / 'authorized_keys'}\n"
            f"PidFile {workdir / 'sshd.pid'}\n"
            "UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "AuthenticationMethods publickey\nSubsystem sftp internal-sftp\n"
            "MaxSessions 20\nMaxStartups 50\n" + (f"SetEnv PATH={path}\n" if path else "")
        )
        self.argv = [sshd, "-D", "-e", "-f", str(config)]
        self._launch()

    def _launch(self) -> None:
        self.log = (self.workdir / "sshd.log").open("a")
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"sshd did not start: {(self.workdir / 'sshd.log').read_text()}")

    def restart(self) -> None:
        """Start it again after `stop`: same port, keys and configuration."""
        self._launch()

    def add_key(self, name: str, options: str) -> Path:
        """Authorize one more client key with authorized_keys `options`; its private key."""
        path = self.workdir / name
        public = keygen(path)
        with (self.workdir / "authorized_keys").open("a") as keys:
            keys.write(f"{options} {public}\n")
        return path

    def known_hosts(self) -> Path:
        """A known_hosts file pinning this server's host key."""
        path = self.workdir / "known_hosts"
        path.write_text(f"[127.0.0.1]:{self.port} {self.host_key}\n")
        return path

    @property
    def user(self) -> str:
        """The login user (the tests run as root)."""
        return "root" if os.geteuid() == 0 else os.environ.get("USER", "root")

    def stop(self) -> None:
        """Stop sshd (and its per-connection children)."""
        stop(self.proc)
        self.log.close()
