"""`ztix export ixf`: the IX-F member export, deterministic for a commit."""

from __future__ import annotations

import argparse
import datetime
import re
import sys
from pathlib import Path

from ztix.commands.output import STDOUT, write_file
from ztix.errors import EXIT_OK, SettingsError

# RFC 3339 section 5.6 date-time: full-date "T" full-time, T and Z in either case (its note),
# a space for the T (its note too). Python's fromisoformat alone takes ISO 8601 forms beyond it
# (20261201T000000Z, week dates, hours alone, +0100) that the IX-F schema's date-time does not.
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?P<zone>[Zz]|[+-]\d{2}:\d{2})?"
)


def _timestamp(value: str) -> str:
    """A --timestamp in RFC 3339, normalized to UTC with a Z (fractions of seconds dropped)."""
    form = _RFC3339.fullmatch(value)
    if form is None:
        raise SettingsError(
            f"--timestamp {value[:60]!r}: not an RFC 3339 time (e.g. 2026-12-01T06:00:00Z)"
        )
    if form["zone"] is None:
        raise SettingsError(f"--timestamp {value!r}: give the zone (e.g. Z for UTC)")
    text = value[:19].replace(" ", "T").replace("t", "T") + (
        "+00:00" if form["zone"] in "Zz" else form["zone"]
    )
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise SettingsError(f"--timestamp {value!r}: not a real time ({text})") from None
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
    out = args.out or Path(STDOUT)
    write_file(out, text, "--out")
    if str(out) != STDOUT:
        print(f"wrote {out} ({text.count(chr(10))} lines)", file=sys.stderr)
    return EXIT_OK
