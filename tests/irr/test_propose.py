"""`ztix irr refresh --propose`, the scheduled job: real bgpq4 against the stand-in whois
server, a real bare git remote, the GitHub-shaped forge; idempotent reruns, guards in the
change's description, two jobs at once."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.birdtools import require
from tests.cli import ztix
from tests.conftest import write_repo
from tests.gitrepo import bare_remote, git
from tests.irr.fixtures import irr_repo
from tests.irr.standin import Registry, StandIn, standin
from tests.portal.fakes import FakeGitHub
from ztix.cli import main

BRANCH = "ztix/irr-refresh"


def registry() -> Registry:
    return Registry(
        sets={"LABA": {"AS-TWO": ["AS64501"]}, "LABB": {}},
        routes={
            "LABA": {64500: ["5.5.0.0/16", "23.1.0.0/16"], 64501: ["23.7.7.0/24"]},
            "LABB": {},
        },
    )


@pytest.fixture
def server() -> Iterator[StandIn]:
    require("bgpq4")
    with standin(registry(), ["LABA", "LABB"]) as running:
        yield running


@pytest.fixture
def remote(tmp_path: Path, server: StandIn) -> Path:
    files = irr_repo(data={}, port=server.port)
    files["peers/AS64501.yaml"] += "as_set: AS-TWO\n"
    return bare_remote(tmp_path, write_repo(tmp_path / "src", files))[1]


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    forge = FakeGitHub()
    try:
        yield forge
    finally:
        forge.close()


def env(remote: Path, workdir: Path, forge: FakeGitHub | None = None) -> dict[str, str]:
    values = {"ZTIX_REPO_URL": str(remote), "ZTIX_WORKDIR": str(workdir)}
    if forge is not None:
        values |= {
            "ZTIX_FORGE": "github",
            "ZTIX_FORGE_API_URL": forge.url,
            "ZTIX_FORGE_TOKEN": forge.token,
            "ZTIX_FORGE_PROJECT": forge.project,
        }
    return values


def propose(monkeypatch: pytest.MonkeyPatch, values: dict[str, str], *args: str) -> int:
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return main(["irr", "refresh", "--propose", *args])


def branch_file(remote: Path, path: str) -> str:
    return git(remote, "show", f"{BRANCH}:{path}")


def test_the_refresh_is_pushed_as_a_change_and_an_unchanged_rerun_pushes_nothing(
    tmp_path: Path,
    *,
    remote: Path,
    server: StandIn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    main_before = git(remote, "rev-parse", "main")
    values = env(remote, tmp_path / "job")
    assert propose(monkeypatch, values) == 0
    out = capsys.readouterr().out
    assert "irr refresh: 2 new\n" in out
    assert "irr refresh: 2 files pushed; change: branch ztix/irr-refresh of the peering" in out
    assert git(remote, "rev-parse", "main") == main_before  # main is only changed by a merge
    subject = git(remote, "log", "-1", "--format=%s", BRANCH)
    assert subject.startswith("IRR refresh ") and subject.endswith(": 2 new")
    assert "23.7.7.0/24" in branch_file(remote, "irr/AS64501.yaml")
    first = git(remote, "rev-parse", BRANCH)

    # The same IRR the next day: the open change already holds it; nothing is pushed.
    assert propose(monkeypatch, values) == 0
    assert "already on the branch, nothing pushed" in capsys.readouterr().out
    assert git(remote, "rev-parse", BRANCH) == first

    # One member's registrations change: a new commit, the other member's file kept as it was
    # (its `refreshed` time too, so the diff shows only the real change).
    untouched = branch_file(remote, "irr/AS64501.yaml")
    server.registry.routes["LABA"][64500].append("23.2.0.0/16")
    assert propose(monkeypatch, values) == 0
    assert "2 files pushed" in capsys.readouterr().out
    assert git(remote, "rev-parse", BRANCH) != first
    assert "23.2.0.0/16" in branch_file(remote, "irr/AS64500.yaml")
    assert branch_file(remote, "irr/AS64501.yaml") == untouched

    # The server fails for everyone: exit 3, nothing proposed, the open change untouched.
    pushed = git(remote, "rev-parse", BRANCH)
    server.mode = "error"
    assert propose(monkeypatch, values) == 3
    captured = capsys.readouterr()
    assert "nothing to propose" in captured.out and "keep their previous data" in captured.err
    assert git(remote, "rev-parse", BRANCH) == pushed


def test_the_change_on_the_forge_carries_the_guards_and_the_plan(
    tmp_path: Path,
    *,
    remote: Path,
    server: StandIn,
    github: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Main already holds both members' data; AS64501's set then grows past the guard.
    seed = tmp_path / "seed"
    assert propose(monkeypatch, env(remote, tmp_path / "first")) == 0
    git(seed, "fetch", "-q", "origin")
    git(seed, "merge", "-q", "--ff-only", f"origin/{BRANCH}")
    git(seed, "push", "-q", "origin", "main")
    server.registry.routes["LABA"][64501] += [
        f"23.{100 + n // 256}.{n % 256}.0/24" for n in range(1200)
    ]
    server.registry.routes["LABA"][64500].append("23.2.0.0/16")
    capsys.readouterr()

    assert propose(monkeypatch, env(remote, tmp_path / "job", github)) == 0
    out = capsys.readouterr().out
    assert github.token not in out
    assert "held      AS64501: ipv4 +1200/-0 held back" in out
    (pull,) = github.pulls
    assert pull["head"]["ref"] == BRANCH and pull["base"]["ref"] == "main"
    assert pull["title"].startswith("IRR refresh ") and "1 held, 1 updated" in pull["title"]
    body = pull["body"]
    assert "Not in this change" in body and "`held      AS64501: ipv4 +1200/-0" in body
    assert "AS64500" in body and "23.2.0.0/16" in body  # the plan's IRR table
    assert out.rstrip().endswith(pull["html_url"])
    # Only AS64500's file is in the change; AS64501 keeps main's data.
    assert git(remote, "diff", "--name-only", "main", BRANCH) == "irr/AS64500.yaml"

    # A rerun reuses the open pull request.
    assert propose(monkeypatch, env(remote, tmp_path / "job", github)) == 0
    assert len(github.pulls) == 1


def test_two_jobs_at_once_leave_one_branch_and_one_change(
    tmp_path: Path, remote: Path, server: StandIn, github: FakeGitHub
) -> None:
    results: list[subprocess.CompletedProcess[str]] = []

    def job(n: int) -> None:
        values = env(remote, tmp_path / f"job{n}", github)
        results.append(ztix("irr", "refresh", "--propose", env=values))

    threads = [threading.Thread(target=job, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=150)
    codes = sorted(r.returncode for r in results)
    # Both succeed (the second finds the same tree, or the open pull request), or the loser's
    # push is refused by the lease with a clean error: never a traceback, never two changes.
    assert codes in ([0, 0], [0, 3]), [r.stdout + r.stderr for r in results]
    for result in results:
        assert "Traceback" not in result.stderr
        if result.returncode == 3:
            assert "cannot push ztix/irr-refresh" in result.stderr
    assert len([p for p in github.pulls if p["state"] == "open"]) == 1
    assert "23.7.7.0/24" in branch_file(remote, "irr/AS64501.yaml")


def test_an_unreachable_repository_is_said_with_git_s_reason_and_no_credentials(
    tmp_path: Path, server: StandIn
) -> None:
    url = "https://bob:s3cr3t-token@127.0.0.1:9/peering.git"
    done = ztix(
        "irr", "refresh", "--propose", env={"ZTIX_REPO_URL": url, "ZTIX_WORKDIR": str(tmp_path)}
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert "cannot read the peering repository: fatal: unable to access" in done.stderr
    assert "s3cr3t" not in done.stdout + done.stderr and "Traceback" not in done.stderr
