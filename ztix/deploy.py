"""Deploy a BIRD config to a route server over SSH with a safe, reversible reload.

Per route server, under a remote lock (`flock`, released by the remote kernel if we vanish):
 1. read the live file and the stamp of the last confirmed deploy; same sha256 -> nothing to do;
 2. upload to `<live>.ztix-new` and `birdc configure check` it (a bad file never goes live);
 3. note which sessions are Established;
 4. keep the live file as `<live>.ztix-prev`, then rename the new file over it (atomic, so the
    live file is always either the old or the new config, never a partial one);
 5. `birdc configure "<live>" timeout N`: BIRD undoes the change by itself unless confirmed;
 6. health: BIRD answers, and the sessions of unchanged peers that were Established still are;
 7. `birdc configure confirm`, then write the stamp; on any failure: put the previous file back,
    `birdc configure undo`, and report why.
With several route servers, steps 1-2 run on all of them first (nothing changes anywhere unless
every one accepts its config), then steps 3-7 on the canary, then on the rest in parallel.
A deploy interrupted after step 4 leaves a valid but unconfirmed file: the stamp does not match,
so the next apply deploys it again instead of skipping it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import shlex
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import asyncssh

from ztix.birdtext import established, protocol_blocks
from ztix.errors import AdapterError
from ztix.models import RouteServer

if TYPE_CHECKING:
    from ztix.ports import RouteServerDeployer

Action = Literal["unchanged", "deployed", "failed", "skipped", "would-deploy"]
Hook = Callable[[str, str], Awaitable[None]]  # (route server, step)


class DeployError(AdapterError):
    """A deploy step failed; the message says which and what state the server is left in."""


@dataclass(frozen=True)
class Target:
    """Where one route server's config goes."""

    name: str
    host: str
    port: int
    user: str
    host_key: str
    config_path: str
    control_socket: str

    @classmethod
    def from_model(cls, rs: RouteServer) -> Target:
        """Build from the `ix.yaml` route server."""
        return cls(
            rs.name,
            rs.ssh.host,
            rs.ssh.port,
            rs.ssh.user,
            rs.ssh.host_key,
            rs.bird.config_path,
            rs.bird.control_socket,
        )

    def known_hosts(self) -> str:
        """The pinned host key as one known_hosts line."""
        host = self.host if self.port == 22 else f"[{self.host}]:{self.port}"
        return f"{host} {self.host_key}\n"


