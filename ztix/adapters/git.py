"""The portal's git side: a local clone of the peering repository, one branch per ASN.

Branch `ztix/AS<asn>` holds the member's one open change; a second request rewrites that branch
(force-with-lease), so there is never more than one open change per ASN.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import git

from ztix.errors import AdapterError
from ztix.load.gitsource import blob_id, tree_files
from ztix.load.loader import PEERS_DIR
from ztix.load.tree import Entry
from ztix.ports.git import BRANCH_PREFIX, Pushed

log = logging.getLogger("ztix.git")

# A lock file git left this long ago belongs to no live operation of ours: we hold the checkout
# exclusively, and a git child of a process killed under it (SIGKILL leaves its children to
# die of SIGPIPE, their lock files behind) finishes or dies within seconds.
STALE_LOCK_AGE = 10.0


class GitChangeError(AdapterError):
    """Cloning, committing or pushing the change failed."""


class GitWorkspace:
    """A clone of the peering repository used only by the portal (one operation at a time).

    One operation at a time across threads and processes: an exclusive `flock` on
    `<workdir>.lock`, so two processes given the same workdir take turns, and whoever holds it
    clears the lock files a killed predecessor's git left behind (git refuses to touch a ref or
    the index while its `.lock` exists, forever).
    """

    def __init__(
        self,
        repo_url: str,
        workdir: Path,
        main: str = "main",
        author: tuple[str, str] = ("ZT-IX portal", "ztix-portal@localhost"),
    ) -> None:
        self.repo_url = repo_url
        self.workdir = workdir
        self.main = main
        self.author = git.Actor(*author)
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Hold the checkout: this thread, this process, and every process on this host."""
        with self._lock:
            self.workdir.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(
                self.workdir.with_name(self.workdir.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600
            )
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._clear_stale_locks()
                yield
            finally:
                os.close(fd)  # releases the flock

    def _clear_stale_locks(self) -> None:
        gitdir = self.workdir / ".git"
        if not gitdir.is_dir():
            return
        now = time.time()
        # Where git takes its locks: top-level files (index, HEAD, config, packed-refs, ...)
        # and refs and their logs; never objects/, which grows with every fetch.
        found = [*gitdir.glob("*.lock"), *gitdir.glob("refs/**/*.lock")]
        found += gitdir.glob("logs/**/*.lock")
        for path in found:
            with contextlib.suppress(OSError):
                if now - path.lstat().st_mtime >= STALE_LOCK_AGE:
                    path.unlink()
                    log.warning("removed %s, left by a git operation that never finished", path)

    def _repo(self, fetch: bool = True) -> git.Repo:
        if (self.workdir / ".git").is_dir():
            repo = git.Repo(self.workdir)
        elif not fetch:
            raise GitChangeError("the peering repository was not read yet")
        else:
            # Cloned beside and renamed into place: a clone cut short is never taken for one.
            partial = self.workdir.with_name(self.workdir.name + ".cloning")
            shutil.rmtree(partial, ignore_errors=True)
            git.Repo.clone_from(self.repo_url, partial)
            if self.workdir.exists() and any(self.workdir.iterdir()):
                shutil.rmtree(partial, ignore_errors=True)
                raise GitChangeError(
                    f"{self.workdir} holds files but no git checkout: move it away or give "
                    "the portal another workdir"
                )
            partial.replace(self.workdir)  # an empty directory is replaced
            repo = git.Repo(self.workdir)
        if fetch:
            repo.remotes.origin.fetch(prune=True)
        return repo

    def snapshot(self) -> tuple[dict[str, Entry], dict[int, dict[str, Entry]]]:
        """Files on main, and the files of every open change branch by ASN (after a fetch).

        A branch that main already holds is not open: merged (its commit is in main's history),
        or applied by hand (main has its peer file as the branch has it, squash or rebase).
        """
        with self._exclusive():
            try:
                repo = self._repo()
                head = repo.commit(f"origin/{self.main}")
                main = tree_files(head.tree)
                # A branch holds main's files but one or two: those are not read from git again.
                known = {blob_id(d): d for d in main.values() if isinstance(d, bytes)}
                branches: dict[int, dict[str, Entry]] = {}
                for ref in repo.remotes.origin.refs:
                    name = ref.remote_head
                    if not (
                        name.startswith(BRANCH_PREFIX) and name[len(BRANCH_PREFIX) :].isdigit()
                    ):
                        continue
                    asn = int(name[len(BRANCH_PREFIX) :])
                    files = tree_files(ref.commit.tree, known=known)
                    path = f"{PEERS_DIR}/AS{asn}.yaml"
                    if repo.is_ancestor(ref.commit, head) or files.get(path) == main.get(path):
                        continue
                    branches[asn] = files
                return main, branches
            except (git.GitError, OSError) as exc:  # GitPython writes index, refs, logs itself
                raise GitChangeError(f"cannot read the peering repository: {_why(exc)}") from None

    def main_files(self) -> tuple[dict[str, Entry], int]:
        """The files on main and its commit time (seconds since the epoch), after a fetch."""
        with self._exclusive():
            try:
                head = self._repo().commit(f"origin/{self.main}")
                return tree_files(head.tree), int(head.committed_date)
            except (git.GitError, OSError) as exc:  # GitPython writes index, refs, logs itself
                raise GitChangeError(f"cannot read the peering repository: {_why(exc)}") from None

    def changed_at(self, path: str) -> int | None:
        """When main last changed `path` (commit time, seconds since the epoch); None: never.

        As of the last fetch: callers ask right after a snapshot, which fetched.
        """
        with self._exclusive():
            try:
                repo = self._repo(fetch=False)
                stamp = repo.git.log("-1", "--format=%ct", f"origin/{self.main}", "--", path)
            except (git.GitError, OSError) as exc:  # GitPython writes index, refs, logs itself
                raise GitChangeError(f"cannot read the peering repository: {_why(exc)}") from None
        return int(stamp) if stamp.strip().isdigit() else None

    def branch_files(self, branch: str) -> dict[str, Entry] | None:
        """The files of `branch` on the remote as of the last fetch (callers ask right after a
        snapshot); None when it does not exist."""
        with self._exclusive():
            try:
                repo = self._repo(fetch=False)
                for ref in repo.remotes.origin.refs:
                    if ref.remote_head == branch:
                        return tree_files(ref.commit.tree)
                return None
            except (git.GitError, OSError) as exc:  # GitPython writes index, refs, logs itself
                raise GitChangeError(f"cannot read {branch}: {_why(exc)}") from None

    def branch_message(self, branch: str) -> str | None:
        """The message of the newest commit of `branch` as of the last fetch (None: no such
        branch): the title and description of its change request."""
        with self._exclusive():
            try:
                repo = self._repo(fetch=False)
                for ref in repo.remotes.origin.refs:
                    if ref.remote_head == branch:
                        message = ref.commit.message
                        return message if isinstance(message, str) else message.decode()
                return None
            except (git.GitError, OSError) as exc:  # GitPython writes index, refs, logs itself
                raise GitChangeError(f"cannot read {branch}: {_why(exc)}") from None

    def delete_branch(self, branch: str) -> bool:
        """Delete `branch` on the remote, as fetched now (whether it existed); a branch that
        moved since the fetch is left alone (force-with-lease), and that is an error."""
        with self._exclusive():
            try:
                repo = self._repo()
                tracked = f"refs/remotes/origin/{branch}"
                if tracked not in [r.path for r in repo.refs]:
                    return False
                sha = repo.commit(tracked).hexsha
                repo.git.push(
                    "origin", f"--force-with-lease={branch}:{sha}", f":refs/heads/{branch}"
                )
                repo.remotes.origin.fetch(prune=True)
                return True
            except (git.GitError, OSError) as exc:  # GitPython writes index, refs, logs itself
                raise GitChangeError(f"cannot delete {branch}: {_why(exc)}") from None

    def reachable(self) -> None:
        """Raise GitChangeError unless the remote answers (`git ls-remote`, main only); the
        checkout is not touched, so readiness never waits for a push in progress."""
        try:
            git.cmd.Git().ls_remote("--heads", self.repo_url, self.main)
        except (git.GitError, OSError) as exc:
            raise GitChangeError(f"the peering repository does not answer: {_why(exc)}") from None

    def push_change(
        self,
        asn: int,
        text: str | None,
        message: str,
        also: Mapping[str, str | None] | None = None,
    ) -> Pushed:
        """Commit the peer file of `asn` (None removes it), and `also` (more files), on its
        branch from main, and push."""
        path = f"{PEERS_DIR}/AS{asn}.yaml"
        try:
            return self.push_files(
                f"{BRANCH_PREFIX}{asn}", {path: text, **(also or {})}, message, must_exist=path
            )
        except GitChangeError as exc:
            raise GitChangeError(f"cannot push the change for AS{asn}: {exc}") from None

    def push_files(
        self,
        branch: str,
        files: Mapping[str, str | None],
        message: str,
        must_exist: str | None = None,
    ) -> Pushed:
        """Commit `files` (path -> text; None removes the file) on `branch` from main and push.

        Idempotent: when the branch already holds exactly that tree, nothing is pushed.
        """
        with self._exclusive():
            try:
                repo = self._repo()
                repo.git.checkout("--force", "-B", branch, f"origin/{self.main}")
                repo.git.clean("-fdx")
                for path, text in sorted(files.items()):
                    target = self.workdir / path
                    if text is None:
                        if target.exists():
                            repo.index.remove([path], working_tree=True)
                        elif path == must_exist:
                            raise GitChangeError(f"{path} does not exist on {self.main}")
                    else:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_text(text, encoding="utf-8")
                        repo.index.add([path])
                commit = repo.index.commit(message, author=self.author, committer=self.author)
                remote_has = f"refs/remotes/origin/{branch}"
                if remote_has in [r.path for r in repo.refs]:
                    remote = repo.commit(remote_has)
                    if remote.tree.hexsha == commit.tree.hexsha:
                        return Pushed(branch, remote.hexsha, pushed=False)
                    lease = f"--force-with-lease={branch}:{remote.hexsha}"
                else:
                    lease = f"--force-with-lease={branch}:"
                repo.git.push("origin", lease, f"{branch}:refs/heads/{branch}")
                return Pushed(branch, commit.hexsha)
            except (git.GitError, OSError) as exc:  # GitPython writes index, refs, logs itself
                raise GitChangeError(f"cannot push {branch}: {_why(exc)}") from None


def _why(exc: BaseException) -> str:
    """git's own complaint (its last `fatal:`/`error:` line, else its last line), with any
    credentials in URLs masked."""
    text = str(getattr(exc, "stderr", "") or exc)
    lines = [line.strip().strip("'").strip() for line in text.splitlines()]
    lines = [line.removeprefix("stderr:").strip().strip("'") for line in lines if line]
    lines = [line for line in lines if line]
    told = [line for line in lines if line.startswith(("fatal:", "error:", "remote:"))]
    line = (told or lines or [type(exc).__name__])[-1][:300]
    return re.sub(r"://[^/@\s]+@", "://***@", line)
