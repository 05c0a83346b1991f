"""The apply job the receiver runs: fetch the main branch fresh, then `ztix apply` on it."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import git

from ztix.errors import EXIT_INCIDENT, EXIT_INVALID, EXIT_OK, EXIT_PARTIAL
from ztix.webhook.runner import Outcome, RunResult

# `ztix apply` exit codes (ztix.errors) -> the run's result; any other code is "failed".
RESULTS: dict[int, Outcome] = {
    EXIT_OK: "ok",
    EXIT_INCIDENT: "incident",
    EXIT_INVALID: "invalid",
    EXIT_PARTIAL: "partial",
}


class GitApplyJob:
    """Clone or fetch `branch` of `repo_url` into `workdir`, then run `ztix apply` there."""

    def __init__(
        self, repo_url: str, workdir: Path, branch: str = "main", timeout: float = 1800
    ) -> None:
        self.repo_url = repo_url
        self.workdir = workdir
        self.branch = branch
        self.timeout = timeout

    def _checkout(self) -> str:
        """A clean checkout of the branch's newest commit; returns its id."""
        if (self.workdir / ".git").is_dir():
            repo = git.Repo(self.workdir)
            # The URL may have changed since the checkout was made (settings, then a restart):
            # always fetch from the one configured now.
            if repo.remotes.origin.url != self.repo_url:
                repo.remotes.origin.set_url(self.repo_url)
            repo.remotes.origin.fetch(self.branch)
        else:
            self.workdir.parent.mkdir(parents=True, exist_ok=True)
            repo = git.Repo.clone_from(self.repo_url, self.workdir, branch=self.branch)
        repo.git.checkout("--force", "--detach", f"origin/{self.branch}")
        repo.git.clean("-fdx")
        return str(repo.head.commit.hexsha)

    async def __call__(self) -> RunResult:
        """Run once; failures become results, never exceptions."""
        started = time.time()
        try:
            commit = await asyncio.to_thread(self._checkout)
        except (git.GitError, OSError) as exc:
            return RunResult(
                None,
                "failed",
                f"cannot fetch {self.branch}: {type(exc).__name__}",
                started,
                time.time(),
            )
        report = self.workdir.parent / "ztix-apply-report.json"
        report.unlink(missing_ok=True)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "ztix.cli",
            "apply",
            "--repo",
            str(self.workdir),
            "--report",
            str(report),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), self.timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            return RunResult(
                commit,
                "failed",
                f"apply took longer than {self.timeout:.0f} s",
                started,
                time.time(),
            )
        code = process.returncode if process.returncode is not None else -1
        result = RESULTS.get(code, "failed")
        detail = _detail(report, stderr.decode(errors="replace"), code)
        return RunResult(commit, result, detail, started, time.time())


def _detail(report: Path, stderr: str, code: int) -> str:
    try:
        failures = json.loads(report.read_text()).get("failures", [])
    except (OSError, ValueError):
        failures = [line for line in stderr.splitlines() if line.strip()][:5]
    text = "; ".join(str(f) for f in failures[:5])
    return text or ("applied" if code == EXIT_OK else f"ztix apply exited {code}")
