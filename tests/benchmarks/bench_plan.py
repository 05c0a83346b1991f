"""Benchmark: `ztix plan --base main --format markdown` on a 2,000-member exchange.

Run: .venv/bin/python -m tests.benchmarks.bench_plan [--members 2000]

Prints the whole process's wall and CPU time for: 1 member changed, 500 changed, all changed,
and a template change that touches every session (target, issue 12: each within 2 s).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.synth import synthetic_files
from ztix.render.templates import shipped


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.email=b@x", "-c", "user.name=b", *args],
        check=True,
        capture_output=True,
        timeout=120,
    )


def build(root: Path, members: int) -> None:
    for path, text in synthetic_files(members).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    for path, text in shipped().files.items():
        (root / "templates" / path).parent.mkdir(parents=True, exist_ok=True)
        (root / "templates" / path).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")


def change(root: Path, count: int) -> None:
    for index, path in enumerate(sorted((root / "peers").glob("AS*.yaml"))):
        if index >= count:
            break
        path.write_text(path.read_text().replace("  ipv4: 100\n", "  ipv4: 150\n"))


def timed(root: Path) -> tuple[float, int]:
    """Wall time of the whole `ztix plan` process, and the size of the comment it printed."""
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ztix.cli",
            "plan",
            "--repo",
            str(root),
            "--base",
            "main",
            "--format",
            "markdown",
            "--diff-out",
            str(root.parent / "plan.diff"),
        ],
        capture_output=True,
        timeout=600,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr.decode()[-2000:])
    return wall, len(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=2000)
    args = parser.parse_args()
    n = args.members
    print(f"{'case':<34} {'wall':>8} {'comment':>10} {'diff lines':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        build(base, n)
        cases = [("1 member changed", 1), ("500 members changed", 500), (f"all {n} changed", n)]
        for label, count in [*cases, ("template change (every session)", -1)]:
            work = Path(tmp) / "work"
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(base, work, symlinks=True)
            if count >= 0:
                change(work, count)
            else:
                tpl = work / "templates" / "bird" / "templates.conf.j2"
                tpl.write_text(tpl.read_text().replace("    secondary on;", "    secondary off;"))
            wall, size = timed(work)
            lines = (Path(tmp) / "plan.diff").read_text().count("\n")
            print(f"{label:<34} {wall:>6.2f} s {size:>8} B {lines:>11}")


if __name__ == "__main__":
    main()
