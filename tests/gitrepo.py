"""Git repositories on disk for tests: a committed copy of the test exchange and a bare remote."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.paths import DATA as TEST_DATA

DATA = TEST_DATA / "repo"


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` with a fixed identity; its output."""
    done = subprocess.run(
        ["git", "-C", str(cwd), "-c", "user.email=t@example.net", "-c", "user.name=t", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout.strip()


def committed_copy(target: Path, source: Path = DATA, message: str = "the exchange") -> Path:
    """`source` copied to `target` as a git repository with one commit on main."""
    shutil.copytree(source, target)
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-qm", message)
    return target


def bare_remote(workdir: Path, source: Path = DATA) -> tuple[Path, Path]:
    """(a working copy, a bare clone of it that is its origin) under `workdir`."""
    work = committed_copy(workdir / "seed", source)
    bare = workdir / "peering.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True, timeout=30)
    git(work, "remote", "add", "origin", str(bare))
    return work, bare
