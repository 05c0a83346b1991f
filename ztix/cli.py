"""The `ztix` command: the only place adapters are built from settings."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ztix.apply import run_apply
from ztix.deploy import DeploySettings, SshDeployer
from ztix.errors import AdapterError, SettingsError, ValidationFailed, ZtixError
from ztix.gitsource import files_at, head_commit
from ztix.loader import EXCHANGE_FILE, Repository, load, load_files
from ztix.models import Exchange
from ztix.plan import plan
from ztix.ports import ZeroTierProvider
from ztix.render import render_all, templates_for
from ztix.report import plan_markdown, plan_text
from ztix.schema import SCHEMA_FILES, dump, json_schemas
from ztix.settings import Settings, load_settings
from ztix.zerotier import run as zerotier_run
from ztix.zerotier.central import CentralProvider
from ztix.zerotier.controller import ControllerProvider
from ztix.zerotier.run import ZeroTierPlan

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3


def _summary(repo: Repository) -> str:
    peers = [p.model for p in repo.peers]
    active = sum(1 for p in peers if p.active)
    servers = len(repo.exchange.model.route_servers)
    return (
        f"ok: {repo.exchange.model.name}: {len(peers)} peers ({active} active, "
        f"{len(peers) - active} suspended), {servers} route servers, no problems"
    )


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate every file; print each problem, or a one-line summary."""
    repo = load(args.repo)
    print(_summary(repo))
    return EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    """Render every route server's BIRD config into OUT/<route-server>/bird.conf."""
    repo = load(args.repo)
    configs = render_all(
        repo.exchange.model, [p.model for p in repo.peers], templates_for(args.repo)
    )
    for name, text in configs.items():
        target = args.out / name / "bird.conf"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target} ({text.count(chr(10))} lines)")
    return EXIT_OK


def build_zerotier(settings: Settings, exchange: Exchange) -> ZeroTierProvider:
    """The ZeroTier provider named in ix.yaml, with the token from the environment."""
    zt = exchange.zerotier
    url = settings.zerotier_api_url or zt.api_url
    token = settings.zerotier_token_value()
    if zt.provider == "central":
        assert zt.network_id is not None  # the model requires it for central
        return CentralProvider(
            url,
            token,
            network_id=zt.network_id,
            timeout=settings.http_timeout,
            concurrency=min(settings.zerotier_concurrency, 4),
        )
    return ControllerProvider(
        url,
        token,
        network_id=zt.network_id,
        network_suffix=zt.network_suffix,
        timeout=settings.http_timeout,
        concurrency=settings.zerotier_concurrency,
    )


def _print_plan(planned: ZeroTierPlan, verbose: bool = True) -> None:
    for change in planned.members:
        if verbose or change.writes or change.action == "unmanaged":
            member = change.desired or change.live
            name = member.name if member else ""
            ips = " ".join(change.desired.ip_assignments) if change.desired else ""
            extra = f" ({change.detail})" if change.detail else ""
            print(f"  {change.action:<12} {change.node_id} {name:<20} {ips}{extra}")
    print(planned.summary())


async def _zerotier(args: argparse.Namespace, settings: Settings) -> int:
    repo = load(args.repo)
    exchange = repo.exchange.model
    peers = [p.model for p in repo.peers]
    provider = build_zerotier(settings, exchange)
    try:
        planned = await zerotier_run.plan(provider, exchange, peers)
        _print_plan(planned, verbose=args.zt_command == "plan")
        if args.zt_command == "plan":
            return EXIT_OK
        result = await zerotier_run.apply(provider, planned)
    finally:
        await provider.aclose()
    writes = len(result.done) + int(result.network_written)
    print(f"applied: {writes} writes, {len(result.failed)} failed")
    if result.network_error:
        print(f"error: network: {result.network_error}", file=sys.stderr)
    for change, why in result.failed:
        print(f"error: {change.node_id}: {why}", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_PARTIAL


def cmd_zerotier(args: argparse.Namespace) -> int:
    """Plan or apply the ZeroTier network against the files."""
    return asyncio.run(_zerotier(args, load_settings(Settings, "ZTIX_")))


def cmd_plan(args: argparse.Namespace) -> int:
    """Plan a change: offline against --base, or against the live systems with --live."""
    if args.live:
        return asyncio.run(_plan_live(args, load_settings(Settings, "ZTIX_")))
    if not args.base:
        raise SettingsError("give --base REF (e.g. origin/main) or --live")
    head = load(args.repo)  # invalid files fail here with located problems
    base_files = files_at(args.repo, args.base)
    try:
        base = None if EXCHANGE_FILE not in base_files else load_files(base_files)
    except ValidationFailed as exc:
        first = "; ".join(str(p) for p in exc.problems[:3])
        raise SettingsError(
            f"the base revision {args.base} does not validate ({len(exc.problems)} problems, "
            f"first: {first}); plan against a revision that does"
        ) from None
    templates = templates_for(args.repo)
    planned = plan(base, head, args.base, templates)
    if args.format == "json":
        print(json.dumps(planned.to_json(), indent=2, sort_keys=True))
    elif args.format == "markdown":
        print(plan_markdown(planned, templates), end="")
    else:
        print(plan_text(planned), end="")
    return EXIT_OK


async def _plan_live(args: argparse.Namespace, settings: Settings) -> int:
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
            templates=templates_for(args.repo),
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


def build_deployer(settings: Settings, *, required: bool) -> SshDeployer | None:
    """The SSH deployer with the key from the environment (None in a dry run without one)."""
    key = settings.require_ssh_key() if required else settings.ssh_key_value()
    if key is None:
        return None
    return SshDeployer(
        key,
        DeploySettings(
            connect_timeout=settings.http_timeout,
            confirm_timeout=settings.bird_confirm_timeout,
            health_settle=settings.health_settle,
            lock_wait=settings.deploy_lock_wait,
        ),
    )


def cmd_apply(args: argparse.Namespace) -> int:
    """Validate, then ZeroTier, route servers, and deauthorizations; write the reports."""
    return asyncio.run(_apply(args, load_settings(Settings, "ZTIX_")))


async def _apply(args: argparse.Namespace, settings: Settings) -> int:
    repo = load(args.repo)
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
            templates=templates_for(args.repo),
        )
    finally:
        if provider is not None:
            await provider.aclose()
    if args.report:
        args.report.write_text(json.dumps(report.to_json(), indent=2, sort_keys=True) + "\n")
        print(f"report: {args.report}")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(report.markdown())
    for failure in report.failures:
        print(f"error: {failure}", file=sys.stderr)
    print(f"{'dry run' if args.dry_run else 'apply'}: {report.status}")
    return EXIT_OK if report.status == "ok" else EXIT_PARTIAL


