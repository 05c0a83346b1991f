"""What this installation of ZT-IX is: its version and the commit it was built from."""

from __future__ import annotations

import importlib.resources
import re
import subprocess
from pathlib import Path

from ztix import __version__

_COMMIT = re.compile(r"[0-9a-f]{40}(\+dirty)?")


def commit() -> str:
    """The commit of the build (wheel or sdist), of the checkout it runs from, or "unknown"."""
    try:
        recorded = importlib.resources.files("ztix").joinpath("_commit.txt").read_text("utf-8")
    except OSError:
        recorded = ""
    if _COMMIT.fullmatch(recorded.strip()):
        return recorded.strip()
    # A source checkout (an editable install): its file still says $Format:%H$, so ask git.
    source = Path(__file__).resolve().parents[1]
    try:
        head = _git(source, "rev-parse", "--verify", "HEAD")
        dirty = _git(source, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    if head.returncode != 0 or not (source / ".git").exists():
        return "unknown"
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def _git(source: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(source), *args], capture_output=True, text=True, timeout=10, check=False
    )


def describe() -> str:
    """`ztix <version> (commit <id>)`, as `ztix --version` prints it."""
    return f"ztix {__version__} (commit {commit()})"
