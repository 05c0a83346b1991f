"""`ztix status`: every member session on every route server, read with the read-only key."""

from __future__ import annotations

import argparse
import asyncio
import json

from ztix.adapters.build import build_reader, settings
from ztix.errors import SettingsError


def run(args: argparse.Namespace) -> int:
    """Print the sessions (all, or one member's) and exit by what was found."""
    from ztix.load.loader import load  # noqa: PLC0415
    from ztix.status.collect import status  # noqa: PLC0415
    from ztix.status.report import exit_code, status_json, status_text  # noqa: PLC0415

    repo = load(args.repo)
    peers = [p.model for p in repo.peers]
    if args.asn is not None:
        peers = [p for p in peers if p.asn == args.asn]
        if not peers:
            raise SettingsError(f"AS{args.asn} is not a member (no peers/AS{args.asn}.yaml)")
    reader = build_reader(settings())
    report = asyncio.run(status(repo.exchange.model, peers, reader))
    if args.format == "json":
        print(json.dumps(status_json(report), indent=2, sort_keys=True))
    else:
        print(status_text(report), end="")
    return exit_code(report)
