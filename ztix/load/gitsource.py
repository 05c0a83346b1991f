"""Read the repository's files at a git revision (for `ztix plan --base` and the portal)."""

from __future__ import annotations

import datetime
import hashlib
import subprocess
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


def _raw_entry(mode: int, binsha: bytes, known: Mapping[bytes, bytes]) -> Entry | None:
    """An entry of a tree listing by its mode alone (a gitlink has no object to read); None
    for a regular file whose bytes must still be read from git."""
    kind = mode & 0o170000
    if kind == 0o040000:
        return NotAFile("directory")
    if kind == 0o160000:  # a gitlink: a commit of another repository
        return NotAFile("submodule")
    if mode == _SYMLINK:
        return NotAFile("symbolic link")
    if mode in _REGULAR:
        return known.get(binsha)  # the same bytes may be here already (the working tree's)
    return NotAFile("special file")


def _read_blobs(repo: git.Repo, wanted: Mapping[bytes, int]) -> dict[bytes, bytes]:
    """Blobs by binary id, each up to its limit + 1 bytes (enough to say it is too large).

    Two git processes for any number of blobs: `cat-file --batch-check` for their sizes, then
    `cat-file --batch` for those within their limits. One round trip per blob through
    GitPython's persistent cat-file costs ~0.3 ms: 0.8 s for a plan of 2,000 changed files.
    """
    if not wanted:
        return {}
    ids = list(wanted)
    sizes = {}
    for line in _cat_file(repo, "--batch-check", ids).splitlines():
        name, _, rest = line.partition(b" ")
        kind, _, size_text = rest.partition(b" ")
        if kind != b"blob":
            raise GitError(
                f"cannot read object {name.decode()} of the base revision ({rest.decode()})"
            )
        sizes[bytes.fromhex(name.decode())] = int(size_text)
    small = [i for i in ids if sizes[i] <= wanted[i]]
    out = {i: repo.odb.stream(i).read(wanted[i] + 1) for i in ids if sizes[i] > wanted[i]}
    data = _cat_file(repo, "--batch", small)
    pos = 0
    for binsha in small:
        end = data.index(b"\n", pos)
        size = int(data[pos:end].rsplit(b" ", 1)[1])
        out[binsha] = data[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1  # the content, then a newline
    return out


def _cat_file(repo: git.Repo, mode: str, ids: list[bytes]) -> bytes:
    done = subprocess.run(
        ["git", f"--git-dir={repo.git_dir}", "cat-file", mode],
        input=b"".join(i.hex().encode() + b"\n" for i in ids),
        capture_output=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        raise GitError(
            f"cannot read the base revision: {why[-1] if why else 'git cat-file failed'}"
        )
    return done.stdout


def tree_files(
    tree: git.Tree, base: str = "", known: Mapping[bytes, bytes] | None = None
) -> dict[str, Entry]:
    """`ix.yaml` and every entry directly in `peers/` and `irr/` of a git tree (under `base`).

    Folders are read from git's own tree listing (name, mode, object id), so an entry of any
    kind, a submodule's gitlink included, is reported for what it is, never followed.
    `known`: blob id -> content already at hand (a plan's working tree): those are not read
    from git again, which is most of a plan's reading on a large exchange.
    """
    files: dict[str, Entry | None] = {}  # in the tree's order; None: read together below
    exchange = _item(tree, f"{base}{EXCHANGE_FILE}")
    if exchange is not None:
        files[EXCHANGE_FILE] = _entry(exchange)
    unread: dict[str, bytes] = {}  # path -> blob id
    wanted: dict[bytes, int] = {}  # blob id -> its read limit
    for name in DATA_DIRS:
        folder = _item(tree, f"{base}{name}")
        if folder is None:
            continue
        if not isinstance(folder, git.Tree):
            files[name] = _entry(folder)
            continue
        for binsha, mode, entry_name in tree_entries_from_data(folder.data_stream.read()):
            relative = f"{name}/{entry_name}"
            files[relative] = entry = _raw_entry(mode, binsha, known or {})
            if entry is None:
                unread[relative] = binsha
                wanted[binsha] = max(wanted.get(binsha, 0), read_limit(relative))
    blobs = _read_blobs(tree.repo, wanted)
    return {
        path: blobs[unread[path]][: read_limit(path) + 1] if entry is None else entry
        for path, entry in files.items()
    }


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
