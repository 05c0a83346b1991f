"""One route server's change: learn its state, render, upload, check, then switch, wait for BIRD,
check health and confirm, or put everything back.

Prepare (nothing changes yet):
 1. read the live file, the stamp of the last confirmed deploy, and `show protocols`;
 2. the held sessions: those the live file keeps down for max-prefix, plus those BIRD has shut
    since ("Route limit exceeded"), minus those being lifted; render the config with them, so a
    session over its limit stays down across every deploy instead of being re-enabled by
    `configure` (BIRD re-enables a protocol its limit disabled on every reconfiguration);
 3. same sha256 as the live file and confirmed -> nothing to do; else upload to `<live>.ztix-new`
    and `birdc configure check` it (a bad file never goes live).
Commit:
 4. note which sessions are Established; keep the live file as `<live>.ztix-prev` and rename the
    new file over it (atomic: the live file is always the old or the new config);
 5. `birdc configure "<live>" timeout N` (BIRD undoes it by itself unless confirmed); when BIRD
    answers "Reconfiguration in progress" (it finishes in the background: BIRD 3 often, 2.x when
    protocols go down), wait until `show status` says it is done, bounded;
 6. RPKI: every RTR protocol Established, ROAs loaded, the sentinel ROA valid (when routes are
    held until then), bounded;
 7. health: BIRD answers, and the sessions of unchanged peers that were Established still are;
 8. `birdc configure confirm`, then the stamp. On any failure: the previous file back,
    `birdc configure undo`, and the reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncssh

from ztix.adapters.routeserver.ssh import Remote, flat, read, why, write
from ztix.bird.text import (
    configure_reply,
    confirmed,
    daemon_up,
    established_since,
    held_in_config,
    limit_tripped,
    protocol_blocks,
    reconfiguring,
    roa_state,
    route_count,
    rpki_problems,
    was_reset,
)
from ztix.models.exchange import BACKUP, STAMP, UPLOAD
from ztix.ports.deploy import DeployError, DeployResult, Render, sha256

Step = Callable[[str], Awaitable[None]]


def differs(live: str | None, stamp: str | None, wanted: str) -> str:
    """Why the deployed config is not the confirmed `wanted` one ("" if it is)."""
    if live is None:
        return "no config deployed yet"
    if sha256(live) != wanted:
        return "the deployed config differs"
    if (stamp or "").strip() != wanted:
        return "deployed but never confirmed"
    return ""


class Change:
    """One route server's change, in two phases so that all can be prepared before any applies."""

    def __init__(
        self,
        remote: Remote,
        sftp: asyncssh.SFTPClient,
        render: Render,
        result: DeployResult,
        step: Step,
        *,
        lift: frozenset[str] = frozenset(),
    ) -> None:
        self.remote, self.sftp, self.render, self.result = remote, sftp, render, result
        self.step, self.lift = step, lift
        path = remote.target.config_path
        self.new_path, self.prev_path = path + UPLOAD, path + BACKUP
        self.stamp_path = path + STAMP
        self.live: str | None = None
        self.config = ""

    async def learn(self) -> str:
        """Read the route server's state and render its config; say how it differs ('' if not)."""
        target, result = self.remote.target, self.result
        self.live = await read(self.sftp, target.config_path)
        stamp = await read(self.sftp, self.stamp_path)
        protocols = await self.remote.birdc("show", "protocols")
        held = (held_in_config(self.live or "") | limit_tripped(protocols)) - self.lift
        self.config = self.render(frozenset(held))
        result.sha256 = sha256(self.config)
        result.held = sorted(held_in_config(self.config))
        return differs(self.live, stamp, result.sha256)

    async def prepare(self) -> bool:
        """Learn, upload and `configure check` the new config; False if there is nothing to do."""
        target, result = self.remote.target, self.result
        if not await self.learn():
            result.action, result.detail = "unchanged", "the deployed config is current"
            return False
        await write(self.sftp, self.new_path, self.config)
        await self.step("uploaded")
        check = await self.remote.birdc("configure", "check", f'"{self.new_path}"')
        if "Configuration OK" not in check:
            await self.sftp.remove(self.new_path)
            raise DeployError(
                f"{target.name}: BIRD refused the new config, the live config is untouched: "
                f"{flat(check)}"
            )
        await self.step("checked")
        return True

    async def abort(self) -> None:
        """Remove the prepared upload (the live config was never touched)."""
        await self.sftp.remove(self.new_path)

    async def commit(self) -> None:
        """Replace atomically, reconfigure, wait, check health, then confirm or restore."""
        remote, target, result, live = self.remote, self.remote.target, self.result, self.live
        before = established_since(await remote.birdc("show", "protocols"))
        old_blocks, new_blocks = protocol_blocks(live or ""), protocol_blocks(self.config)
        # Sessions whose block did not change must survive the reconfigure.
        watched = sorted(
            name
            for name in before
            if name in new_blocks and old_blocks.get(name) == new_blocks[name]
        )
        if live is not None:
            await write(self.sftp, self.prev_path, live)
        await self.sftp.posix_rename(self.new_path, target.config_path)
        await self.step("replaced")
        try:
            timeout = str(remote.settings.confirm_timeout)
            reply = await remote.birdc("configure", f'"{target.config_path}"', "timeout", timeout)
            outcome = configure_reply(reply)
            if outcome == "refused":
                raise DeployError(f"{target.name}: BIRD did not reconfigure: {flat(reply)}")
            if outcome == "in progress":
                await self._settled()
            await self.step("reconfigured")
            await self._rpki_ready()
            await self._healthy({name: before[name] for name in watched})
            await self.step("healthy")
            confirm = await remote.birdc("configure", "confirm")
            if not confirmed(confirm):
                raise DeployError(f"{target.name}: BIRD did not confirm: {flat(confirm)}")
        except DeployError as exc:
            raise DeployError(f"{exc}; {await self._restore()}") from None
        await write(self.sftp, self.stamp_path, result.sha256 + "\n")
        await self.step("confirmed")
        result.action = "deployed"
        result.detail = f"{len(watched)} established sessions of unchanged peers stayed up"
        if result.held:
            result.detail += f"; held down for max-prefix: {', '.join(result.held)}"

    async def _settled(self) -> None:
        """Wait (bounded) until BIRD has finished reconfiguring in the background."""
        remote, bound = self.remote, self.remote.settings.reconfigure_wait
        loop = asyncio.get_running_loop()
        deadline = loop.time() + bound
        while True:
            status = await remote.birdc("show", "status")
            if daemon_up(status):
                return
            if not reconfiguring(status):
                raise DeployError(
                    f"{remote.target.name}: BIRD does not answer after reconfigure: {flat(status)}"
                )
            if loop.time() >= deadline:
                raise DeployError(
                    f"{remote.target.name}: BIRD is still reconfiguring after {bound:.0f} s"
                )
            await asyncio.sleep(0.2)

    async def _rpki_ready(self) -> None:
        """Wait (bounded) until RPKI is fit to validate: RTR Established, ROAs, the sentinel."""
        remote, check = self.remote, self.remote.target.rpki
        if not check.protocols:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + remote.settings.rpki_wait
        while True:
            problems = rpki_problems(await remote.birdc("show", "protocols"), check.protocols)
            counts = [
                route_count(await remote.birdc("show", "route", "table", table, "count"))
                for table in ("roa_v4", "roa_v6")
            ]
            if not any(counts):
                problems.append("the ROA tables are empty")
            if check.sentinel is not None and not problems:
                v4, v6, asn = check.sentinel
                for table, prefix in (("roa_v4", v4), ("roa_v6", v6)):
                    state = roa_state(
                        await remote.birdc("eval", f"roa_check({table}, {prefix}, {asn})")
                    )
                    if state != 1:
                        problems.append(
                            f"the sentinel ROA {prefix} AS{asn} is not valid: the RTR caches do "
                            "not serve it (add it to their SLURM file, see README), so member "
                            "routes would be held back"
                        )
            if not problems:
                return
            if loop.time() >= deadline:
                raise DeployError(
                    f"{remote.target.name}: RPKI is not ready after "
                    f"{remote.settings.rpki_wait:.0f} s: {'; '.join(problems)}"
                )
            await asyncio.sleep(0.5)

    async def _healthy(self, watched: dict[str, str]) -> None:
        """BIRD answers, and every watched session is Established through the settle time and
        was not reset on the way (the same "since" time as before the reconfigure)."""
        remote, settle = self.remote, self.remote.settings.health_settle
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settle
        while True:
            status = await remote.birdc("show", "status")
            if not daemon_up(status):
                raise DeployError(
                    f"{remote.target.name}: BIRD is not up after reconfigure: {flat(status)}"
                )
            up = established_since(await remote.birdc("show", "protocols"))
            down = [name for name in watched if name not in up]
            if down:
                raise DeployError(
                    f"{remote.target.name}: sessions of unchanged peers went down: "
                    f"{', '.join(down)}"
                )
            reset = [name for name, since in watched.items() if was_reset(since, up[name])]
            if reset:
                raise DeployError(
                    f"{remote.target.name}: sessions of unchanged peers were reset (and came "
                    f"back): {', '.join(reset)}"
                )
            if loop.time() >= deadline:
                return
            await asyncio.sleep(min(0.5, settle))

    async def _restore(self) -> str:
        """Put the previous file back and undo the reconfigure; say what was done."""
        notes = []
        try:
            if self.live is not None:
                await self.sftp.posix_rename(self.prev_path, self.remote.target.config_path)
                notes.append("previous config file restored")
            undo = await self.remote.birdc("configure", "undo")
            notes.append(f"BIRD: {flat(undo) or 'no answer'}")
        except (OSError, asyncssh.Error) as exc:
            notes.append(
                f"restore failed ({why(exc)}); BIRD undoes the change by itself after "
                f"{self.remote.settings.confirm_timeout} s"
            )
        return "; ".join(notes)
