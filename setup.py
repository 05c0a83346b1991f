"""Build hook: the wheel and the sdist carry the commit they were built from (`ztix --version`).

Everything else about the package is in pyproject.toml. The commit comes from, in order:
ZTIX_BUILD_COMMIT; ztix/_commit.txt as `git archive` expanded it (export-subst, .gitattributes);
`git rev-parse HEAD` of a clean checkout. A checkout with uncommitted changes in what is
shipped builds as `<commit>+dirty`, and a tree with neither as `unknown`: never a guess.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
COMMIT_FILE = Path("ztix") / "_commit.txt"
SHIPPED = ("ztix", "templates", "ci", "requirements", "pyproject.toml", "setup.py")


def _git(*argv: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(HERE), *argv], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def commit() -> str:
    """The commit this tree was built from, as exactly as can be known."""
    given = os.environ.get("ZTIX_BUILD_COMMIT", "").strip()
    if given:
        return given
    recorded = (HERE / COMMIT_FILE).read_text(encoding="utf-8").strip()
    if re.fullmatch(r"[0-9a-f]{40}(\+dirty)?", recorded):
        return recorded  # expanded by git archive, or written into an sdist
    head = _git("rev-parse", "--verify", "HEAD")
    if head is None or _git("rev-parse", "--show-toplevel") != str(HERE):
        return "unknown"
    dirty = _git("status", "--porcelain", "--untracked-files=no", "--", *SHIPPED)
    return f"{head}+dirty" if dirty else head


class BuildPy(build_py):
    """build_py that writes the commit into the built package."""

    def run(self) -> None:
        super().run()
        out = Path(self.build_lib) / COMMIT_FILE
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(commit() + "\n", encoding="utf-8")


class Sdist(sdist):
    """sdist whose ztix/_commit.txt names the commit (a source tree has no git to ask)."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        out = Path(base_dir) / COMMIT_FILE
        out.unlink(missing_ok=True)  # a hard link to the checkout's file: never write through it
        out.write_text(commit() + "\n", encoding="utf-8")


setup(cmdclass={"build_py": BuildPy, "sdist": Sdist})
