"""`ztix irr refresh`: expand the members' AS-SETs with bgpq4 into irr/AS<asn>.yaml."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import re
import sys
from collections import Counter
from pathlib import Path

from ztix.errors import EXIT_OK, EXIT_PARTIAL, SettingsError


def _asns(values: list[str] | None, flag: str) -> frozenset[int]:
    out = set()
    for value in values or ():
        match = re.fullmatch(r"(?:AS)?([1-9][0-9]{0,9})", value, re.IGNORECASE)
        if match is None:
            raise SettingsError(f"{flag} {value!r}: not an ASN (e.g. AS64500)")
        out.add(int(match.group(1)))
    return frozenset(out)


def refresh(args: argparse.Namespace) -> int:
    """Refresh the IRR data of every (or the named) active member; write what changed."""
    from ztix.irr.bgpq4 import Bgpq4Resolver  # noqa: PLC0415
    from ztix.irr.files import irr_path, irr_text  # noqa: PLC0415
    from ztix.irr.refresh import refresh as run  # noqa: PLC0415
    from ztix.loader import load  # noqa: PLC0415

    only, accept = _asns(args.asn, "--asn"), _asns(args.accept, "--accept")
    repo = load(args.repo)
    exchange = repo.exchange.model
    settings = exchange.irr
    if settings is None:
        raise SettingsError("ix.yaml has no irr: section (servers and sources); nothing to do")
    peers = [p.model for p in repo.peers if not only or p.model.asn in only]
    unknown = only - {p.asn for p in peers}
    if unknown:
        raise SettingsError(f"not members: {', '.join(f'AS{a}' for a in sorted(unknown))}")
    policy = exchange.policy
    resolver = Bgpq4Resolver(
        settings.servers,
        settings.sources,
        timeout=settings.timeout,
        # Documentation and private ASNs are kept only where the exchange allows such members.
        special_asns=policy.allow_documentation_asns or policy.allow_private_asns,
    )
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    decisions = asyncio.run(
        run(settings, peers, repo.irr_data(), resolver, now=now, accept=accept, jobs=args.jobs)
    )
    root = Path(args.repo)
    for decision in decisions:
        print(decision.line)
        if decision.data is not None:
            target = root / irr_path(decision.asn)
            target.parent.mkdir(exist_ok=True)
            target.write_text(irr_text(decision.data), encoding="utf-8")
    counts = Counter(d.status for d in decisions)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no members"
    print(f"irr refresh: {summary}")
    if counts["failed"]:
        print(
            "irr refresh: failed members keep their previous data; run again later",
            file=sys.stderr,
        )
        return EXIT_PARTIAL
    return EXIT_OK
