"""Write a peer file for a portal request: values validated by the model, text deterministic."""

from __future__ import annotations

import re
import unicodedata

import yaml

from ztix.models import Peer
from ztix.models.fields import is_as_set, make_safe_text

_HINT = re.compile(r"^# yaml-language-server: \$schema=(\S*)ix\.schema\.json\s*$")


def safe_name(name: str, asn: int) -> str:
    """PeeringDB's network name reduced to the characters a peer file allows."""
    cleaned = make_safe_text(name)[:100].strip()
    return cleaned or f"AS{asn}"


def visible(text: str, limit: int = 100) -> str:
    """`text` on one line with every invisible or direction-changing character shown as
    <U+XXXX>: control and format characters (bidi overrides and isolates, zero-width ones:
    Unicode categories Cc and Cf, https://www.unicode.org/reports/tr9/), separators, private use
    and unassigned code points. For names the admins read (commit messages, change requests),
    which must show what they say."""
    out = []
    for char in " ".join(text.split())[:limit]:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"):
            out.append(f"<U+{ord(char):04X}>")
        else:
            out.append(char)
    return "".join(out)


def as_sets(irr_as_set: str) -> tuple[str, ...]:
    """The valid AS-SETs from PeeringDB's irr_as_set (invalid ones are left out)."""
    parts = [p for p in re.split(r"[\s,]+", irr_as_set) if p]
    return tuple(p for p in parts if is_as_set(p))


def schema_header(exchange_text: str) -> str:
    """The editor hint for a peer file, beside the one the repository's ix.yaml has (if any).

    A fork keeps the schemas in `ztix/schemas/`, a repository made by `ztix init` in `schemas/`;
    ix.yaml's first line says which, and peer files live one folder further down.
    """
    first = exchange_text.split("\n", 1)[0]
    found = _HINT.match(first)
    if found is None:
        return ""
    return f"# yaml-language-server: $schema=../{found.group(1)}peer.schema.json\n"


def render_peer(peer: Peer, header: str = "") -> str:
    """The YAML text of a peer file (keys in a fixed order, only what is set)."""
    data = peer.model_dump(mode="json", exclude_defaults=True)
    data["asn"] = peer.asn
    order = [
        "asn",
        "name",
        "description",
        "peeringdb_net_id",
        "contact",
        "as_set",
        "state",
        "connections",
        "max_prefix",
        "requested_by",
    ]
    if peer.requested_by is not None:
        # A YAML date, unquoted: the peer file's `date` is a date, never text.
        data["requested_by"]["date"] = peer.requested_by.date
    ordered = {key: data[key] for key in order if key in data}
    # yaml.safe_dump quotes what YAML would otherwise read as another type (all-digit node ids).
    return header + yaml.safe_dump(
        ordered, sort_keys=False, default_flow_style=False, allow_unicode=False
    )
