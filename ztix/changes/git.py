"""The portal's git side: a local clone of the peering repository, one branch per ASN.

Branch `ztix/AS<asn>` holds the member's one open change; a second request rewrites that branch
(force-with-lease), so there is never more than one open change per ASN.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import git

from ztix.errors import AdapterError
from ztix.gitsource import tree_files
from ztix.loader import PEERS_DIR
from ztix.tree import Entry

BRANCH_PREFIX = "ztix/AS"


class GitChangeError(AdapterError):
    """Cloning, committing or pushing the change failed."""


@dataclass(frozen=True)
class Pushed:
    """A pushed change branch."""

    branch: str
    commit: str


class GitWorkspace:
    """A clone of the peering repository used only by the portal (one operation at a time)."""

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

    def _repo(self) -> git.Repo:
        if (self.workdir / ".git").is_dir():
            repo = git.Repo(self.workdir)
        else:
            self.workdir.parent.mkdir(parents=True, exist_ok=True)
            repo = git.Repo.clone_from(self.repo_url, self.workdir)
        repo.remotes.origin.fetch(prune=True)
        return repo

    def snapshot(self) -> tuple[dict[str, Entry], dict[int, dict[str, Entry]]]:
        """Files on main, and the files of every open change branch by ASN (after a fetch)."""
        with self._lock:
            try:
                repo = self._repo()
                main = tree_files(repo.commit(f"origin/{self.main}").tree)
                branches: dict[int, dict[str, Entry]] = {}
                for ref in repo.remotes.origin.refs:
                    name = ref.remote_head
                    if name.startswith(BRANCH_PREFIX) and name[len(BRANCH_PREFIX) :].isdigit():
                        branches[int(name[len(BRANCH_PREFIX) :])] = tree_files(ref.commit.tree)
                return main, branches
            except git.GitError as exc:
                raise GitChangeError(f"cannot read the peering repository: {_why(exc)}") from None

    def push_change(self, asn: int, text: str | None, message: str) -> Pushed:
        """Commit the peer file of `asn` (None removes it) on its branch from main, and push."""
        branch = f"{BRANCH_PREFIX}{asn}"
        path = f"{PEERS_DIR}/AS{asn}.yaml"
        with self._lock:
            try:
                repo = self._repo()
                repo.git.checkout("--force", "-B", branch, f"origin/{self.main}")
                repo.git.clean("-fdx")
                target = self.workdir / path
                if text is None:
                    if not target.exists():
                        raise GitChangeError(f"AS{asn} has no peer file on {self.main}")
                    repo.index.remove([path], working_tree=True)
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(text, encoding="utf-8")
                    repo.index.add([path])
                commit = repo.index.commit(message, author=self.author, committer=self.author)
                remote_has = f"refs/remotes/origin/{branch}"
                lease = (
                    f"--force-with-lease={branch}:{repo.commit(remote_has).hexsha}"
                    if remote_has in [r.path for r in repo.refs]
                    else f"--force-with-lease={branch}:"
                )
                repo.git.push("origin", lease, f"{branch}:refs/heads/{branch}")
                return Pushed(branch, commit.hexsha)
            except git.GitError as exc:
                raise GitChangeError(f"cannot push the change for AS{asn}: {_why(exc)}") from None


def _why(exc: BaseException) -> str:
    """The last line of git's complaint, with any credentials in URLs masked."""
    text = str(exc).strip().splitlines()
    line = text[-1][:300] if text else type(exc).__name__
    return re.sub(r"://[^/@\s]+@", "://***@", line)
