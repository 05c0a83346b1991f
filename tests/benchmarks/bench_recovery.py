"""Benchmark: how fast the exchange recovers (issue 19), on real BIRD and stayrtr in the lab.

1. An RTR cache restarted with a changed ROA (the victim's route made invalid, then valid
   again): seconds from the cache starting until the receiving member's table follows.
2. A member whose link is cut for longer than the hold time and restored: seconds from the
   link coming back until its session is Established at the route server and its routes are at
   another member again.

Each measured with the exchange `ztix init` writes (its timers), for each RTR `retry` given.
Run as root (namespaces), with the BIRD on PATH (or ZTIX_BIRD=/path/to/bird's directory):
    .venv/bin/python -m tests.benchmarks.bench_recovery [--retry 1,2,5] [--runs 8]
        [--cut 25]

Targets: a ROA change reaches members <= 10 s after the cache answers again; a member's
sessions are back <= 15 s after its link is.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from tests.lab.hijack import HijackLab, link_cut, rtr_restarts


def _figures(label: str, values: list[float]) -> str:
    return (
        f"{label}: n={len(values)} min {min(values):.1f} s, median "
        f"{statistics.median(values):.1f} s, max {max(values):.1f} s "
        f"({', '.join(f'{v:.1f}' for v in values)})"
    )


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retry", default="1,2,5", help="RTR retry values to measure")
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--cut", type=float, default=25.0, help="seconds a link stays cut")
    parser.add_argument("--no-links", action="store_true")
    parser.add_argument(
        "--birds",
        default="2.0=bird",
        help="ix.yaml version=binary of each BIRD to measure, e.g. "
        "2.0=bird,2.14=/opt/bird-2.19.2/sbin/bird,3=/opt/bird-3.3.2/sbin/bird",
    )
    args = parser.parse_args()
    for item in args.birds.split(","):
        version, binary = item.split("=", 1)
        measure(args, (version, binary))


def measure(args: argparse.Namespace, bird: tuple[str, str]) -> None:
    """Every figure for one BIRD."""
    label = f"BIRD {bird[1]}"
    for retry in [int(r) for r in args.retry.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            lab = HijackLab(Path(tmp), "rc", retry=retry, bird=bird)
            try:
                lab.start()
                took = rtr_restarts(lab, args.runs)
                print(_figures(f"{label}: RTR restart, retry {retry}", took), flush=True)
            finally:
                lab.close()
    if not args.no_links:
        up, route = [], []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                lab = HijackLab(Path(tmp), "rc", bird=bird)
                try:
                    lab.start()
                    session, routes = link_cut(lab, args.cut)
                finally:
                    lab.close()
            up.append(session)
            route.append(routes)
        cut = f"{label}: link cut {args.cut:.0f} s"
        print(_figures(f"{cut}: session Established", up))
        print(_figures(f"{cut}: route at another member", route), flush=True)


if __name__ == "__main__":
    main()
