"""The published JSON Schemas are pinned and match what the example files need."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pytest_regressions.data_regression import DataRegressionFixture

from ztix.cli import main
from ztix.schema import dump, json_schemas

ROOT = Path(__file__).parent.parent


def test_schema_golden(data_regression: DataRegressionFixture) -> None:
    data_regression.check(json.loads(json.dumps(json_schemas())))


def test_committed_schema_files_are_current() -> None:
    for name, schema in json_schemas().items():
        committed = (ROOT / "ztix" / "schemas" / name).read_text(encoding="utf-8")
        assert committed == dump(schema), f"run: ztix schema --out ztix/schemas ({name} is stale)"


def test_examples_point_at_the_schema() -> None:
    assert (
        (ROOT / "ix.yaml")
        .read_text()
        .startswith("# yaml-language-server: $schema=ztix/schemas/ix.schema.json")
    )
    for peer in sorted((ROOT / "peers").glob("AS*.yaml")):
        assert peer.read_text().startswith(
            "# yaml-language-server: $schema=../ztix/schemas/peer.schema.json"
        ), peer


def test_schema_command_prints_both(capsys: Any) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"ix", "peer"}
    assert printed["peer"]["additionalProperties"] is False
    assert "asn" in printed["peer"]["required"]
