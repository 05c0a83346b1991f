"""The apply job: ZeroTier authorizations, then route servers (canary first), then deauthorizations.

Order matters for members who leave: their BGP sessions go first, their ZeroTier access after,
so no route keeps pointing at a member who can no longer be reached. A route-server failure
therefore postpones every deauthorization to the next run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ztix.apply import zerotier as zerotier_run
from ztix.errors import AdapterError, CredentialsRejected
from ztix.load.loader import Repository
from ztix.models import Exchange, Peer
from ztix.plan.report import held_line
from ztix.plan.safety import safety_notes
from ztix.plan.zerotier import desired_members
from ztix.ports.deploy import DeployError, DeployResult, Render, RouteServerDeployer, Target, sha256
from ztix.ports.zerotier import ZeroTierProvider
from ztix.render.routeserver import repository_renderers
from ztix.render.templates import TemplateSet

Only = Literal["zerotier", "routeservers"]
Progress = Callable[[str], None]


@dataclass
class ApplyReport:
    """Everything an apply did or would do, for the terminal, a JSON file and CI summaries."""

    commit: str | None
    dry_run: bool
    only: str | None
    zerotier: dict[str, Any] | None = None
    route_servers: list[DeployResult] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    # Found on the live systems and repaired by this apply, but a reviewer must know (an unknown
    # node holding a peering-LAN address).
    incidents: list[str] = field(default_factory=list)
    # What the exchange's settings let through (ztix.plan.safety).
    warnings: list[str] = field(default_factory=list)

    @property
    def status(self) -> Literal["ok", "ok-with-incidents", "partial"]:
        """ok; ok-with-incidents when a stranger was found (and repaired); partial when
        something failed (what succeeded stays)."""
        if self.failures:
            return "partial"
        return "ok-with-incidents" if self.incidents else "ok"

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable form (no secrets are ever part of a report)."""
        return {
            "commit": self.commit,
            "dry_run": self.dry_run,
            "only": self.only,
            "status": self.status,
            "zerotier": self.zerotier,
            "route_servers": [asdict(r) for r in self.route_servers],
            "failures": self.failures,
            "incidents": self.incidents,
            "warnings": self.warnings,
        }

    def markdown(self) -> str:
        """A short Markdown summary (for $GITHUB_STEP_SUMMARY and forge comments)."""
        mode = "dry run" if self.dry_run else "apply"
        lines = [f"### ZT-IX {mode}: {self.status}", ""]
        if self.commit:
            lines += [f"Commit `{self.commit[:12]}`", ""]
        if self.zerotier is not None:
            lines += [f"- ZeroTier: {self.zerotier.get('summary', '')}"]
        for r in self.route_servers:
            lines += [f"- {r.route_server}: {r.action}" + (f" ({r.detail})" if r.detail else "")]
        for failure in self.failures:
            lines += [f"- failed: {failure}"]
        for incident in self.incidents:
            lines += [f"- **incident**: {incident}"]
        for warning in self.warnings:
            lines += [f"- warning: {warning}"]
        return "\n".join(lines) + "\n"


async def run_apply(
    repo: Repository,
    *,
    commit: str | None,
    zerotier: ZeroTierProvider | None,
    deployer: RouteServerDeployer | None,
    only: Only | None = None,
    dry_run: bool = False,
    progress: Progress = lambda line: None,
    templates: TemplateSet | None = None,
) -> ApplyReport:
    """Apply (or, with dry_run, describe) the repository; failures are reported, not raised."""
    exchange = repo.exchange.model
    report = ApplyReport(commit, dry_run, only, warnings=safety_notes(exchange))
    peers = [p.model for p in repo.peers]
    do_zt = only in (None, "zerotier")
    do_rs = only in (None, "routeservers")
    zt_plan = None

    if do_zt:
        zt_plan = await _zerotier_first(
            zerotier, exchange, peers, report, progress=progress, dry_run=dry_run
        )

    if do_rs:
        renders = repository_renderers(repo, templates)
        jobs = [
            (Target.from_model(rs, exchange), renders[rs.name]) for rs in exchange.route_servers
        ]
        canary = next((rs.name for rs in exchange.route_servers if rs.canary), jobs[0][0].name)
        if dry_run:
            report.route_servers = list(
                await asyncio.gather(*(_status(deployer, t, c) for t, c in jobs))
            )
        else:
            assert deployer is not None, "entry points require a deploy key for a real apply"
            progress(f"route servers: deploying, canary {canary} first")
            report.route_servers = await deployer.deploy_all(jobs, canary)
        for result in report.route_servers:
            progress(
                f"{result.route_server}: {result.action}"
                + (f" ({result.detail})" if result.detail else "")
            )
            if (held := held_line(result)) is not None:
                progress(f"  {held}")
            if not result.ok:
                report.failures.append(f"{result.route_server}: {result.detail}")

    if zerotier is not None and zt_plan is not None and not dry_run:
        if any(not r.ok for r in report.route_servers):
            report.failures.append(
                "zerotier: deauthorizations postponed until every route server is deployed "
                "(BGP sessions go first)"
            )
        else:
            await _zerotier_phase(zerotier, zt_plan, "deauthorize", report, progress)
    return report


