"""Benchmark: whole-process CPU time of ZT-IX commands, side by side with arouteserver.

Run: .venv/bin/python -m tests.benchmarks.bench_startup [--sizes 10,100,2000]
        [--arouteserver /path/to/arouteserver] [--runs 5] [--ztix /path/to/ztix]

Prints, in one run, the CPU time (user + system, median of --runs, interleaved) of
`python -c pass` (the interpreter), `ztix --help` (ZT-IX's own start-up), `ztix validate` of
the example repository this checkout ships, and for exchanges of each size `ztix validate`,
`ztix render` and the two together, next to `arouteserver bird` building the same exchange when
it is given (it is not a dependency: install it in a virtualenv of its own), its runs interleaved
with ours. Two ratios: against validate + render (two processes, each paying the interpreter,
pydantic and the models: ~0.13 s), and against render alone, which like `arouteserver bird`
checks every file before it writes the config. ZT-IX runs from
compiled bytecode, as an installed wheel does (a first, untimed run writes it); `--ztix` names
the `ztix` script of another install, e.g. a fresh venv of the built wheel.

Targets (issues 11 and 21): start-up under 0.15 s beyond the interpreter, `validate` of the
example too; validate + render of 2,000 members under 0.8 s together, ahead of arouteserver at
every size.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from tests.benchmarks.ars import arouteserver_command, compiled_env, cpu_seconds
from tests.benchmarks.synth import synthetic_files

CHECKOUT = Path(__file__).resolve().parents[2]


def medians(commands: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, float]:
    """The median CPU time of each command (each must succeed), their runs interleaved so a
    slow moment of a shared VM hits them alike; one untimed run of each first."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(runs + 1):
        for name, argv in commands.items():
            cpu, code, err = cpu_seconds(argv, env=env)
            if code != 0:
                raise SystemExit(f"{' '.join(argv)} failed ({code}): {err[-500:]}")
            if round_:
                times[name].append(cpu)
    return {name: statistics.median(values) for name, values in times.items()}


def write_repo(root: Path, n: int) -> None:
    """A synthetic exchange of `n` members (IRR off: arouteserver builds it without IRR)."""
    for path, text in synthetic_files(n).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


def example_repo(root: Path) -> Path:
    """A copy of the example repository at the checkout's root (ix.yaml and peers/)."""
    root.mkdir()
    shutil.copy(CHECKOUT / "ix.yaml", root / "ix.yaml")
    shutil.copytree(CHECKOUT / "peers", root / "peers")
    return root


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,100,2000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--arouteserver", default=shutil.which("arouteserver"))
    parser.add_argument("--ztix", help="the ztix script to measure (default: this venv's)")
    args = parser.parse_args()
    ztix = [args.ztix] if args.ztix else [sys.executable, "-m", "ztix.cli"]
    script = Path(sys.executable).parent / "ztix"
    if not args.ztix and script.exists():
        ztix = [str(script)]
    python = str(Path(ztix[0]).parent / "python") if args.ztix else sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = compiled_env(work / "pycache")
        example = example_repo(work / "example")
        base = medians(
            {
                "interpreter": [python, "-c", "pass"],
                "help": [*ztix, "--help"],
                "example": [*ztix, "validate", "--repo", str(example)],
            },
            args.runs,
            env,
        )
        interpreter = base["interpreter"]
        print(f"python -c pass             {interpreter:7.3f} s CPU")
        for label, key in (("ztix --help", "help"), ("ztix validate (example)", "example")):
            beyond = base[key] - interpreter
            print(
                f"{label:<26} {base[key]:7.3f} s CPU  ({beyond:.3f} s beyond the interpreter;"
                " target < 0.150)"
            )
        print(
            f"\n{'members':>8} {'validate':>9} {'render':>9} {'together':>9}"
            f" {'arouteserver bird':>18} {'ratio':>6} {'/render':>8}"
        )
        for n in (int(s) for s in args.sizes.split(",")):
            repo = work / f"ix-{n}"
            write_repo(repo, n)
            commands = {
                "validate": [*ztix, "validate", "--repo", str(repo)],
                "render": [*ztix, "render", "--repo", str(repo), "--out", str(work / "out")],
            }
            if args.arouteserver:  # interleaved with ours: a slow moment hits both alike
                commands["ars"] = arouteserver_command(n, args.arouteserver, work)[0]
            times = medians(commands, args.runs, env)
            together = times["validate"] + times["render"]
            theirs, ratio, alone = "-", "", ""
            if "ars" in times:
                theirs = f"{times['ars']:.3f} s"
                ratio = f"{times['ars'] / together:.2f}x"
                alone = f"{times['ars'] / times['render']:.2f}x"
            print(
                f"{n:>8} {times['validate']:>7.3f} s {times['render']:>7.3f} s {together:>7.3f} s"
                f" {theirs:>18} {ratio:>6} {alone:>8}"
            )
        print(
            "\nratio: arouteserver bird / (validate + render), interleaved runs; target at 2,000:"
            " together < 0.8 s.\n/render: arouteserver bird / render alone (each checks"
            " every file, then writes the config: the like-for-like command)"
        )


if __name__ == "__main__":
    main()
