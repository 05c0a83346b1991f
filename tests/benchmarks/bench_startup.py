"""Benchmark: whole-process CPU time of ZT-IX commands, side by side with arouteserver.

Run: .venv/bin/python -m tests.benchmarks.bench_startup [--sizes 1,100,1000,2000]
        [--arouteserver /path/to/arouteserver] [--runs 5]

Prints, in one run, the CPU time (user + system, median of --runs) of `python -c pass` (the
interpreter), `ztix --help` (ZT-IX's own start-up) and `ztix render` (YAML to written configs,
validating on the way) for exchanges of each size, next to `arouteserver bird` building the same
exchange when it is given (it is not a dependency: install it in a virtualenv of its own).
Targets (issue 11): start-up under 0.15 s beyond the interpreter; render of 100 members under
0.25 s and of 2,000 under 0.5 s, ahead of arouteserver at every size.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from tests.benchmarks.ars import arouteserver_build, cpu_seconds
from tests.benchmarks.synth import synthetic_files


def best(argv: list[str], runs: int, cwd: Path | None = None) -> float:
    """The median CPU time of `runs` runs of a command that must succeed (CPU accounting on a
    shared VM varies by 10% from run to run; the median is steadier than one run or the min)."""
    times = []
    for _ in range(runs):
        cpu, code, err = cpu_seconds(argv, cwd)
        if code != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({code}): {err[-500:]}")
        times.append(cpu)
    return statistics.median(times)


def write_repo(root: Path, n: int) -> None:
    for path, text in synthetic_files(n).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1,100,1000,2000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--arouteserver", default=shutil.which("arouteserver"))
    args = parser.parse_args()
    ztix = [sys.executable, "-m", "ztix.cli"]
    script = Path(sys.executable).parent / "ztix"
    if script.exists():
        ztix = [str(script)]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        interpreter = best([sys.executable, "-c", "pass"], args.runs)
        helps = best([*ztix, "--help"], args.runs)
        print(f"python -c pass      {interpreter:7.3f} s CPU")
        print(
            f"ztix --help         {helps:7.3f} s CPU  ({helps - interpreter:.3f} s beyond the "
            "interpreter; target < 0.150)"
        )
        print(f"\n{'members':>8} {'ztix render':>12} {'arouteserver bird':>18} {'ratio':>7}")
        for n in (int(s) for s in args.sizes.split(",")):
            repo = work / f"ix-{n}"
            write_repo(repo, n)
            ours = best(
                [*ztix, "render", "--repo", str(repo), "--out", str(work / f"out-{n}")], args.runs
            )
            theirs = "-"
            ratio = ""
            if args.arouteserver:
                built = arouteserver_build(n, args.arouteserver, work)
                if isinstance(built, str):
                    theirs = built
                else:
                    theirs = f"{built[1]:.3f} s"
                    ratio = f"{built[1] / ours:.1f}x"
            print(f"{n:>8} {ours:>10.3f} s {theirs:>18} {ratio:>7}")


if __name__ == "__main__":
    main()
