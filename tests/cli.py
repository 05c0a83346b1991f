"""Run the `ztix` command in a subprocess with a clean environment (no inherited ZTIX_ settings)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def ztix(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m ztix.cli ARGS` with only `env` added to a ZTIX_/GITHUB_-free environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ZTIX_", "GITHUB_"))}
    return subprocess.run(
        [sys.executable, "-m", "ztix.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**clean, **(env or {})},
        cwd=cwd,
    )
