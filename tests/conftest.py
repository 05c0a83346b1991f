"""Shared fixtures: the small synthetic repository in tests/data/repo."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.paths import DATA
from tests.postgres import Postgres
from ztix.load.tree import read_tree

REPO = DATA / "repo"

Edit = tuple[str, str, str]


def repo_files(
    add: dict[str, str | None] | None = None, edits: tuple[Edit, ...] = ()
) -> dict[str, str]:
    """The test repository as texts, with files added/removed (None) and (file, old, new) edits."""
    files = {
        path: entry.decode() if isinstance(entry, bytes) else entry
        for path, entry in read_tree(REPO).items()
        if isinstance(entry, bytes | str)
    }
    for path, text in (add or {}).items():
        if text is None:
            files.pop(path, None)
        else:
            files[path] = text
    for path, old, new in edits:
        assert old in files[path], f"edit target {old!r} not in {path}"
        files[path] = files[path].replace(old, new, 1)
    return files


def write_repo(root: Path, files: dict[str, str]) -> Path:
    """Write repository files (path -> text) under `root`; returns `root`."""
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


@pytest.fixture
def make_repo() -> Callable[..., dict[str, str]]:
    """Factory for modified copies of the test repository."""
    return repo_files


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A real PostgreSQL cluster for the whole run (state-store tests), removed afterwards."""
    server = Postgres()
    try:
        yield server
    finally:
        server.close()
