"""`ztix export ixf`: the IX-F member export, deterministic for a commit."""

from __future__ import annotations

import argparse
import datetime
import sys

from ztix.commands.output import write_file
from ztix.errors import EXIT_OK, SettingsError


def _timestamp(value: str) -> str:
    """A --timestamp in RFC 3339, normalized to UTC with a Z."""
    try:
        when = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SettingsError(f"--timestamp {value!r}: not an RFC 3339 time") from None
    if when.tzinfo is None:
        raise SettingsError(f"--timestamp {value!r}: give the zone (e.g. Z for UTC)")
    try:
        utc = when.astimezone(datetime.UTC)
    except OverflowError:  # year 1 or 9999 moved across midnight by its zone
        raise SettingsError(f"--timestamp {value!r}: out of the range of UTC times") from None
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def ixf(args: argparse.Namespace) -> int:
    """Write the export of the repository's active members."""
    from ztix.load.gitsource import head_time  # noqa: PLC0415
    from ztix.load.loader import load  # noqa: PLC0415
    from ztix.render.ixf import ixf_export, ixf_text  # noqa: PLC0415

    repo = load(args.repo)
    stamp = _timestamp(args.timestamp) if args.timestamp else head_time(args.repo)
    if stamp is None:
        raise SettingsError(
            f"{args.repo} is not a git checkout, so there is no commit time to state: "
            "give --timestamp (e.g. 2026-12-01T00:00:00Z)"
        )
    text = ixf_text(ixf_export(repo.exchange.model, [p.model for p in repo.peers], stamp))
    if args.out is None:
        sys.stdout.write(text)
    else:
        write_file(args.out, text, "--out")
        print(f"wrote {args.out} ({text.count(chr(10))} lines)", file=sys.stderr)
    return EXIT_OK
