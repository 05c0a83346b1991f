"""`ztix rs enable AS<asn>`: lift a max-prefix hold, after the member has fixed its announcements;
`ztix rs slurm`: the SLURM file for the RTR caches (the sentinel ROA, ztix.render.sentinel).

A session that exceeded its max-prefix limit stays down across deploys
(ztix.adapters.routeserver.change);
this deploys the route servers with that member's sessions no longer held, through the same
safe path as apply (prepare all, canary first, health check, confirm).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from ztix.adapters.build import build_deployer, settings
from ztix.errors import EXIT_OK, EXIT_PARTIAL, SettingsError


def enable(args: argparse.Namespace) -> int:
    """Enable the held sessions of one member on every (or one) route server."""
    return asyncio.run(_enable(args))


async def _enable(args: argparse.Namespace) -> int:
    from ztix.load.loader import load  # noqa: PLC0415
    from ztix.ports.deploy import Target  # noqa: PLC0415
    from ztix.render.routeserver import repository_renderers, session_name  # noqa: PLC0415
    from ztix.render.templates import from_directory  # noqa: PLC0415

    asn: int = args.member  # parsed by the command line (ztix.commands.arguments._asn)
    repo = load(args.repo)
    exchange = repo.exchange.model
    peer = next((p.model for p in repo.peers if p.model.asn == asn), None)
    if peer is None or not peer.active:
        raise SettingsError(f"AS{asn} is not an active member of {exchange.name}")
    servers = [rs for rs in exchange.route_servers if args.route_server in (None, rs.name)]
    if not servers:
        raise SettingsError(f"no route server named {args.route_server!r} in ix.yaml")
    lift = frozenset(
        session_name(asn, c.zerotier_node_id, family)
        for c in peer.connections
        for family in ("ipv4", "ipv6")
    )
    deployer = build_deployer(settings(), required=True)
    assert deployer is not None
    renders = repository_renderers(repo, from_directory(args.repo))
    jobs = [(Target.from_model(rs, exchange), renders[rs.name]) for rs in servers]
    canary = next((rs.name for rs in servers if rs.canary), servers[0].name)
    results = await deployer.deploy_all(jobs, canary, lift)
    for result in results:
        still = [name for name in result.held if name in lift]
        print(
            f"{result.route_server}: {result.action}"
            + (f" ({result.detail})" if result.detail else "")
        )
        if result.ok and not still:
            print(f"  AS{asn}'s sessions are no longer held; they come up as BGP allows")
        if still:
            print(f"  still held: {', '.join(still)}", file=sys.stderr)
    return EXIT_OK if all(r.ok for r in results) else EXIT_PARTIAL


def slurm(args: argparse.Namespace) -> int:
    """Print the SLURM document with the exchange's sentinel ROAs."""
    from ztix.load.loader import load  # noqa: PLC0415
    from ztix.render.sentinel import slurm as document  # noqa: PLC0415

    sys.stdout.write(document(load(args.repo).exchange.model))
    return EXIT_OK
