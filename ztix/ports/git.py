"""The git workspace port: read the peering repository's main and change branches, push a
change branch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ztix.load.tree import Entry

# Branch `ztix/AS<asn>` holds a member's one open change.
BRANCH_PREFIX = "ztix/AS"


@dataclass(frozen=True)
class Pushed:
    """A pushed change branch."""

    branch: str
    commit: str
    pushed: bool = True  # False: the branch already held this change


class Workspace(Protocol):
    """A clone of the peering repository (one operation at a time; calls block)."""

    workdir: Path

    def snapshot(self) -> tuple[dict[str, Entry], dict[int, dict[str, Entry]]]:
        """Fetch; main's files and each `ztix/AS<asn>` branch's files by ASN."""
        ...

    def main_files(self) -> tuple[dict[str, Entry], int]:
        """Fetch; main's files and its commit time."""
        ...

    def changed_at(self, path: str) -> int | None:
        """When main last changed `path` (commit time), None if never."""
        ...

    def branch_files(self, branch: str) -> dict[str, Entry] | None:
        """The files of a remote branch, None if there is no such branch."""
        ...

    def branch_message(self, branch: str) -> str | None:
        """The newest commit message of `branch` as of the last fetch (None: no such branch)."""
        ...

    def delete_branch(self, branch: str) -> bool:
        """Delete `branch` on the remote; whether it existed."""
        ...

    def reachable(self) -> None:
        """Raise an AdapterError unless the remote answers."""
        ...

    def push_change(
        self,
        asn: int,
        text: str | None,
        message: str,
        also: Mapping[str, str | None] | None = None,
    ) -> Pushed:
        """Commit the peer file of `asn` (None removes it) and `also` on its branch; push."""
        ...

    def push_files(
        self,
        branch: str,
        files: Mapping[str, str | None],
        message: str,
        must_exist: str | None = None,
    ) -> Pushed:
        """Commit `files` (None removes) on `branch` from main and push; idempotent."""
        ...
