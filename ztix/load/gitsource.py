"""Read the repository's files at a git revision (for `ztix plan --base` and the portal)."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Mapping
from pathlib import Path

import git
from git.objects.fun import tree_entries_from_data

from ztix.errors import TemplateError, ZtixError
from ztix.load.tree import (
    DATA_DIRS,
    EXCHANGE_FILE,
    READ_LIMIT,
    TEMPLATES_DIR,
    Entry,
    NotAFile,
    read_limit,
)

# git tree entry modes (git's index-format documentation).
_REGULAR = (0o100644, 0o100755)
_SYMLINK = 0o120000


class GitError(ZtixError):
    """The repository or the revision cannot be read."""


def commit_at(root: Path, ref: str) -> tuple[git.Commit, str]:
    """The commit `ref` names, and the path of `root` inside its repository ('' or 'sub/').

    git itself resolves the revision (`rev-parse --verify`), so every form git accepts works
    (`origin/main`, `HEAD~2`, `main@{1.week.ago}`) and every other is one clear error.
    """
    if not ref or ref.startswith("-") or any(c in ref for c in "\0\n\r"):
        raise GitError(f"--base {ref!r}: not a git revision")
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(f"{root} is not inside a git repository") from None
    try:
        sha = repo.git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}")
        commit = repo.commit(sha)
    except (git.GitCommandError, git.BadName, ValueError):
        raise GitError(
            f"unknown revision {ref!r}: fetch it first (e.g. git fetch origin main)"
        ) from None
    prefix = Path(root).resolve().relative_to(Path(repo.working_tree_dir or root).resolve())
    return commit, "" if str(prefix) == "." else f"{prefix.as_posix()}/"


def _item(tree: git.Tree, path: str) -> git.objects.base.IndexObject | None:
    try:
        found: git.objects.base.IndexObject = tree / path
    except KeyError:
        return None
    return found


def _entry(item: git.objects.base.IndexObject, limit: int = READ_LIMIT) -> Entry:
    if isinstance(item, git.Tree):
        return NotAFile("directory")
    if isinstance(item, git.Blob):
        if item.mode == _SYMLINK:
            return NotAFile("symbolic link")
        if item.mode in _REGULAR:
            data: bytes = item.data_stream.read(limit + 1)
            return data
    if isinstance(item, git.Submodule):
        return NotAFile("submodule")
    return NotAFile("special file")


def blob_id(data: bytes) -> bytes:
    """The git object id (binary sha1) of a blob with this content: `known` files for
    `tree_files` (git's object format: "blob <size>\\0" then the bytes)."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data, usedforsecurity=False).digest()


def _raw_entry(
    tree: git.Tree, mode: int, binsha: bytes, limit: int, known: Mapping[bytes, bytes]
) -> Entry:
    """An entry of a tree listing by its mode alone (a gitlink has no object to read)."""
    kind = mode & 0o170000
    if kind == 0o040000:
        return NotAFile("directory")
    if kind == 0o160000:  # a gitlink: a commit of another repository
        return NotAFile("submodule")
    if mode == _SYMLINK:
        return NotAFile("symbolic link")
    if mode in _REGULAR:
        if binsha in known:  # the same bytes are already here (the working tree's copy)
            return known[binsha]
        data: bytes = tree.repo.odb.stream(binsha).read(limit + 1)
        return data
    return NotAFile("special file")


def tree_files(
    tree: git.Tree, base: str = "", known: Mapping[bytes, bytes] | None = None
) -> dict[str, Entry]:
    """`ix.yaml` and every entry directly in `peers/` and `irr/` of a git tree (under `base`).

    Folders are read from git's own tree listing (name, mode, object id), so an entry of any
    kind, a submodule's gitlink included, is reported for what it is, never followed.
    `known`: blob id -> content already at hand (a plan's working tree): those are not read
    from git again, which is most of a plan's reading on a large exchange.
    """
    files: dict[str, Entry] = {}
    exchange = _item(tree, f"{base}{EXCHANGE_FILE}")
    if exchange is not None:
        files[EXCHANGE_FILE] = _entry(exchange)
    for name in DATA_DIRS:
        folder = _item(tree, f"{base}{name}")
        if folder is None:
            continue
        if not isinstance(folder, git.Tree):
            files[name] = _entry(folder)
            continue
        for binsha, mode, entry_name in tree_entries_from_data(folder.data_stream.read()):
            relative = f"{name}/{entry_name}"
            files[relative] = _raw_entry(folder, mode, binsha, read_limit(relative), known or {})
    return files


def template_files(tree: git.Tree, base: str = "") -> dict[str, bytes]:
    """Every file under `templates/` of a git tree (repository-relative paths)."""
    folder = _item(tree, f"{base}{TEMPLATES_DIR}")
    if not isinstance(folder, git.Tree):
        return {}
    out: dict[str, bytes] = {}
    for item in folder.traverse():
        if not isinstance(item, git.Blob):
            continue
        relative = str(item.path)[len(base) :]
        if item.mode == _SYMLINK:
            raise TemplateError(f"{relative}: is a symbolic link; templates must be regular files")
        out[relative] = item.data_stream.read(READ_LIMIT + 1)
    return out


def head_commit(root: Path) -> str | None:
    """The commit id checked out in `root`, if it is a git repository."""
    try:
        return str(git.Repo(root, search_parent_directories=True).head.commit.hexsha)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
        return None


def head_time(root: Path) -> str | None:
    """The committer time of the checked-out commit, RFC 3339 UTC (None: not a repository)."""
    try:
        commit = git.Repo(root, search_parent_directories=True).head.commit
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
        return None
    when = datetime.datetime.fromtimestamp(commit.committed_date, datetime.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
