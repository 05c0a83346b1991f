"""`ztix irr refresh`: expand the members' AS-SETs with bgpq4 into irr/AS<asn>.yaml, in the
working tree or (--propose) as a change opened on the forge."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ztix.commands.output import output_dir, write_file
from ztix.errors import EXIT_OK, EXIT_PARTIAL, SettingsError

if TYPE_CHECKING:
    from ztix.irr.refresh import Decision
    from ztix.load.loader import Repository
    from ztix.ports.forge import ChangeInfo, Forge


def _decide(repo: Repository, args: argparse.Namespace, now: datetime.datetime) -> list[Decision]:
    """Expand and judge every (or every named) active member of `repo`."""
    from ztix.adapters.build import irr_resolvers  # noqa: PLC0415
    from ztix.irr.refresh import refresh as run  # noqa: PLC0415

    only, accept = frozenset(args.asn or ()), frozenset(args.accept or ())
    exchange = repo.exchange.model
    settings = exchange.irr_filter
    if settings is None:
        raise SettingsError(
            "ix.yaml turns IRR filtering off (irr: enabled: false); nothing to refresh"
        )
    peers = [p.model for p in repo.peers if not only or p.model.asn in only]
    unknown = only - {p.asn for p in peers}
    if unknown:
        raise SettingsError(f"not members: {', '.join(f'AS{a}' for a in sorted(unknown))}")
    policy = exchange.policy
    # Documentation and private ASNs are kept only where the exchange allows such members.
    special = policy.allow_documentation_asns or policy.allow_private_asns
    resolver = irr_resolvers()(settings, special, settings.timeout)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return asyncio.run(
        run(
            settings,
            peers,
            repo.irr_data(),
            resolver,
            now=stamp,
            accept=accept,
            jobs=args.jobs,
            shortest=(policy.ipv4.min_length, policy.ipv6.min_length),
        )
    )


def _report(decisions: list[Decision], args: argparse.Namespace) -> int:
    """Print every member's line and the summary (and write the metrics file if asked); the
    exit status (3 when any failed)."""
    from ztix.irr.refresh import summary  # noqa: PLC0415

    for decision in decisions:
        print(decision.line)
    print(f"irr refresh: {summary(decisions)}")
    if args.metrics_file:
        from ztix.commands.metricsfile import irr_refresh_metrics  # noqa: PLC0415

        def count(*statuses: str) -> int:
            return sum(1 for d in decisions if d.status in statuses)

        irr_refresh_metrics(
            args.metrics_file, count("failed"), count("held"), count("new", "updated")
        )
    if any(d.status == "failed" for d in decisions):
        print(
            "irr refresh: failed members keep their previous data; run again later",
            file=sys.stderr,
        )
        return EXIT_PARTIAL
    return EXIT_OK


def refresh(args: argparse.Namespace) -> int:
    """Refresh the IRR data of every (or the named) active member; write what changed."""
    if args.propose:
        return _propose(args)
    from ztix.irr.files import irr_path, irr_text  # noqa: PLC0415
    from ztix.load.loader import load  # noqa: PLC0415

    decisions = _decide(load(args.repo), args, datetime.datetime.now(datetime.UTC))
    root = Path(args.repo)
    written = [(d.asn, d.data) for d in decisions if d.data is not None]
    if written:
        output_dir((root / irr_path(written[0][0])).parent, "--repo")
    for asn, data in written:
        # Whole files only (renamed into place): the exporter or a concurrent `validate`
        # reading the checkout never sees half a file, nor does a run cut short.
        write_file(root / irr_path(asn), irr_text(data), "--repo")
    return _report(decisions, args)


def _propose(args: argparse.Namespace) -> int:
    """Refresh main's members in a clone of the peering repository, push the changed files to
    the branch ztix/irr-refresh and open (or update) its change on the forge."""
    from ztix.adapters.build import build_forge, workspace  # noqa: PLC0415
    from ztix.commands.plan import revision_plan  # noqa: PLC0415
    from ztix.irr import propose  # noqa: PLC0415
    from ztix.load.loader import load_files  # noqa: PLC0415
    from ztix.plan.report import plan_markdown  # noqa: PLC0415
    from ztix.settings.env import load_settings  # noqa: PLC0415
    from ztix.settings.forge import ChangeSettings  # noqa: PLC0415

    settings = load_settings(ChangeSettings, "ZTIX_")
    with contextlib.ExitStack() as stack:
        if settings.workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ztix-irr-")))
        else:
            workdir = settings.workdir
        clone = workspace(
            settings.repo_url,
            workdir / "checkout",
            settings.main_branch,
            author=("ZT-IX IRR refresh", "ztix-irr@localhost"),
        )
        main, _ = clone.snapshot()
        now = datetime.datetime.now(datetime.UTC)
        decisions = _decide(load_files(main), args, now)
        status = _report(decisions, args)
        files = propose.proposal_files(decisions, clone.branch_files(propose.BRANCH))
        if not files:
            print("irr refresh: no member's IRR data changed; nothing to propose")
            return status
        message = propose.commit_message(decisions, now.date().isoformat())
        pushed = clone.push_files(propose.BRANCH, files, message)
        planned, templates = revision_plan(clone.workdir, f"origin/{settings.main_branch}")
        body = propose.change_body(decisions, plan_markdown(planned, templates))
        title = message.splitlines()[0]
        info = asyncio.run(_open(build_forge(settings), pushed.branch, title, body))
        state = "pushed" if pushed.pushed else "already on the branch, nothing pushed"
        print(f"irr refresh: {len(files)} files {state}; change: {info.where or pushed.branch}")
        return status


async def _open(forge: Forge, branch: str, title: str, body: str) -> ChangeInfo:
    try:
        return await forge.open_change(branch, title, body)
    finally:
        await forge.aclose()
