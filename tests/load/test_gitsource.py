"""Files at a git revision: every entry for what it is, read in one batch, bounded in size."""

from __future__ import annotations

import os
from pathlib import Path

import git

from tests.gitrepo import git as run_git
from ztix.load.gitsource import blob_id, tree_files
from ztix.load.tree import READ_LIMIT, NotAFile


def _repo(root: Path) -> git.Commit:
    (root / "peers").mkdir(parents=True)
    (root / "irr").mkdir()
    (root / "ix.yaml").write_text("name: X\n")
    for k in range(300):  # enough that a round trip per file would show
        (root / "peers" / f"AS{64500 + k}.yaml").write_text(f"asn: {64500 + k}\n")
        (root / "irr" / f"AS{64500 + k}.yaml").write_text(f"asn: {64500 + k}\n# irr\n")
    (root / "peers" / "AS65000.yaml").write_bytes(b"#" * (READ_LIMIT + 100))
    (root / "peers" / "AS65001.yaml").write_text("asn: 64500\n")  # same bytes as AS64500
    os.symlink("AS64500.yaml", root / "peers" / "AS65002.yaml")
    run_git(root, "init", "-q", "-b", "main")
    run_git(root, "add", "-A")
    run_git(root, "commit", "-qm", "base")
    return git.Repo(root).head.commit


def test_every_entry_read_for_what_it_is(tmp_path: Path) -> None:
    commit = _repo(tmp_path / "r")
    files = tree_files(commit.tree)
    assert files["ix.yaml"] == b"name: X\n"
    assert files["peers/AS64777.yaml"] == b"asn: 64777\n"
    assert files["irr/AS64799.yaml"] == b"asn: 64799\n# irr\n"
    assert files["peers/AS65001.yaml"] == files["peers/AS64500.yaml"] == b"asn: 64500\n"
    assert files["peers/AS65002.yaml"] == NotAFile("symbolic link")
    # Too large: read one byte past the limit, so the loader can say so, and no further.
    big = files["peers/AS65000.yaml"]
    assert isinstance(big, bytes) and len(big) == READ_LIMIT + 1
    assert len(files) == 1 + 303 + 300
    assert next(iter(files)) == "ix.yaml"  # the tree's order: ix.yaml, then each folder


def test_known_bytes_are_not_read_again(tmp_path: Path) -> None:
    commit = _repo(tmp_path / "r")
    marker = b"asn: 64501\n"
    files = tree_files(commit.tree, known={blob_id(marker): marker})
    assert files["peers/AS64501.yaml"] is marker
