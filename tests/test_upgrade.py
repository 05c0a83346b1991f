"""Upgrades proven: a repository as `ztix init` of the previous release wrote it, taken through
the CHANGELOG's upgrade notes, validates, renders and plans; the configs' change is a golden."""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

import pytest
from pytest_regressions.file_regression import FileRegressionFixture

from tests.gitrepo import git
from tests.paths import DATA, ROOT
from ztix.cli import main
from ztix.errors import ValidationFailed
from ztix.load.loader import load

PREVIOUS = DATA / "upgrade" / "0.2.0"


def documented_edit(marker: str) -> str:
    """The fenced block that follows `<!-- marker -->` in CHANGELOG.md, as the operator adds it."""
    text = (ROOT / "CHANGELOG.md").read_text()
    found = re.search(rf"<!-- {re.escape(marker)} -->\n(\s*)```yaml\n(.*?)\n\s*```", text, re.S)
    assert found, f"CHANGELOG.md has no block marked {marker}"
    indent = found[1]
    return "".join(line.removeprefix(indent) + "\n" for line in found[2].splitlines())


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The previous release's repository, as a git repository of its own."""
    where = tmp_path / "exchange"
    shutil.copytree(PREVIOUS / "repo", where)
    git(where, "init", "-q", "-b", "main")
    git(where, "add", "-A")
    git(where, "commit", "-qm", "as ztix init 0.2.0 wrote it, with two members")
    return where


def test_unchanged_it_fails_only_on_the_decision_the_notes_ask_for(repo: Path) -> None:
    with pytest.raises(ValidationFailed) as failed:
        load(repo)
    assert [(p.path, p.field) for p in failed.value.problems] == [("ix.yaml", "irr")]
    assert "enabled: false with a reason" in str(failed.value.problems[0])


def test_after_the_notes_it_validates_renders_and_plans(
    repo: Path, tmp_path: Path, file_regression: FileRegressionFixture
) -> None:
    with (repo / "ix.yaml").open("a") as ix:
        ix.write(documented_edit("upgrade 0.2.0: ix.yaml"))
    assert main(["schema", "--out", str(repo / "schemas")]) == 0
    assert main(["validate", "--repo", str(repo)]) == 0
    git(repo, "commit", "-qam", "upgrade to 0.3.0: IRR filtering, schemas")
    # the rendered configs, against what 0.2.0 rendered from the same files
    assert main(["render", "--repo", str(repo), "--out", str(tmp_path / "out")]) == 0
    diffs: list[str] = []
    for old in sorted((PREVIOUS / "rendered").glob("*.conf")):
        new = tmp_path / "out" / old.stem / "bird.conf"
        diffs += difflib.unified_diff(
            old.read_text().splitlines(keepends=True),
            new.read_text().splitlines(keepends=True),
            f"0.2.0/{old.stem}/bird.conf",
            f"0.3.0/{old.stem}/bird.conf",
        )
    file_regression.check("".join(diffs), extension=".diff")
    # and the next change plans as any other
    (repo / "peers" / "AS206003.yaml").write_text(
        "asn: 206003\nname: Third Member\ncontact: noc@third.example\nconnections:\n"
        '  - zerotier_node_id: "bb00000013"\n    ipv4: 10.50.0.13\n'
    )
    assert main(["plan", "--repo", str(repo), "--base", "main"]) == 0
