"""JSON Schema of `ix.yaml` and of a peer file, for editors and other tools."""

from __future__ import annotations

import json
from typing import Any

from ztix.models import Exchange, Peer

SCHEMA_FILES: dict[str, type[Exchange] | type[Peer]] = {
    "ix.schema.json": Exchange,
    "peer.schema.json": Peer,
}


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema (draft 2020-12) of each file kind."""
    out: dict[str, dict[str, Any]] = {}
    for name, model in SCHEMA_FILES.items():
        schema = model.model_json_schema(mode="validation")
        out[name] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"ztix/schemas/{name}",
            **schema,
        }
    return out


def dump(schema: dict[str, Any]) -> str:
    """Serialise a schema deterministically (sorted keys, trailing newline)."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