@dataclass
class DeployResult:
    """What happened on one route server, step by step."""

    route_server: str
    action: Action
    detail: str = ""
    sha256: str = ""
    steps: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the route server ended in the desired state (or a dry run could tell)."""
        return self.action in ("unchanged", "deployed", "would-deploy")


@dataclass(frozen=True)
class DeploySettings:
    """Timing and bounds of a deploy."""

    connect_timeout: float = 10.0
    command_timeout: float = 60.0
    confirm_timeout: int = 60  # BIRD undoes the reconfigure after this many seconds
    health_settle: float = 3.0  # watch unchanged sessions this long before confirming
    lock_wait: int = 120  # wait this long for another apply's deploy to finish


def sha256(text: str) -> str:
    """Hex sha256 of a config text."""
    return hashlib.sha256(text.encode()).hexdigest()


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

    async def _step(self, result: DeployResult, step: str) -> None:
        result.steps.append(step)
        if self._hook is not None:
            await self._hook(result.route_server, step)

    async def _connect(self, target: Target) -> asyncssh.SSHClientConnection:
        if self.client_key is None:
            raise DeployError("no SSH key: set ZTIX_SSH_KEY_FILE or ZTIX_SSH_KEY")
        try:
            return await asyncio.wait_for(
                asyncssh.connect(
                    target.host,
                    port=target.port,
                    username=target.user,
                    client_keys=[self.client_key],
                    known_hosts=asyncssh.import_known_hosts(target.known_hosts()),
                    agent_path=None,
                    config=None,
                    connect_timeout=self.settings.connect_timeout,
                ),
                self.settings.connect_timeout + 1,
            )
        except asyncssh.HostKeyNotVerifiable:
            raise DeployError(
                f"{target.name}: the host key of {target.host}:{target.port} is not the one "
                "pinned in ix.yaml; nothing was changed (update ssh.host_key only if the server "
                "was really re-keyed)"
            ) from None
        except (OSError, asyncssh.Error, TimeoutError) as exc:
            raise DeployError(f"{target.name}: cannot connect over SSH: {_why(exc)}") from None

    async def _run(
        self, conn: asyncssh.SSHClientConnection, *argv: str, check: bool = True
    ) -> asyncssh.SSHCompletedProcess:
        command = " ".join(shlex.quote(a) for a in argv)
        done = await asyncio.wait_for(conn.run(command, check=False), self.settings.command_timeout)
        if check and done.exit_status != 0:
            raise DeployError(f"`{command}` failed: {_output(done)}")
        return done

    async def _birdc(
        self, conn: asyncssh.SSHClientConnection, target: Target, *words: str, check: bool = True
    ) -> str:
        done = await self._run(conn, "birdc", "-s", target.control_socket, *words, check=check)
        return "".join(_text(part) for part in (done.stdout, done.stderr))

    async def status(self, target: Target, config: str) -> DeployResult:
        """Compare the deployed config with `config` without changing anything (drift, dry run)."""
        result = DeployResult(target.name, "unchanged", sha256=sha256(config))
        async with await self._connect(target) as conn, conn.start_sftp_client() as sftp:
            live, stamp = (
                await _read(sftp, target.config_path),
                await _read(sftp, target.config_path + ".ztix-confirmed"),
            )
        why = _differs(live, stamp, result.sha256)
        if why:
            result.action, result.detail = "would-deploy", why
        return result

    @contextlib.asynccontextmanager
    async def _opened(
        self, target: Target, result: DeployResult
    ) -> AsyncIterator[tuple[asyncssh.SSHClientConnection, asyncssh.SFTPClient]]:
        """Connected (host key pinned), holding the route server's deploy lock, with SFTP."""
        async with await self._connect(target) as conn:
            await self._step(result, "connected")
            async with (
                _RemoteLock(self, conn, target, result),
                conn.start_sftp_client() as sftp,
            ):
                yield conn, sftp

    async def deploy(self, target: Target, config: str) -> DeployResult:
        """Deploy `config` to one route server; never raises for a failed deploy, reports it."""
        result = DeployResult(target.name, "failed", sha256=sha256(config))
        with _reported(target, result):
            async with self._opened(target, result) as (conn, sftp):
                change = _Change(self, target, config, conn=conn, sftp=sftp, result=result)
                if await change.prepare():
                    await change.commit()
        return result

    async def deploy_all(
        self, jobs: Sequence[tuple[Target, str]], canary: str
    ) -> list[DeployResult]:
        """Prepare every route server (upload, check), then the canary, then the rest at once.

        Nothing changes anywhere unless every route server is reachable, locked and accepts
        its new config in `configure check`; the others change only if the canary ended well.
        """
        results = {t.name: DeployResult(t.name, "failed", sha256=sha256(c)) for t, c in jobs}
        changes: dict[str, _Change] = {}
        async with contextlib.AsyncExitStack() as stack:
            ready: set[str] = set()

            async def prepare(target: Target, config: str) -> None:
                result = results[target.name]
                with _reported(target, result):
                    conn, sftp = await stack.enter_async_context(self._opened(target, result))
                    change = _Change(self, target, config, conn=conn, sftp=sftp, result=result)
                    if await change.prepare():
                        changes[target.name] = change
                    ready.add(target.name)  # prepared, or already current

            await asyncio.gather(*(prepare(t, c) for t, c in jobs))
            refused = sorted(name for name in results if name not in ready)
            if refused:
                await self._hold_back(changes, f"{', '.join(refused)} failed before any change")
                return sorted(results.values(), key=lambda r: r.route_server)
            first = [changes[n] for n in changes if n == canary]
            for change in first:
                with _reported(change.target, change.result):
                    await change.commit()
            if any(not change.result.ok for change in first):
                rest = {n: c for n, c in changes.items() if n != canary}
                await self._hold_back(rest, f"the canary {canary} failed")
                return sorted(results.values(), key=lambda r: r.route_server)

            async def commit(change: _Change) -> None:
                with _reported(change.target, change.result):
                    await change.commit()

            await asyncio.gather(*(commit(c) for n, c in changes.items() if n != canary))
        return sorted(results.values(), key=lambda r: r.route_server)

    async def _hold_back(self, changes: dict[str, _Change], why: str) -> None:
        """Withdraw prepared changes: remove their uploads and say why nothing was done."""
        for change in changes.values():
            with contextlib.suppress(OSError, asyncssh.Error):
                await change.abort()
            change.result.action = "skipped"
            change.result.detail = f"not deployed: {why}; this route server was not changed"

    async def _healthy(
        self, conn: asyncssh.SSHClientConnection, target: Target, watched: Sequence[str]
    ) -> None:
        """BIRD answers and every watched session stays Established through the settle time."""
        deadline = asyncio.get_running_loop().time() + self.settings.health_settle
        while True:
            status = await self._birdc(conn, target, "show", "status", check=False)
            if "Daemon is up" not in status:
                raise DeployError(
                    f"{target.name}: BIRD does not answer after reconfigure: {status}"
                )
            up = established(await self._birdc(conn, target, "show", "protocols"))
            down = [name for name in watched if name not in up]
            if down:
                raise DeployError(
                    f"{target.name}: sessions of unchanged peers went down: {', '.join(down)}"
                )
            if asyncio.get_running_loop().time() >= deadline:
                return
            await asyncio.sleep(min(0.5, self.settings.health_settle))

    async def _restore(
        self,
        conn: asyncssh.SSHClientConnection,
        sftp: asyncssh.SFTPClient,
        target: Target,
        live: str | None,
        prev_path: str,
    ) -> str:
        """Put the previous file back and undo the reconfigure; say what was done."""
        notes = []
        try:
            if live is not None:
                await sftp.posix_rename(prev_path, target.config_path)
                notes.append("previous config file restored")
            undo = await self._birdc(conn, target, "configure", "undo", check=False)
            notes.append(f"BIRD: {_flat(undo) or 'no answer'}")
        except (OSError, asyncssh.Error) as exc:
            notes.append(
                f"restore failed ({_why(exc)}); BIRD undoes the change by itself after "
                f"{self.settings.confirm_timeout} s"
            )
        return "; ".join(notes)


