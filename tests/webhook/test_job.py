"""The real apply job: a fresh fetch of main from a git remote, then `ztix apply` on it."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from tests.gitrepo import bare_remote, git
from ztix.webhook.job import GitApplyJob


@pytest.fixture
def remote(tmp_path: Path) -> tuple[Path, Path]:
    return bare_remote(tmp_path)


def test_job_fetches_main_and_runs_apply(
    remote: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("ZTIX_"):
            monkeypatch.delenv(name)
    work, bare = remote
    job = GitApplyJob(str(bare), tmp_path / "checkout" / "peering", timeout=120)
    first = asyncio.run(job())
    assert first.commit == git(work, "rev-parse", "HEAD")
    # No credentials in this environment: apply refuses before changing anything (exit 2).
    assert first.result == "failed"
    assert "no ZeroTier token" in first.detail

    (work / "peers" / "AS64501.yaml").write_text("asn: 64501\n")
    git(work, "commit", "-qam", "broken peer file")
    git(work, "push", "-q", "origin", "main")
    second = asyncio.run(job())
    assert second.commit == git(work, "rev-parse", "HEAD") != first.commit
    assert second.result == "invalid"
    assert "peers/AS64501.yaml:1:1: connections: required key is missing" in second.detail


def test_an_unreachable_remote_is_a_failed_run(tmp_path: Path) -> None:
    job = GitApplyJob(str(tmp_path / "missing.git"), tmp_path / "checkout" / "x", timeout=30)
    result = asyncio.run(job())
    assert result.result == "failed" and result.commit is None
    assert "cannot fetch main" in result.detail


def test_a_changed_repository_url_is_fetched_after_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("ZTIX_"):
            monkeypatch.delenv(name)
    old_work, old_bare = bare_remote(tmp_path / "old")
    new_work, new_bare = bare_remote(tmp_path / "new")
    (new_work / "README.md").write_text("moved\n")
    git(new_work, "add", "-A")
    git(new_work, "commit", "-qm", "the repository moved")
    git(new_work, "push", "-q", "origin", "main")
    checkout = tmp_path / "checkout" / "peering"
    first = asyncio.run(GitApplyJob(str(old_bare), checkout, timeout=120)())
    assert first.commit == git(old_work, "rev-parse", "HEAD")
    # The operator changes ZTIX_WEBHOOK_REPO_URL and restarts: the same workdir, a new remote.
    second = asyncio.run(GitApplyJob(str(new_bare), checkout, timeout=120)())
    assert second.commit == git(new_work, "rev-parse", "HEAD")
    assert git(checkout, "remote", "get-url", "origin") == str(new_bare)