async def _zerotier_first(
    zerotier: ZeroTierProvider | None,
    exchange: Exchange,
    peers: list[Peer],
    report: ApplyReport,
    *,
    progress: Progress,
    dry_run: bool,
) -> zerotier_run.ZeroTierPlan | None:
    """Read and plan the network, and (unless a dry run) authorize; None if it cannot be read."""
    if zerotier is None:
        report.zerotier = _desired_only(exchange, peers, progress)
        return None
    try:
        planned = await zerotier_run.plan(zerotier, exchange, peers)
    except CredentialsRejected:
        raise  # a wrong token is a settings error (exit 2); nothing was written yet
    except AdapterError as exc:
        # The route servers can still be brought in line: a new member's session just waits for
        # its ZeroTier access, and a leaving member's session goes first anyway.
        report.failures.append(f"zerotier: {exc}")
        report.zerotier = {"summary": f"could not read the network: {exc}", "writes": 0}
        progress(f"zerotier: could not read the network: {exc}")
        return None
    report.zerotier = {
        "network_id": planned.network_id,
        "summary": planned.summary(),
        "counts": planned.counts(),
        "network_keys": sorted(planned.network.patch),
        "members": [
            {
                "node_id": c.node_id,
                "action": c.action,
                "detail": c.detail,
                "live": c.live.describe() if c.live else None,
                "desired": c.desired.describe() if c.desired else None,
            }
            for c in planned.members
        ],
        "incidents": list(planned.incidents),
        "writes": 0,
    }
    for line in zerotier_run.plan_lines(planned, verbose=False):
        progress(line)
    report.incidents += list(planned.incidents)
    if not dry_run:
        await _zerotier_phase(zerotier, planned, "authorize", report, progress)
    return planned


def _desired_only(exchange: Exchange, peers: list[Peer], progress: Progress) -> dict[str, Any]:
    """Without a token: what the files want, for a dry run."""
    wanted = desired_members(exchange, peers)
    authorized = sum(1 for m in wanted.values() if m.authorized)
    summary = (
        f"no token, so no comparison with the live network; the files want "
        f"{authorized} authorized members and {len(wanted) - authorized} deauthorized"
    )
    progress(f"zerotier: {summary}")
    for member in sorted(wanted.values()):
        state = "authorized  " if member.authorized else "deauthorized"
        addresses = " ".join(member.ip_assignments)
        progress(f"  {state} {member.node_id} {member.name:<14} {addresses}".rstrip())
    return {"summary": summary, "members": [asdict(m) for m in wanted.values()]}


async def _zerotier_phase(
    provider: ZeroTierProvider,
    planned: zerotier_run.ZeroTierPlan,
    phase: str,
    report: ApplyReport,
    progress: Progress,
) -> None:
    result = await zerotier_run.apply(provider, planned, phases=(phase,))
    writes = len(result.done) + int(result.network_written)
    assert report.zerotier is not None
    report.zerotier["writes"] += writes
    progress(f"zerotier {phase}: {writes} writes, {len(result.failed)} failed")
    report.failures += [f"zerotier {line}" for line in result.problems()]


async def _status(
    deployer: RouteServerDeployer | None, target: Target, render: Render
) -> DeployResult:
    if deployer is None:
        config = render(frozenset())
        sessions = config.count("\nprotocol bgp ")
        return DeployResult(
            target.name,
            "would-deploy",
            f"no SSH key, so no comparison with the deployed config; rendered "
            f"{config.count(chr(10))} lines, {sessions} BGP sessions, sha256 {sha256(config)[:12]}",
            sha256=sha256(config),
        )
    try:
        return await deployer.status(target, render)
    except DeployError as exc:
        return DeployResult(target.name, "failed", str(exc))