class _Change:
    """One route server's change, in two phases so that all can be prepared before any applies."""

    def __init__(
        self,
        deployer: SshDeployer,
        target: Target,
        config: str,
        *,
        conn: asyncssh.SSHClientConnection,
        sftp: asyncssh.SFTPClient,
        result: DeployResult,
    ) -> None:
        self.deployer, self.target, self.config = deployer, target, config
        self.conn, self.sftp, self.result = conn, sftp, result
        self.live: str | None = None
        self.new_path = target.config_path + ".ztix-new"
        self.prev_path = target.config_path + ".ztix-prev"
        self.stamp_path = target.config_path + ".ztix-confirmed"

    async def _birdc(self, *words: str) -> str:
        return await self.deployer._birdc(self.conn, self.target, *words, check=False)

    async def prepare(self) -> bool:
        """Upload and `configure check` the new config; False if there is nothing to do."""
        target, result = self.target, self.result
        self.live = await _read(self.sftp, target.config_path)
        stamp = await _read(self.sftp, self.stamp_path)
        if not _differs(self.live, stamp, result.sha256):
            result.action, result.detail = "unchanged", "the deployed config is current"
            return False
        async with self.sftp.open(self.new_path, "w") as handle:
            await handle.write(self.config)
        await self.deployer._step(result, "uploaded")
        check = await self._birdc("configure", "check", f'"{self.new_path}"')
        if "Configuration OK" not in check:
            await self.sftp.remove(self.new_path)
            raise DeployError(
                f"{target.name}: BIRD refused the new config, the live config is untouched: "
                f"{_flat(check)}"
            )
        await self.deployer._step(result, "checked")
        return True

    async def abort(self) -> None:
        """Remove the prepared upload (the live config was never touched)."""
        await self.sftp.remove(self.new_path)

    async def commit(self) -> None:
        """Replace atomically, reconfigure with a timeout, check health, confirm or restore."""
        target, result, live = self.target, self.result, self.live
        before = established(await self._birdc("show", "protocols"))
        old_blocks, new_blocks = protocol_blocks(live or ""), protocol_blocks(self.config)
        # Sessions whose block did not change must survive the reconfigure.
        watched = sorted(
            name
            for name in before
            if name in new_blocks and old_blocks.get(name) == new_blocks[name]
        )
        if live is not None:
            async with self.sftp.open(self.prev_path, "w") as handle:
                await handle.write(live)
        await self.sftp.posix_rename(self.new_path, target.config_path)
        await self.deployer._step(result, "replaced")
        try:
            timeout = str(self.deployer.settings.confirm_timeout)
            reply = await self._birdc("configure", f'"{target.config_path}"', "timeout", timeout)
            if "Reconfigur" not in reply:
                raise DeployError(f"{target.name}: BIRD did not reconfigure: {_flat(reply)}")
            await self.deployer._step(result, "reconfigured")
            await self.deployer._healthy(self.conn, target, watched)
            await self.deployer._step(result, "healthy")
            confirm = await self._birdc("configure", "confirm")
            if "confirmed" not in confirm and "Nothing to do" not in confirm:
                raise DeployError(f"{target.name}: BIRD did not confirm: {_flat(confirm)}")
        except DeployError as exc:
            restored = await self.deployer._restore(
                self.conn, self.sftp, target, live, self.prev_path
            )
            raise DeployError(f"{exc}; {restored}") from None
        async with self.sftp.open(self.stamp_path, "w") as handle:
            await handle.write(result.sha256 + "\n")
        await self.deployer._step(result, "confirmed")
        result.action = "deployed"
        result.detail = f"{len(watched)} established sessions of unchanged peers stayed up"


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
            f"{target.name}: connection lost after step '{last}' ({_why(exc)}); the live file is "
            "the old or the new config, never a partial one, and an unconfirmed reconfigure is "
            "undone by BIRD itself"
        )


