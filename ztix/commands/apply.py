"""`ztix apply`: validate, authorize ZeroTier members, deploy route servers, deauthorize."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import logging
import os

from ztix.adapters.build import build_deployer, build_zerotier, settings
from ztix.commands.output import write_file
from ztix.errors import EXIT_INCIDENT, EXIT_OK, EXIT_PARTIAL
from ztix.service.logs import say
from ztix.settings.env import Settings


def run(args: argparse.Namespace) -> int:
    """Validate, then ZeroTier, route servers, and deauthorizations; write the reports."""
    return asyncio.run(_apply(args, settings()))


async def _apply(args: argparse.Namespace, settings: Settings) -> int:
    from ztix.apply.run import run_apply  # noqa: PLC0415
    from ztix.load.gitsource import head_commit  # noqa: PLC0415
    from ztix.load.loader import load  # noqa: PLC0415
    from ztix.ports.zerotier import ZeroTierProvider  # noqa: PLC0415
    from ztix.render.templates import from_directory  # noqa: PLC0415

    repo = load(args.repo)
    templates = from_directory(args.repo)
    print(f"templates: {templates.describe()}")
    exchange = repo.exchange.model
    need_zt = args.only in (None, "zerotier")
    need_rs = args.only in (None, "routeservers")
    # A real apply needs every credential before it changes anything; a dry run uses what it has.
    provider: ZeroTierProvider | None = None
    if need_zt and (not args.dry_run or settings.has_zerotier_token()):
        provider = build_zerotier(settings, exchange)
    deployer = build_deployer(settings, required=need_rs and not args.dry_run) if need_rs else None
    try:
        report = await run_apply(
            repo,
            commit=head_commit(args.repo),
            zerotier=provider,
            deployer=deployer,
            only=args.only,
            dry_run=args.dry_run,
            progress=print,
            templates=templates,
        )
    finally:
        if provider is not None:
            await provider.aclose()
    if args.report:
        text = json.dumps(report.to_json(), indent=2, sort_keys=True) + "\n"
        write_file(args.report, text, "--report")
        print(f"report: {args.report}")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(report.markdown())
    for failure in report.failures:
        say("error", failure, logging.ERROR)
    for incident in report.incidents:
        say("incident", incident, logging.ERROR)
    for warning in report.warnings:
        say("warning", warning)
    print(f"{'dry run' if args.dry_run else 'apply'}: {report.status}")
    if args.metrics_file and not args.dry_run:
        from ztix.commands.metricsfile import apply_metrics  # noqa: PLC0415
        from ztix.load.gitsource import head_time  # noqa: PLC0415

        stamp = head_time(args.repo)
        commit_time = (
            datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")
            .replace(tzinfo=datetime.UTC)
            .timestamp()
            if stamp
            else None
        )
        apply_metrics(
            args.metrics_file, report.status, len(report.incidents), report.commit, commit_time
        )
    codes = {"ok": EXIT_OK, "ok-with-incidents": EXIT_INCIDENT, "partial": EXIT_PARTIAL}
    return codes[report.status]
