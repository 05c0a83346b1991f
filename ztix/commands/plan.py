"""`ztix plan`: what a change does, offline against a git revision, or as drift against live."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from ztix.commands.output import write_file
from ztix.errors import EXIT_OK, SettingsError, ValidationFailed, problem_count

if TYPE_CHECKING:
    from ztix.plan.diff import Plan
    from ztix.render.templates import TemplateSet
    from ztix.settings.env import Settings


def run(args: argparse.Namespace) -> int:
    """Plan a change: offline against --base, or against the live systems with --live."""
    if args.live:  # the adapters and their stacks only here: an offline plan starts faster
        import asyncio  # noqa: PLC0415

        from ztix.adapters.build import settings  # noqa: PLC0415

        return asyncio.run(_plan_live(args, settings()))
    if args.only:
        raise SettingsError("--only needs --live (an offline plan always covers every part)")
    if not args.base:
        raise SettingsError("give --base REF (e.g. origin/main) or --live")
    if args.metrics_file:
        raise SettingsError("--metrics-file needs --live (it records drift checks)")
    return _plan_base(args)


def revision_plan(root: Path, base_ref: str) -> tuple[Plan, TemplateSet]:
    """The plan of the working tree at `root` against the revision `base_ref`, each with its
    own templates; also the head's templates (the Markdown plan names their origin)."""
    from ztix.load.gcpause import paused_gc  # noqa: PLC0415

    with paused_gc():  # loading, rendering and comparing two revisions: see ztix.load.gcpause
        return _revision_plan(root, base_ref)


def _revision_plan(root: Path, base_ref: str) -> tuple[Plan, TemplateSet]:
    from ztix.load.gitsource import blob_id, commit_at, template_files, tree_files  # noqa: PLC0415
    from ztix.load.loader import EXCHANGE_FILE, Memo, load_files  # noqa: PLC0415
    from ztix.load.tree import read_tree  # noqa: PLC0415
    from ztix.plan.diff import plan  # noqa: PLC0415
    from ztix.render.templates import from_directory, from_files  # noqa: PLC0415

    memo: Memo = {}  # files identical in both revisions are parsed once
    head_files = read_tree(root)
    head = load_files(head_files, memo)  # invalid files fail here, located
    commit, prefix = commit_at(root, base_ref)
    known = {blob_id(d): d for d in head_files.values() if isinstance(d, bytes)}
    base_files = tree_files(commit.tree, prefix, known)
    try:
        base = None if EXCHANGE_FILE not in base_files else load_files(base_files, memo)
    except ValidationFailed as exc:
        count = len(exc.problems)
        first = "; ".join(str(p) for p in exc.problems[:3])
        raise SettingsError(
            f"the base revision {base_ref} does not validate ({problem_count(count)}"
            f"{', first' if count > 3 else ''}: {first}); plan against a revision that does"
        ) from None
    base_templates = from_files(
        template_files(commit.tree, prefix), f"the templates/ of {base_ref}"
    )
    head_templates = from_directory(root)
    return plan(base, head, base_ref, base_templates, head_templates), head_templates


def _plan_base(args: argparse.Namespace) -> int:
    from ztix.plan.report import plan_markdown, plan_text  # noqa: PLC0415

    planned, head_templates = revision_plan(args.repo, args.base)
    if args.diff_out:
        write_file(args.diff_out, planned.diff, "--diff-out")
    if args.format == "json":
        print(json.dumps(planned.to_json(), indent=2, sort_keys=True))
    elif args.format == "markdown":
        print(plan_markdown(planned, head_templates), end="")
    else:
        print(plan_text(planned), end="")
    return EXIT_OK


async def _plan_live(args: argparse.Namespace, settings: Settings) -> int:
    from ztix.adapters.build import build_deployer, build_zerotier  # noqa: PLC0415
    from ztix.apply.drift import DriftReport, route_server_drift, zerotier_drift  # noqa: PLC0415
    from ztix.load.loader import load  # noqa: PLC0415
    from ztix.ports.zerotier import ZeroTierProvider  # noqa: PLC0415
    from ztix.render.templates import from_directory  # noqa: PLC0415

    repo = load(args.repo)
    report = DriftReport()
    if args.only in (None, "zerotier"):
        provider: ZeroTierProvider | None = None
        if settings.has_zerotier_token():
            provider = build_zerotier(settings, repo.exchange.model)
        try:
            await zerotier_drift(provider, repo, report, print)
        finally:
            if provider is not None:
                await provider.aclose()
    if args.only in (None, "routeservers"):
        deployer = build_deployer(settings, required=False)
        await route_server_drift(deployer, repo, from_directory(args.repo), report, print)
    for incident in report.incidents:
        print(f"incident: {incident}")
    print(report.summary())
    if args.metrics_file:
        from ztix.commands.metricsfile import drift_metrics  # noqa: PLC0415

        drift = bool(report.drift or report.incidents)
        drift_metrics(args.metrics_file, drift, bool(report.unknown), len(report.incidents))
    return report.exit_code
