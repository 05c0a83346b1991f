"""Benchmark: `ztix plan` with real-sized IRR data (issue 21), whole processes.

An exchange of N members (default 2,000) with IRR filtering on: most members register 1-50
prefixes, a few 50,000-200,000 (~300k entries in all at 2,000 members). Cases, each a whole
`ztix plan --base main --format markdown --diff-out FILE` process (wall and CPU time):

- the largest member's 200k-entry set replaced, every other entry changed (interleaved);
- every member's IRR data changed (one prefix added to each);
- the growth exponent from 1k to 10k members (one member's set changed), by a log-log fit.

Also the loader's CPU time on the IRR files alone (every entry checked), in-process.

Run: .venv/bin/python -m tests.benchmarks.bench_plan_irr [--members 2000] [--scaling 1000,10000]
        [--runs 5]  (each figure the median of --runs whole processes, run from compiled
        bytecode as an installed wheel is)
Targets: the 200k replacement <= 2 s; every member changed <= 3 s (2,000 members); IRR entries
loaded and checked, 275k in <= 0.3 s CPU (measured on the plan's exchange and on one the size
the issue names: 2,000 members, the same large ones, the others with 1-5 prefixes).
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.ars import compiled_env
from tests.benchmarks.synth import peer_asn, synthetic_files
from ztix.irr.files import irr_path, irr_text
from ztix.load.loader import load_files
from ztix.load.tree import Files, read_tree
from ztix.models import IrrData

IRR = "irr:\n  servers:\n    - host: 127.0.0.1\n  sources: [BENCH]\n"
# member index -> IPv4 prefixes (IPv6: a tenth of that)
LARGE = {1: 200_000, 2: 50_000}


def git(root: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-C",
            str(root),
            "-c",
            "user.email=b@x",
            "-c",
            "user.name=b",
            "-c",
            "gc.auto=0",
            *args,
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )


def prefixes(first: int, count: int) -> list[str]:
    """`count` consecutive IPv4 /24s from /24 number `first` (canonical and sorted)."""
    return [f"{ipaddress.IPv4Address((first + k) << 8)}/24" for k in range(count)]


def prefixes6(first: int, count: int) -> list[str]:
    return [
        str(ipaddress.IPv6Network(((0x2A00 << 112) | ((first + k) << 80), 48)))
        for k in range(count)
    ]


def data(index: int, four: list[str], six: list[str]) -> str:
    return irr_text(
        IrrData(
            asn=peer_asn(index),
            expanded=(f"AS-MEMBER{index}",),
            sources=("BENCH",),
            refreshed="2026-12-01T06:00:00Z",
            origins=(str(peer_asn(index)),),
            ipv4=tuple(four),
            ipv6=tuple(six),
        )
    )


def exchange(
    members: int, small: int = 50
) -> tuple[dict[str, str], dict[int, tuple[int, int, int]]]:
    """The files, and per member (first /24 number, IPv4 count, first /48 number); members
    other than the large ones register 1 to `small` IPv4 prefixes."""
    files = synthetic_files(members, irr=IRR)
    layout: dict[int, tuple[int, int, int]] = {}
    v4 = int(ipaddress.IPv4Address("20.0.0.0")) >> 8
    v6 = 0
    for index in range(1, members + 1):
        n4 = LARGE.get(index, 1 + (index * 37) % small)
        n6 = n4 // 10
        layout[index] = (v4, n4, v6)
        files[irr_path(peer_asn(index))] = data(index, prefixes(v4, n4), prefixes6(v6, n6))
        # every other /24 is left free, so a change can interleave new prefixes
        v4 += 2 * n4
        v6 += n6
    return files, layout


def write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


def interleaved(layout: dict[int, tuple[int, int, int]], index: int) -> str:
    """Member `index`'s data with every other entry replaced by the free /24 after it."""
    first, count, v6 = layout[index]
    four = [f"{ipaddress.IPv4Address((first + 2 * k + (k % 2)) << 8)}/24" for k in range(count)]
    return data(index, sorted(four, key=ipaddress.ip_network), prefixes6(v6, count // 10))


def plus_one(layout: dict[int, tuple[int, int, int]], index: int) -> str:
    first, count, v6 = layout[index]
    return data(index, prefixes(first, count + 1), prefixes6(v6, count // 10))


def timed(root: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """(wall, CPU) seconds of one whole `ztix plan` process, and its diff's lines."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    diff = root.parent / "plan.diff"
    done = subprocess.run(
        [sys.executable, "-m", "ztix.cli", "plan", "--repo", str(root), "--base", "main",
         "--format", "markdown", "--diff-out", str(diff)],
        capture_output=True,
        timeout=1800,
        check=False,
        env=env,
    )  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(done.stderr.decode()[-2000:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, diff.read_text().count("\n")


def case(
    base: Path, edits: dict[str, str], env: dict[str, str], runs: int = 1
) -> tuple[float, float, int]:
    """The median (wall, CPU) of `runs` plans of `base` with `edits` (this machine's timings
    vary by ~10 % from run to run), and the diff's lines; after one untimed plan (it writes
    the bytecode an installed wheel has)."""
    work = base.parent / "work"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(base, work, symlinks=True)
    write(work, edits)
    timed(work, env)
    results = sorted(timed(work, env) for _ in range(runs))
    walls = sorted(r[0] for r in results)
    cpus = sorted(r[1] for r in results)
    return walls[runs // 2], cpus[runs // 2], results[0][2]


def irr_loading(files: Files, runs: int) -> float:
    """CPU seconds the loader spends on the IRR files (parsed, every entry checked, the
    cross-file checks): a whole load less a load of the same exchange without its irr/ files
    (the same members, IRR on: none has data yet), the median of `runs`."""
    without = {path: entry for path, entry in files.items() if not path.startswith("irr/")}
    spent = []
    for _ in range(runs):
        start = time.process_time()
        load_files(files)
        middle = time.process_time()
        load_files(without)
        spent.append((middle - start) - (time.process_time() - middle))
    return sorted(spent)[len(spent) // 2]


def built(tmp: Path, members: int) -> tuple[Path, dict[int, tuple[int, int, int]], int]:
    base = tmp / f"base{members}"
    files, layout = exchange(members)
    write(base, files)
    git(base, "init", "-q", "-b", "main")
    git(base, "add", "-A")
    git(base, "commit", "-qm", "base")
    entries = sum(c + c // 10 for _, c, _ in layout.values())
    return base, layout, entries


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--scaling", default="1000,10000")
    parser.add_argument("--runs", type=int, default=5, help="median of this many plans a case")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = compiled_env(tmp / "pycache")
        base, layout, entries = built(tmp, args.members)
        print(f"members {args.members}, IRR entries {entries}")
        irr_cpu = irr_loading(read_tree(base), args.runs)
        print(f"IRR files of this exchange loaded and checked: {irr_cpu:.3f} s CPU")
        # The issue's exchange: 2,000 members, ~275k entries, a few members with 50k-200k.
        issue_files, issue_layout = exchange(2000, small=5)
        size = sum(c + c // 10 for _, c, _ in issue_layout.values())
        irr_cpu = irr_loading(issue_files, args.runs)
        print(
            f"IRR files of 2000 members with {size} entries (the issue's): {irr_cpu:.3f} s CPU"
            " (target <= 0.3 s)\n"
        )
        print(f"{'case':<44} {'wall':>8} {'CPU':>8} {'diff lines':>11}")
        path = irr_path(peer_asn(1))
        cases = [
            ("200k set replaced, interleaved (<= 2 s)", {path: interleaved(layout, 1)}),
            (
                f"all {args.members} members changed (<= 3 s)",
                {irr_path(peer_asn(i)): plus_one(layout, i) for i in layout},
            ),
        ]
        for label, edits in cases:
            wall, cpu, lines = case(base, edits, env, args.runs)
            print(f"{label:<44} {wall:>6.2f} s {cpu:>6.2f} s {lines:>11}")
        shutil.rmtree(base)
        points = []
        for members in [int(m) for m in args.scaling.split(",")]:
            base, layout, entries = built(tmp, members)
            small = max(i for i in layout if i not in LARGE)
            edit = {irr_path(peer_asn(small)): plus_one(layout, small)}
            wall, cpu, _ = case(base, edit, env, args.runs)
            print(f"{f'{members} members ({entries} entries), one changed':<44} "
                  f"{wall:>6.2f} s {cpu:>6.2f} s")  # fmt: skip
            points.append((members, cpu))
            shutil.rmtree(base)
        (n1, t1), (n2, t2) = points[0], points[-1]
        print(
            f"growth exponent {n1} -> {n2} members (CPU): {math.log(t2 / t1) / math.log(n2 / n1):.2f}"
        )


if __name__ == "__main__":
    main()
