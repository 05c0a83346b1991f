"""SSH plumbing for the deployer: a connection with the pinned host key, commands, `birdc`,
SFTP reads, and the remote deploy lock."""

from __future__ import annotations

import asyncio
import shlex
from typing import Any

import asyncssh

from ztix.models.exchange import LOCK
from ztix.ports.deploy import DeployError, DeploySettings, Target


async def connect(
    target: Target, key: asyncssh.SSHKey | None, timeout: float
) -> asyncssh.SSHClientConnection:
    """An SSH connection to the route server; its host key must be the one pinned in ix.yaml."""
    if key is None:
        raise DeployError("no SSH key: set ZTIX_SSH_KEY_FILE or ZTIX_SSH_KEY")
    try:
        return await asyncio.wait_for(
            asyncssh.connect(
                target.host,
                port=target.port,
                username=target.user,
                client_keys=[key],
                known_hosts=asyncssh.import_known_hosts(target.known_hosts()),
                agent_path=None,
                config=None,
                connect_timeout=timeout,
            ),
            timeout + 1,
        )
    except asyncssh.HostKeyNotVerifiable:
        raise DeployError(
            f"{target.name}: the host key of {target.host}:{target.port} is not the one "
            "pinned in ix.yaml; nothing was changed (update ssh.host_key only if the server "
            "was really re-keyed)"
        ) from None
    except (OSError, asyncssh.Error, TimeoutError) as exc:
        raise DeployError(f"{target.name}: cannot connect over SSH: {why(exc)}") from None


class Remote:
    """Commands on one route server over one connection."""

    def __init__(
        self, conn: asyncssh.SSHClientConnection, target: Target, settings: DeploySettings
    ) -> None:
        self.conn, self.target, self.settings = conn, target, settings

    async def run(self, *argv: str, check: bool = True) -> asyncssh.SSHCompletedProcess:
        """One command, without a login shell, bounded in time."""
        command = " ".join(shlex.quote(a) for a in argv)
        done = await asyncio.wait_for(
            self.conn.run(command, check=False), self.settings.command_timeout
        )
        if check and done.exit_status != 0:
            raise DeployError(f"`{command}` failed: {flat(output(done))}")
        return done

    async def birdc(self, *words: str) -> str:
        """One birdc command on the route server's control socket; its whole output."""
        done = await self.run("birdc", "-s", self.target.control_socket, *words, check=False)
        return output(done)


async def read(sftp: asyncssh.SFTPClient, path: str) -> str | None:
    """A remote file's text, or None if it does not exist."""
    try:
        async with sftp.open(path, "r") as handle:
            data = await handle.read()
    except asyncssh.SFTPNoSuchFile:
        return None
    return data if isinstance(data, str) else data.decode()


async def write(sftp: asyncssh.SFTPClient, path: str, text: str) -> None:
    """Write a remote file."""
    async with sftp.open(path, "w") as handle:
        await handle.write(text)


class RemoteLock:
    """`flock` held by a remote process for as long as we keep its stdin open (released by the
    remote kernel if we vanish)."""

    def __init__(self, remote: Remote) -> None:
        self.remote = remote
        self.process: asyncssh.SSHClientProcess[Any] | None = None

    async def __aenter__(self) -> None:
        wait = self.remote.settings.lock_wait
        lock = self.remote.target.config_path + LOCK
        command = (
            f"exec flock -w {wait} {shlex.quote(lock)} sh -c 'echo locked; exec cat >/dev/null'"
        )
        self.process = await self.remote.conn.create_process(command)
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), wait + 10)
        except TimeoutError:
            line = ""
        if line.strip() != "locked":
            self.process.close()
            raise DeployError(
                f"{self.remote.target.name}: another apply is deploying to this route server; "
                f"waited {wait} s for its lock ({lock}); try again when it has finished"
            )

    async def __aexit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.stdin.write_eof()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except (TimeoutError, asyncssh.Error, OSError):
                self.process.close()


def output(done: asyncssh.SSHCompletedProcess) -> str:
    """stdout and stderr of a finished remote command, as text."""
    return "".join(_text(part) for part in (done.stdout, done.stderr))


def flat(text: str) -> str:
    """birdc output on one line, without the banner, for messages."""
    lines = [line for line in text.splitlines() if not line.startswith("BIRD ")]
    return " / ".join(line.strip() for line in lines if line.strip())


def _text(data: object) -> str:
    if isinstance(data, bytes):
        return data.decode(errors="replace")
    return str(data or "")


def why(exc: BaseException) -> str:
    """An exception's message, or its type's name when it has none."""
    return str(exc) or type(exc).__name__
