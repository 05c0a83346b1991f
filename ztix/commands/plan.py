"""`ztix plan`: what a change does, offline against a git revision, or as drift against live."""

from __future__ import annotations

import argparse
import asyncio
import json

from ztix.commands.adapters import build_deployer, build_zerotier, settings
from ztix.errors import EXIT_OK, EXIT_PARTIAL, SettingsError, ValidationFailed
from ztix.settings import Settings


def run(args: argparse.Namespace) -> int:
    """Plan a change: offline against --base, or against the live systems with --live."""
    if args.live:
        return asyncio.run(_plan_live(args, settings()))
    if not args.base:
        raise SettingsError("give --base REF (e.g. origin/main) or --live")
    return _plan_base(args)


def _plan_base(args: argparse.Namespace) -> int:
    from ztix.gitsource import commit_at, template_files, tree_files  # noqa: PLC0415
    from ztix.loader import EXCHANGE_FILE, Memo, load_files  # noqa: PLC0415
    from ztix.plan import plan  # noqa: PLC0415
    from ztix.report import plan_markdown, plan_text  # noqa: PLC0415
    from ztix.templateset import from_directory, from_files  # noqa: PLC0415
    from ztix.tree import read_tree  # noqa: PLC0415

    memo: Memo = {}  # files identical in both revisions are parsed once
    head = load_files(read_tree(args.repo), memo)  # invalid files fail here, located
    commit, prefix = commit_at(args.repo, args.base)
    base_files = tree_files(commit.tree, prefix)
    try:
        base = None if EXCHANGE_FILE not in base_files else load_files(base_files, memo)
    except ValidationFailed as exc:
        first = "; ".join(str(p) for p in exc.problems[:3])
        raise SettingsError(
            f"the base revision {args.base} does not validate ({len(exc.problems)} problems, "
            f"first: {first}); plan against a revision that does"
        ) from None
    base_templates = from_files(
        template_files(commit.tree, prefix), f"the templates/ of {args.base}"
    )
    head_templates = from_directory(args.repo)
    planned = plan(base, head, args.base, base_templates, head_templates)
    if args.diff_out:
        args.diff_out.write_text(planned.diff, encoding="utf-8")
    if args.format == "json":
        print(json.dumps(planned.to_json(), indent=2, sort_keys=True))
    elif args.format == "markdown":
        print(plan_markdown(planned, head_templates), end="")
    else:
        print(plan_text(planned), end="")
    return EXIT_OK


async def _plan_live(args: argparse.Namespace, settings: Settings) -> int:
    from ztix.apply import run_apply  # noqa: PLC0415
    from ztix.gitsource import head_commit  # noqa: PLC0415
    from ztix.loader import load  # noqa: PLC0415
    from ztix.templateset import from_directory  # noqa: PLC0415

    repo = load(args.repo)
    provider = build_zerotier(settings, repo.exchange.model)
    deployer = build_deployer(settings, required=True)
    try:
        report = await run_apply(
            repo,
            commit=head_commit(args.repo),
            zerotier=provider,
            deployer=deployer,
            dry_run=True,
            progress=print,
            templates=from_directory(args.repo),
        )
    finally:
        await provider.aclose()
    drift = [r for r in report.route_servers if r.action != "unchanged"]
    zt = report.zerotier or {}
    zt_drift = sum(
        n for k, n in zt.get("counts", {}).items() if k not in ("unchanged", "unmanaged")
    )
    print(
        f"drift: {zt_drift} ZeroTier members, {len(drift)} route servers"
        + (f", {len(report.failures)} could not be checked" if report.failures else "")
    )
    return EXIT_OK if not report.failures else EXIT_PARTIAL
