"""Drift: how the live ZeroTier network and the deployed route-server configs differ from the
files, part by part, each part needing only its own credentials.

The answer has three outcomes, and `ztix plan --live` exits with a status for each: in sync (0),
drift found (4: something certainly differs), could not check (5: nothing differs as far as
could be seen, but some part could not be read). A route server that cannot be reached is
"unknown", never "drifted".
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ztix.apply import zerotier as zerotier_run
from ztix.errors import EXIT_DRIFT, EXIT_OK, EXIT_UNKNOWN, AdapterError, CredentialsRejected
from ztix.load.loader import Repository
from ztix.plan.report import held_line
from ztix.ports.deploy import DeployError, RouteServerDeployer, Target
from ztix.ports.zerotier import ZeroTierProvider
from ztix.render.routeserver import repository_renderers
from ztix.render.templates import TemplateSet

Part = Literal["zerotier", "routeservers"]
Say = Callable[[str], None]


@dataclass
class DriftReport:
    """What differs (certainly), what could not be checked, and incidents found on the way."""

    drift: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    incidents: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 in sync, 4 drift found, 5 could not check (and no drift seen)."""
        if self.drift or self.incidents:
            return EXIT_DRIFT
        return EXIT_UNKNOWN if self.unknown else EXIT_OK

    def summary(self) -> str:
        """One line for the end of the output."""
        if self.exit_code == EXIT_OK:
            return "in sync: the live systems match the files"
        parts = [f"drift: {len(self.drift)} part(s) differ"] if self.drift else []
        if self.incidents:
            parts.append(f"{len(self.incidents)} incident(s)")
        if self.unknown:
            parts.append(f"could not check: {'; '.join(self.unknown)}")
        return "; ".join(parts)


async def zerotier_drift(
    provider: ZeroTierProvider | None, repo: Repository, report: DriftReport, say: Say
) -> None:
    """Compare the live network with the files (no token: unknown)."""
    if provider is None:
        report.unknown.append(
            "zerotier (no token: set ZTIX_ZEROTIER_TOKEN or ZTIX_ZEROTIER_TOKEN_FILE)"
        )
        return
    exchange, peers = repo.exchange.model, [p.model for p in repo.peers]
    try:
        planned = await zerotier_run.plan(provider, exchange, peers)
    except CredentialsRejected:
        raise
    except AdapterError as exc:
        report.unknown.append(f"zerotier ({exc})")
        return
    for line in zerotier_run.plan_lines(planned, verbose=False):
        say(line)
    if planned.drift:
        writes = planned.write_count
        report.drift.append(f"zerotier: {writes} write{'s' if writes != 1 else ''} to match")
    report.incidents += list(planned.incidents)


async def route_server_drift(
    deployer: RouteServerDeployer | None,
    repo: Repository,
    templates: TemplateSet | None,
    report: DriftReport,
    say: Say,
) -> None:
    """Compare each deployed config with the rendered one (no key or no answer: unknown)."""
    exchange = repo.exchange.model
    if deployer is None:
        report.unknown.append("route servers (no SSH key: set ZTIX_SSH_KEY or ZTIX_SSH_KEY_FILE)")
        return
    renders = repository_renderers(repo, templates)
    targets = [Target.from_model(rs, exchange) for rs in exchange.route_servers]

    async def one(target: Target) -> None:
        try:
            result = await deployer.status(target, renders[target.name])
        except DeployError as exc:
            say(f"  unknown      {target.name}: {exc}")
            report.unknown.append(f"route server {target.name}")
            return
        if result.action == "unchanged":
            say(f"  in sync      {target.name}: the deployed config is current")
        elif result.action == "would-deploy":
            say(f"  drifted      {target.name}: {result.detail}")
            report.drift.append(f"route server {target.name}: {result.detail}")
        else:
            say(f"  unknown      {target.name}: {result.detail}")
            report.unknown.append(f"route server {target.name}")
        if (held := held_line(result)) is not None:
            say(f"  held         {held}")

    await asyncio.gather(*(one(t) for t in targets))
