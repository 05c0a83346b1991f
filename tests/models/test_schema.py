"""The published JSON Schemas are pinned and match what the example files need."""

from __future__ import annotations

import json
from typing import Any

from pytest_regressions.data_regression import DataRegressionFixture

from tests.paths import ROOT
from ztix.cli import main
from ztix.models.schema import dump, json_schemas


def test_schema_golden(data_regression: DataRegressionFixture) -> None:
    data_regression.check(json.loads(json.dumps(json_schemas())))


def test_committed_schema_files_are_current() -> None:
    for name, schema in json_schemas().items():
        committed = (ROOT / "ztix" / "schemas" / name).read_text(encoding="utf-8")
        assert committed == dump(schema), f"run: ztix schema --out ztix/schemas ({name} is stale)"


def test_schema_hints_resolve() -> None:
    """Every file that names a schema for editors names one that exists beside it."""
    files = [ROOT / "ix.yaml", *sorted((ROOT / "peers").glob("*.yaml"))]
    files += sorted((ROOT / "tests" / "data" / "example").rglob("*.yaml"))
    hinted = 0
    for path in files:
        first = path.read_text().splitlines()[0]
        if "$schema=" in first:
            hinted += 1
            target = (path.parent / first.split("$schema=", 1)[1].strip()).resolve()
            assert target.is_file(), f"{path}: {target} does not exist"
    assert hinted >= 5


def test_schema_command_prints_both(capsys: Any) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"ix", "peer"}
    assert printed["peer"]["additionalProperties"] is False
    assert "asn" in printed["peer"]["required"]
