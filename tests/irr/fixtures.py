"""A test repository with IRR filtering on, and IRR files for its members."""

from __future__ import annotations

from tests.conftest import repo_files
from ztix.irr.files import irr_text
from ztix.models import IrrData

IRR_SECTION = """\
irr:
  servers:
    - host: 127.0.0.1
      port: {port}
  sources: [LABA, LABB]
{extra}"""

ONE = IrrData(
    asn=64500,
    expanded=("AS64500",),
    sources=("LABA", "LABB"),
    refreshed="2026-12-01T06:00:00Z",
    origins=("64500", "64510"),
    ipv4=("5.5.0.0/16", "23.1.0.0/16", "23.20.0.0/24"),
    ipv6=("2a0b:1::/32",),
)


def without_irr(ix: str) -> str:
    """`ix.yaml` text with its `irr:` section (the fixture's, at the end) cut off."""
    return ix.split("\nirr:\n", 1)[0].rsplit("# IRR filtering off", 1)[0].rstrip("\n") + "\n"


def irr_repo(
    extra: str = "",
    data: dict[int, IrrData | str | None] | None = None,
    port: int = 43,
    edits: tuple[tuple[str, str, str], ...] = (),
) -> dict[str, str]:
    """The test repository with an `irr:` section (plus `extra` lines in it) and IRR files
    (`data`: ASN -> model, raw text, or None for no file; default AS64500's)."""
    files = repo_files(edits=edits)
    files["ix.yaml"] = without_irr(files["ix.yaml"]) + IRR_SECTION.format(port=port, extra=extra)
    for asn, entry in (data if data is not None else {64500: ONE}).items():
        if entry is None:
            continue
        files[f"irr/AS{asn}.yaml"] = entry if isinstance(entry, str) else irr_text(entry)
    return files
