"""The read-only route-server adapter: one SSH connection per query, each show command fed to
a `birdc -r` of its own on standard input, bounded in time, answers cached briefly."""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Sequence

import asyncssh

from ztix.adapters.memo import AsyncMemo
from ztix.adapters.routeserver.ssh import connect, flat, why
from ztix.bird.state import answer_of
from ztix.ports.deploy import DeployError, DeploySettings, Target
from ztix.ports.status import StatusError


class SshBirdReader:
    """`BirdReader` over SSH with the status key (its authorized_keys line forces `birdc -r`)."""

    def __init__(self, key: asyncssh.SSHKey, settings: DeploySettings, ttl: float = 0.0) -> None:
        self.key = key
        self.settings = settings
        # Answers reused for `ttl` seconds (the portal: page views cannot load BIRD).
        self._memo: AsyncMemo[tuple[str, tuple[str, ...]], list[str]] = AsyncMemo(ttl, 256)

    async def query(self, target: Target, commands: Sequence[str]) -> list[str]:
        """Each command's answer, in order (from the memo when fresh)."""
        bound = self.settings.command_timeout + 5
        return await self._memo.get(
            (target.name, tuple(commands)),
            lambda: asyncio.wait_for(self._query(target, commands), bound),
        )

    async def _query(self, target: Target, commands: Sequence[str]) -> list[str]:
        for command in commands:
            if "\n" in command or not command.startswith("show "):
                raise ValueError(f"not a show command: {command!r}")
        try:
            conn = await connect(target, self.key, self.settings.connect_timeout)
        except DeployError as exc:
            raise StatusError(str(exc)) from None
        try:
            # The status key's forced command runs `birdc -r` whatever is asked; asking for it
            # too makes an unrestricted key (the deploy key) read the same way.
            # One channel per command on the one connection: birdc's echo of a command fed on
            # stdin is redrawn for long lines, so answers are not split out of one stream.
            return list(await asyncio.gather(*(self._one(conn, target, c) for c in commands)))
        finally:
            conn.close()

    async def _one(self, conn: asyncssh.SSHClientConnection, target: Target, command: str) -> str:
        birdc = shlex.join(["birdc", "-r", "-s", target.control_socket])
        try:
            done = await asyncio.wait_for(
                conn.run(birdc, input=f"{command}\n", check=False), self.settings.command_timeout
            )
        except (OSError, asyncssh.Error, TimeoutError) as exc:
            raise StatusError(f"{target.name}: reading BIRD failed: {why(exc)}") from None
        out = done.stdout if isinstance(done.stdout, str) else ""
        if "Unable to connect to server" in out:
            raise StatusError(f"{target.name}: birdc cannot reach BIRD: {flat(out)[:200]}")
        try:
            return answer_of(out)
        except ValueError as exc:
            err = done.stderr if isinstance(done.stderr, str) else ""
            raise StatusError(f"{target.name}: {exc}; {flat(out + err)[:200]}") from None
