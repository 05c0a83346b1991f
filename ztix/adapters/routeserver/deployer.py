"""The SSH deployer: every route server prepared before any changes, the canary first, the rest
in parallel; host keys pinned, each route server under its remote deploy lock.

With several route servers, prepare (learn, render, upload, `configure check`) runs on all of
them first: nothing changes anywhere unless every one is reachable, locked and accepts its new
config. Then the canary commits; the others commit, in parallel, only if the canary ended well.
A deploy interrupted after its file was replaced leaves a valid but unconfirmed file: the stamp
does not match, so the next apply deploys it again instead of skipping it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence

import asyncssh

from ztix.adapters.routeserver.change import Change
from ztix.adapters.routeserver.ssh import Remote, RemoteLock, connect, why
from ztix.ports.deploy import DeployError, DeployResult, DeploySettings, Render, Target

Hook = Callable[[str, str], Awaitable[None]]  # (route server, step)


class SshDeployer:
    """Deploys BIRD configs over SSH; host keys pinned, never learned."""

    def __init__(
        self,
        client_key: asyncssh.SSHKey | None,
        settings: DeploySettings | None = None,
        hook: Hook | None = None,
    ) -> None:
        self.client_key = client_key
        self.settings = settings or DeploySettings()
        self._hook = hook  # tests use it to cut a connection at a chosen step

    def _stepper(self, result: DeployResult) -> Callable[[str], Awaitable[None]]:
        async def step(name: str) -> None:
            result.steps.append(name)
            if self._hook is not None:
                await self._hook(result.route_server, name)

        return step

    async def status(self, target: Target, render: Render) -> DeployResult:
        """Compare the deployed config with the rendered one, changing nothing (drift, dry run)."""
        result = DeployResult(target.name, "unchanged")
        async with (
            await connect(target, self.client_key, self.settings.connect_timeout) as conn,
            conn.start_sftp_client() as sftp,
        ):
            change = Change(
                Remote(conn, target, self.settings), sftp, render, result, self._stepper(result)
            )
            why_not = await change.learn()
        if why_not:
            result.action, result.detail = "would-deploy", why_not
        if result.held:
            note = f"held down for max-prefix: {', '.join(result.held)}"
            result.detail = f"{result.detail}; {note}" if result.detail else note
        return result

    @contextlib.asynccontextmanager
    async def _opened(
        self, target: Target, result: DeployResult
    ) -> AsyncIterator[tuple[Remote, asyncssh.SFTPClient]]:
        """Connected (host key pinned), holding the route server's deploy lock, with SFTP."""
        step = self._stepper(result)
        async with await connect(target, self.client_key, self.settings.connect_timeout) as conn:
            await step("connected")
            remote = Remote(conn, target, self.settings)
            async with RemoteLock(remote), conn.start_sftp_client() as sftp:
                await step("locked")
                yield remote, sftp

    async def deploy_all(
        self,
        jobs: Sequence[tuple[Target, Render]],
        canary: str,
        lift: frozenset[str] = frozenset(),
    ) -> list[DeployResult]:
        """Prepare every route server, then the canary, then the rest at once."""
        results = {t.name: DeployResult(t.name, "failed") for t, _ in jobs}
        changes: dict[str, Change] = {}
        async with contextlib.AsyncExitStack() as stack:
            ready: set[str] = set()

            async def prepare(target: Target, render: Render) -> None:
                result = results[target.name]
                with _reported(target, result):
                    remote, sftp = await stack.enter_async_context(self._opened(target, result))
                    change = Change(remote, sftp, render, result, self._stepper(result), lift=lift)
                    if await change.prepare():
                        changes[target.name] = change
                    ready.add(target.name)  # prepared, or already current

            await asyncio.gather(*(prepare(t, r) for t, r in jobs))
            refused = sorted(name for name in results if name not in ready)
            if refused:
                await _hold_back(changes, f"{', '.join(refused)} failed before any change")
                return sorted(results.values(), key=lambda r: r.route_server)
            first = [changes[n] for n in changes if n == canary]
            for change in first:
                with _reported(change.remote.target, change.result):
                    await change.commit()
            if any(not change.result.ok for change in first):
                rest = {n: c for n, c in changes.items() if n != canary}
                await _hold_back(rest, f"the canary {canary} failed")
                return sorted(results.values(), key=lambda r: r.route_server)

            async def commit(change: Change) -> None:
                with _reported(change.remote.target, change.result):
                    await change.commit()

            await asyncio.gather(*(commit(c) for n, c in changes.items() if n != canary))
        return sorted(results.values(), key=lambda r: r.route_server)


async def _hold_back(changes: dict[str, Change], reason: str) -> None:
    """Withdraw prepared changes: remove their uploads and say why nothing was done."""
    for change in changes.values():
        with contextlib.suppress(OSError, asyncssh.Error):
            await change.abort()
        change.result.action = "skipped"
        change.result.detail = f"not deployed: {reason}; this route server was not changed"


@contextlib.contextmanager
def _reported(target: Target, result: DeployResult) -> Iterator[None]:
    """Turn a failed step into the result's action and detail instead of an exception."""
    try:
        yield
    except DeployError as exc:
        result.action, result.detail = "failed", str(exc)
    except (OSError, asyncssh.Error, TimeoutError) as exc:
        last = result.steps[-1] if result.steps else "connect"
        result.action = "failed"
        result.detail = (
            f"{target.name}: connection lost after step '{last}' ({why(exc)}); the live file is "
            "the old or the new config, never a partial one, and an unconfirmed reconfigure is "
            "undone by BIRD itself"
        )
