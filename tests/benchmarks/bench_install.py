"""Benchmark: what the pipelines' install step (ci/install.sh) adds to a job, cold and warm.

Run: .venv/bin/python -m tests.benchmarks.bench_install [--runs 5]

Prints wall and CPU time of `sh .ztix/install.sh .ztix/requirements.txt` in a data-only
repository made by `ztix init --wheel` (the apply runner's case) and of
`sh ci/install.sh requirements/runtime.lock .` in a committed copy of this checkout (the fork
model): the first run (cold: a new virtual environment) and the median of --runs more (warm:
the cached one), next to `ztix --version` from that environment (what any job pays anyway).
Packages come from the local wheelhouse when there is one (tests/wheelhouse.py), else the index.
Target (issue 22): a warm runner adds at most 2 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.gitrepo import git
from tests.paths import ROOT
from tests.wheelhouse import DEFAULT as WHEELHOUSE

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKtjAIsDUGj9NfyMhyE7ip5BXH3G+mboFszPmD0uHkYX"


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the children, stdout) of a command that must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-800:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def measure(name: str, argv: list[str], cwd: Path, env: dict[str, str], runs: int) -> None:
    """Print cold, warm (median) and the `ztix --version` of the environment made."""
    wall, cpu, out = timed(argv, cwd, env)
    print(f"{name:<10} cold: {wall:6.2f} s wall {cpu:6.2f} s CPU")
    warm = [timed(argv, cwd, env)[:2] for _ in range(runs)]
    w = statistics.median(x[0] for x in warm)
    c = statistics.median(x[1] for x in warm)
    print(f"{name:<10} warm: {w:6.3f} s wall {c:6.3f} s CPU (median of {runs})")
    ztix = str(Path(out.strip()) / "ztix")
    v = statistics.median(timed([ztix, "--version"], cwd, env)[0] for _ in range(runs))
    print(f"{name:<10} `ztix --version` from it: {v:6.3f} s wall (what any job pays anyway)")


def main() -> None:
    """Build a wheel, make both repositories, measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZTIX_", "PIP_"))}
    if any(WHEELHOUSE.glob("*.whl")):
        env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(WHEELHOUSE))
    with tempfile.TemporaryDirectory(prefix="bench-install-") as tmp:
        work = Path(tmp)
        # the fork model: a committed copy of the files git would ship
        fork = work / "fork"
        listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
        for name in filter(None, listed.split("\0")):
            if (ROOT / name).is_file():
                (fork / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, fork / name)
        git(fork, "init", "-q", "-b", "main")
        git(fork, "add", "-A")
        git(fork, "commit", "-qm", "fork")
        # the data-only model: ztix init --wheel, with a wheel of this checkout
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "-q",
                "--no-deps",
                "--no-build-isolation",
                "-w",
                str(work / "dist"),
                str(fork),
            ],
            check=True,
            timeout=300,
            capture_output=True,
        )
        (wheel,) = (work / "dist").glob("ztix-*.whl")
        (work / "rs1.pub").write_text(KEY + "\n")
        subprocess.run(
            [
                str(Path(sys.executable).parent / "ztix"),
                "init",
                str(work / "data"),
                "--name",
                "Bench IX",
                "--asn",
                "215000",
                "--ipv4",
                "10.50.0.0/24",
                "--provider",
                "self_hosted_controller",
                "--route-server",
                f"rs1,aa00000001,rs1.example.net,{work / 'rs1.pub'}",
                "--wheel",
                str(wheel),
                "--no-input",
            ],
            check=True,
            timeout=120,
            capture_output=True,
        )
        print(
            f"python {sys.version.split()[0]}, packages from "
            f"{env.get('PIP_FIND_LINKS', 'the index')}"
        )
        measure(
            "data-only",
            ["sh", ".ztix/install.sh", ".ztix/requirements.txt"],
            work / "data",
            {**env, "ZTIX_VENV_CACHE": str(work / "cache")},
            args.runs,
        )
        measure(
            "fork",
            ["sh", "ci/install.sh", "requirements/runtime.lock", "."],
            fork,
            {**env, "ZTIX_VENV_CACHE": str(work / "cache")},
            args.runs,
        )


if __name__ == "__main__":
    main()
