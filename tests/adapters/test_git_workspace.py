"""The portal's git checkout outlives a process killed under it, and is shared safely."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.gitrepo import bare_remote, git
from ztix.adapters.git import STALE_LOCK_AGE, GitChangeError, GitWorkspace


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def _advance_main(seed: Path) -> None:
    """A new commit on the remote's main (so the next fetch must update origin/main)."""
    (seed / "peers" / "AS64599.yaml").write_text(f"# {time.monotonic_ns()}\n")
    git(seed, "add", "peers/AS64599.yaml")
    git(seed, "commit", "-qm", "notes")
    git(seed, "push", "-q", "origin", "HEAD:main")


def test_a_lock_file_left_by_a_killed_git_is_cleared(tmp_path: Path) -> None:
    seed, remote = bare_remote(tmp_path)
    workspace = GitWorkspace(str(remote), tmp_path / "checkout")
    workspace.main_files()
    _advance_main(seed)
    lock = tmp_path / "checkout" / ".git" / "refs" / "remotes" / "origin" / "main.lock"
    lock.write_text("")
    # Fresh: it may belong to a git still running, so it stays, and git refuses the ref.
    with pytest.raises(GitChangeError, match=r"main\.lock"):
        workspace.main_files()
    assert lock.exists()
    _age(lock, STALE_LOCK_AGE + 1)  # its writer is long gone
    files, _ = workspace.main_files()
    assert "peers/AS64599.yaml" in files and not lock.exists()


def test_an_index_lock_left_behind_does_not_stop_a_push(tmp_path: Path) -> None:
    _, remote = bare_remote(tmp_path)
    workspace = GitWorkspace(str(remote), tmp_path / "checkout")
    workspace.main_files()
    index_lock = tmp_path / "checkout" / ".git" / "index.lock"
    index_lock.write_text("")
    _age(index_lock, 3600)
    pushed = workspace.push_files("ztix/AS64999", {"NOTES": "x\n"}, "notes")
    assert pushed.pushed and "ztix/AS64999" in git(remote, "branch")


def test_a_clone_cut_short_is_not_taken_for_a_checkout(tmp_path: Path) -> None:
    _, remote = bare_remote(tmp_path)
    partial = tmp_path / "checkout.cloning"
    (partial / ".git").mkdir(parents=True)  # what a killed clone leaves
    files, _ = GitWorkspace(str(remote), tmp_path / "checkout").main_files()
    assert "ix.yaml" in files and not partial.exists()


def test_a_workdir_with_other_files_is_refused_not_wiped(tmp_path: Path) -> None:
    _, remote = bare_remote(tmp_path)
    workdir = tmp_path / "checkout"
    workdir.mkdir()
    (workdir / "precious").write_text("keep\n")
    with pytest.raises(GitChangeError, match="holds files but no git checkout"):
        GitWorkspace(str(remote), workdir).main_files()
    assert (workdir / "precious").read_text() == "keep\n"


PUSHER = """
import sys
from pathlib import Path
from ztix.adapters.git import GitWorkspace

workspace = GitWorkspace(sys.argv[1], Path(sys.argv[2]))
for k in range(int(sys.argv[4])):
    branch = f"ztix/AS{sys.argv[3]}{k}"
    workspace.push_files(branch, {f"peers/AS{sys.argv[3]}{k}.yaml": "x\\n"}, branch)
"""


def test_two_processes_on_one_workdir_take_turns(tmp_path: Path) -> None:
    """Each pushes its own branches through the same checkout at the same time: every push
    lands with its own file (no index.lock clash, no branch built on the other's checkout)."""
    _, remote = bare_remote(tmp_path)
    workdir = tmp_path / "checkout"
    GitWorkspace(str(remote), workdir).main_files()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", PUSHER, str(remote), str(workdir), prefix, "6"],
            stderr=subprocess.PIPE,
            text=True,
        )
        for prefix in ("9990", "9991")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    for prefix in ("9990", "9991"):
        for k in range(6):
            branch = f"ztix/AS{prefix}{k}"
            tree = git(remote, "ls-tree", "-r", "--name-only", branch)
            assert f"peers/AS{prefix}{k}.yaml" in tree.split()
            assert not [
                p
                for p in tree.split()
                if p.startswith("peers/AS999") and p != f"peers/AS{prefix}{k}.yaml"
            ]