def cmd_webhook(args: argparse.Namespace) -> int:
    """Serve the webhook receiver (settings from ZTIX_WEBHOOK_*)."""
    from webhook.app import create_app  # noqa: PLC0415
    from webhook.settings import WebhookSettings  # noqa: PLC0415

    settings = load_settings(WebhookSettings, "ZTIX_WEBHOOK_")
    return _serve(create_app(settings), args)


def cmd_portal(args: argparse.Namespace) -> int:
    """Serve the member portal (settings from ZTIX_PORTAL_*)."""
    with warnings.catch_warnings():
        # authlib announces its move to httpx2 at import; operators cannot act on that. Its
        # deprecate module installs an "always" filter when imported, so ours goes in after it.
        import authlib.deprecate  # noqa: F401, PLC0415

        warnings.filterwarnings("ignore", message="The httpx module is deprecated")
        from ztix.portal.app import create_app  # noqa: PLC0415
    from ztix.portal.settings import PortalSettings  # noqa: PLC0415

    settings = load_settings(PortalSettings, "ZTIX_PORTAL_")
    return _serve(create_app(settings), args)


def _serve(app: Any, args: argparse.Namespace) -> int:
    """Run an ASGI app on loopback behind the operator's reverse proxy (trusted for headers)."""
    import uvicorn  # noqa: PLC0415  only the server commands need it

    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_level="info",
    )
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """Print or write the JSON Schemas of both file kinds."""
    schemas = json_schemas()
    if args.out is None:
        print(dump({name.removesuffix(".schema.json"): s for name, s in schemas.items()}), end="")
        return EXIT_OK
    args.out.mkdir(parents=True, exist_ok=True)
    for name in SCHEMA_FILES:
        (args.out / name).write_text(dump(schemas[name]), encoding="utf-8")
        print(f"wrote {args.out / name}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="ztix", description="Run an IX on ZeroTier, GitOps style."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def repo_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--repo", type=Path, default=Path("."), help="repository (default: .)")

    p = sub.add_parser("validate", help="check ix.yaml and every peer file")
    repo_arg(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("render", help="write each route server's BIRD config")
    repo_arg(p)
    p.add_argument("--out", type=Path, required=True, help="directory for <rs>/bird.conf")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("plan", help="what a change does: against --base REF, or --live")
    repo_arg(p)
    p.add_argument("--base", help="git revision to compare with (e.g. origin/main)")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    p.add_argument(
        "--live",
        action="store_true",
        help="compare with the live ZeroTier network and deployed configs (drift)",
    )
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("apply", help="make ZeroTier and the route servers match the files")
    repo_arg(p)
    p.add_argument("--dry-run", action="store_true", help="change nothing; say what would change")
    p.add_argument("--only", choices=("zerotier", "routeservers"))
    p.add_argument(
        "--report",
        type=Path,
        default=Path("ztix-apply-report.json"),
        help="JSON report file (default: ztix-apply-report.json)",
    )
    p.set_defaults(func=cmd_apply)

    p = sub.add_parser("zerotier", help="reconcile the ZeroTier network with the files")
    zt_sub = p.add_subparsers(dest="zt_command", required=True)
    for name, text in (
        ("plan", "show what would change (reads only)"),
        ("apply", "authorize, update and deauthorize members; set the network"),
    ):
        q = zt_sub.add_parser(name, help=text)
        repo_arg(q)
        q.set_defaults(func=cmd_zerotier)

    p = sub.add_parser("webhook", help="run the webhook receiver (behind a TLS reverse proxy)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8081)
    p.set_defaults(func=cmd_webhook)

    p = sub.add_parser("portal", help="run the member portal (behind a TLS reverse proxy)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.set_defaults(func=cmd_portal)

    p = sub.add_parser("schema", help="JSON Schema of ix.yaml and peer files")
    p.add_argument("--out", type=Path, help="write <kind>.schema.json files into this directory")
    p.set_defaults(func=cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `ztix` console script."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except ValidationFailed as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(
            f"error: {count} problem{'s' if count != 1 else ''}; nothing applied", file=sys.stderr
        )
        return EXIT_INVALID
    except AdapterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PARTIAL
    except ZtixError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return code


if __name__ == "__main__":
    sys.exit(main())
