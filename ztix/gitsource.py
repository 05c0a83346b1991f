"""Read the repository's files at a git revision (for `ztix plan --base`)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import git

from ztix.errors import ZtixError
from ztix.loader import EXCHANGE_FILE, PEERS_DIR


class GitError(ZtixError):
    """The repository or the revision cannot be read."""


def files_at(root: Path, ref: str) -> dict[str, str]:
    """`ix.yaml` and `peers/*` as they are at `ref` (relative path -> text)."""
    try:
        repo = git.Repo(root, search_parent_directories=True)
        commit = repo.commit(ref)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(f"{root} is not inside a git repository") from None
    except (git.BadName, ValueError):
        raise GitError(
            f"unknown revision {ref!r}: fetch it first (e.g. git fetch origin main)"
        ) from None
    prefix = Path(root).resolve().relative_to(Path(repo.working_tree_dir or root).resolve())
    base = "" if str(prefix) == "." else f"{prefix.as_posix()}/"
    return tree_files(commit.tree, base)


def tree_files(tree: git.Tree, base: str = "") -> dict[str, str]:
    """`ix.yaml` and the files directly in `peers/` of a git tree (under `base`, if given)."""
    files: dict[str, str] = {}
    with contextlib.suppress(KeyError):
        files[EXCHANGE_FILE] = _blob_text(tree / f"{base}{EXCHANGE_FILE}")
    try:
        peers = tree / f"{base}{PEERS_DIR}"
    except KeyError:
        return files
    if isinstance(peers, git.Tree):
        for blob in peers.blobs:
            files[f"{PEERS_DIR}/{blob.name}"] = _blob_text(blob)
    return files


def head_commit(root: Path) -> str | None:
    """The commit id checked out in `root`, if it is a git repository."""
    try:
        return str(git.Repo(root, search_parent_directories=True).head.commit.hexsha)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
        return None


def _blob_text(blob: object) -> str:
    if not isinstance(blob, git.Blob):
        raise KeyError(str(blob))
    data: bytes = blob.data_stream.read()
    return data.decode("utf-8", errors="replace")
