"""`ztix rs slurm`: the SLURM file (RFC 8416) that makes the RTR caches serve the sentinel ROA.
(The safety and routing labs feed this output to a real stayrtr and watch BIRD hold routes
until the sentinel is valid.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import repo_files, write_repo
from ztix.cli import main


def test_slurm_names_the_sentinel_of_ix_yaml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = repo_files(
        edits=(
            (
                "ix.yaml",
                "      port: 8323\n",
                "      port: 8323\n  sentinel:\n    ipv4: 198.51.100.0/24\n    asn: 64496\n",
            ),
        )
    )
    write_repo(tmp_path, files)
    assert main(["rs", "slurm", "--repo", str(tmp_path)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["slurmVersion"] == 1
    assert document["validationOutputFilters"] == {"prefixFilters": [], "bgpsecFilters": []}
    added = document["locallyAddedAssertions"]
    assert added["bgpsecAssertions"] == []
    assert [(a["prefix"], a["maxPrefixLength"], a["asn"]) for a in added["prefixAssertions"]] == [
        ("198.51.100.0/24", 24, 64496),
        ("2001:db8::/32", 32, 64496),
    ]


def test_slurm_of_a_broken_repository_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = repo_files(edits=(("ix.yaml", "asn: 64511", "asn: sixty"),))
    write_repo(tmp_path, files)
    assert main(["rs", "slurm", "--repo", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "ix.yaml:2:1: asn: must be an integer" in captured.err
