"""Helpers for tests that run the real BIRD binary."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from ztix.bird.routes import Route


def require(binary: str) -> str:
    """Path of `binary`; skip locally if missing, fail in CI (where .ci/run installs it)."""
    found = shutil.which(binary) or (
        f"/usr/sbin/{binary}" if Path(f"/usr/sbin/{binary}").exists() else None
    )
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{binary} is not installed; .ci/run must install it")
        pytest.skip(f"{binary} is not installed (apt-get install bird2 stayrtr openssh-server)")
    return found


def bird_parse(text: str) -> subprocess.CompletedProcess[str]:
    """Run `bird -p` on a config text; returns the finished process."""
    bird = require("bird")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bird.conf"
        path.write_text(text, encoding="utf-8")
        return subprocess.run(
            [bird, "-p", "-c", str(path)], capture_output=True, text=True, timeout=60, check=False
        )


def assert_bird_accepts(text: str) -> None:
    """Fail with BIRD's own message if it rejects the config."""
    done = bird_parse(text)
    assert done.returncode == 0, f"bird -p rejected the config: {done.stderr}{done.stdout}"


def newer_bird(version: str) -> str:
    """The binary of a newer BIRD named in ZTIX_TEST_BIRDS ("2.14=/path/bird,3=/path/bird");
    skips when none is given (no packages for them here: checked locally, not in CI)."""
    spec = os.environ.get("ZTIX_TEST_BIRDS", "")
    found = dict(item.split("=", 1) for item in spec.split(",") if "=" in item)
    if version not in found:
        pytest.skip(f"no BIRD {version} binary given in ZTIX_TEST_BIRDS")
    return found[version]


def assert_newer_bird_accepts(version: str, text: str) -> None:
    """`bird -p` of a newer BIRD accepts `text` without a warning."""
    bird = newer_bird(version)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bird.conf"
        path.write_text(text, encoding="utf-8")
        done = subprocess.run(
            [bird, "-p", "-c", str(path)], capture_output=True, text=True, timeout=60, check=False
        )
    assert done.returncode == 0, done.stderr
    assert "warn" not in done.stderr.lower(), done.stderr


def by_prefix(routes: list[Route]) -> dict[str, Route]:
    """The primary (or only) route of each prefix."""
    out: dict[str, Route] = {}
    for route in routes:
        if route.prefix not in out or route.primary:
            out[route.prefix] = route
    return out
