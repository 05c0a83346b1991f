"""`ztix zerotier plan|apply`: the ZeroTier network alone."""

from __future__ import annotations

import argparse
import asyncio
import logging

from ztix.adapters.build import build_zerotier, settings
from ztix.errors import EXIT_INCIDENT, EXIT_OK, EXIT_PARTIAL
from ztix.service.logs import say
from ztix.settings.env import Settings


def run(args: argparse.Namespace) -> int:
    """Plan or apply the ZeroTier network against the files."""
    return asyncio.run(_zerotier(args, settings()))


async def _zerotier(args: argparse.Namespace, settings: Settings) -> int:
    from ztix.apply import zerotier as zerotier_run  # noqa: PLC0415
    from ztix.load.loader import load  # noqa: PLC0415

    repo = load(args.repo)
    exchange = repo.exchange.model
    peers = [p.model for p in repo.peers]
    provider = build_zerotier(settings, exchange)
    try:
        planned = await zerotier_run.plan(provider, exchange, peers)
        for line in zerotier_run.plan_lines(planned, verbose=args.zt_command == "plan"):
            print(line)
        if args.zt_command == "plan":
            return EXIT_OK
        result = await zerotier_run.apply(provider, planned)
    finally:
        await provider.aclose()
    writes = len(result.done) + int(result.network_written)
    print(f"applied: {writes} writes, {len(result.failed)} failed")
    for line in result.problems():
        say("error", line, logging.ERROR)
    for incident in planned.incidents:
        say("incident", incident, logging.ERROR)
    if not result.ok:
        return EXIT_PARTIAL
    return EXIT_INCIDENT if planned.incidents else EXIT_OK