class _RemoteLock:
    """`flock` held by a remote process for as long as we keep its stdin open."""

    def __init__(
        self,
        deployer: SshDeployer,
        conn: asyncssh.SSHClientConnection,
        target: Target,
        result: DeployResult,
    ) -> None:
        self.deployer, self.conn, self.target, self.result = deployer, conn, target, result
        self.process: asyncssh.SSHClientProcess[Any] | None = None

    async def __aenter__(self) -> None:
        wait = self.deployer.settings.lock_wait
        lock = self.target.config_path + ".ztix-lock"
        command = (
            f"exec flock -w {wait} {shlex.quote(lock)} sh -c 'echo locked; exec cat >/dev/null'"
        )
        self.process = await self.conn.create_process(command)
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), wait + 10)
        except TimeoutError:
            line = ""
        if line.strip() != "locked":
            self.process.close()
            raise DeployError(
                f"{self.target.name}: another apply is deploying to this route server; waited "
                f"{wait} s for its lock ({lock}); try again when it has finished"
            )
        await self.deployer._step(self.result, "locked")

    async def __aexit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.stdin.write_eof()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except (TimeoutError, asyncssh.Error, OSError):
                self.process.close()


def _differs(live: str | None, stamp: str | None, wanted: str) -> str:
    """Why the deployed config is not the confirmed `wanted` one ("" if it is)."""
    if live is None:
        return "no config deployed yet"
    if sha256(live) != wanted:
        return "the deployed config differs"
    if (stamp or "").strip() != wanted:
        return "deployed but never confirmed"
    return ""


async def _read(sftp: asyncssh.SFTPClient, path: str) -> str | None:
    try:
        async with sftp.open(path, "r") as handle:
            data = await handle.read()
    except asyncssh.SFTPNoSuchFile:
        return None
    return data if isinstance(data, str) else data.decode()


def _output(done: asyncssh.SSHCompletedProcess) -> str:
    return _flat("".join(_text(part) for part in (done.stdout, done.stderr)))


def _flat(text: str) -> str:
    """birdc output on one line, without the banner, for messages."""
    lines = [line for line in text.splitlines() if not line.startswith("BIRD ")]
    return " / ".join(line.strip() for line in lines if line.strip())


def _text(data: object) -> str:
    if isinstance(data, bytes):
        return data.decode(errors="replace")
    return str(data or "")


def _why(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


async def deploy_all(
    deployer: RouteServerDeployer, jobs: Sequence[tuple[Target, str]], canary: str
) -> list[DeployResult]:
    """The canary first; the others in parallel only if the canary ended well."""
    return await deployer.deploy_all(jobs, canary)
