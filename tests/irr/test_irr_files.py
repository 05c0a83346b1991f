"""The generated IRR files as the loader sees them: located errors for every way one can be
wrong or stale, so a hand edit or a stale refresh never reaches a route server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_repo
from tests.irr.fixtures import ONE, irr_repo
from ztix.cli import main
from ztix.errors import ValidationFailed
from ztix.irr.files import irr_text
from ztix.load.loader import load, load_files


def problems(files: dict[str, str]) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        load_files(files)
    return [str(p) for p in caught.value.problems]


def test_a_generated_file_loads_and_reads_back_the_same() -> None:
    repo = load_files(irr_repo())
    assert repo.irr_data() == {64500: ONE}
    assert irr_text(repo.irr[0].model) == irr_repo()["irr/AS64500.yaml"]


TEXT = irr_text(ONE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            TEXT.replace("  5.5.0.0/16\n  23.1.0.0/16\n", "  23.1.0.0/16\n  5.5.0.0/16\n"),
            "irr/AS64500.yaml:12:3: ipv4: entry 2 '5.5.0.0/16' is out of order (prefixes are "
            "sorted, once each: run `ztix irr refresh` rather than editing this file)",
        ),
        (
            TEXT.replace("  23.1.0.0/16\n", "  5.5.0.0/16\n"),
            "irr/AS64500.yaml:12:3: ipv4: entry 2 '5.5.0.0/16' is repeated",
        ),
        (
            TEXT.replace("  23.1.0.0/16\n", "  23.1.0.1/16\n"),
            "irr/AS64500.yaml:12:3: ipv4: entry 2 '23.1.0.1/16': host bits set (the prefix is "
            "23.1.0.0/16)",
        ),
        (
            TEXT.replace("  2a0b:1::/32\n", "  2A0B:1::/32\n"),
            "irr/AS64500.yaml:15:3: ipv6: entry 1 '2A0B:1::/32': not canonical (write 2a0b:1::/32)",
        ),
        (
            TEXT.replace("  2a0b:1::/32\n", "  5.5.0.0/16\n"),
            "irr/AS64500.yaml:15:3: ipv6: entry 1 '5.5.0.0/16': not an IPv6 prefix",
        ),
        (
            TEXT.replace("  64510\n", "  64510\n  AS64511\n"),
            "irr/AS64500.yaml:10:3: origins: entry 3 'AS64511': not an ASN",
        ),
        (
            TEXT.replace("ipv4: |\n  5.5.0.0/16\n  23.1.0.0/16\n  23.20.0.0/24\n", "ipv4: [1]\n"),
            "irr/AS64500.yaml:10:1: ipv4: must be a block of one entry per line",
        ),
        (
            TEXT.replace("  5.5.0.0/16\n", "  5.5.0.0/16; }; protocol static x {\n"),
            "irr/AS64500.yaml:11:3: ipv4: entry 1 '5.5.0.0/16; }; protocol static x {': not an "
            "IPv4 prefix in canonical form",
        ),
        (
            TEXT.replace('refreshed: "2026-12-01T06:00:00Z"', "refreshed: 2026-12-01"),
            "irr/AS64500.yaml:6:1: refreshed: must be a UTC time",
        ),
        (
            TEXT.replace("sources: [LABA, LABB]", "sources: [laba]"),
            "irr/AS64500.yaml:5:11: sources[0]: 'laba' is not an IRR source name",
        ),
        (TEXT + "extra: 1\n", "irr/AS64500.yaml:16:1: extra: unknown key"),
        (
            TEXT.replace("  5.5.0.0/16\n", "  0.0.0.0/0\n"),
            "irr/AS64500.yaml:11:3: ipv4: entry 1 '0.0.0.0/0': a default route: it would let "
            "the member announce any prefix",
        ),
        (
            TEXT.replace("  2a0b:1::/32\n", "  ::/0\n"),
            "irr/AS64500.yaml:15:3: ipv6: entry 1 '::/0': a default route",
        ),
        (
            TEXT.replace("  2a0b:1::/32\n", "  fe80::%eth0/64\n"),
            "irr/AS64500.yaml:15:3: ipv6: entry 1 'fe80::%eth0/64': not an IPv6 prefix in "
            "canonical form (a zone id is not allowed)",
        ),
    ],
)
def test_a_broken_file_is_refused_at_its_field(text: str, expected: str) -> None:
    found = problems(irr_repo(data={64500: text}))
    assert any(p.startswith(expected) for p in found), found


def test_stale_files_are_refused_with_what_to_run() -> None:
    other_sources = ONE.model_copy(update={"sources": ("LABA",)})
    found = problems(irr_repo(data={64500: other_sources, 64599: ONE}))
    assert found == [
        "irr/AS64500.yaml:5:1: sources: expanded from the sources LABA, but ix.yaml now names "
        "LABA, LABB (hint: run `ztix irr refresh` (the scheduled refresh does it too))",
        "irr/AS64599.yaml:3:1: asn: AS64500 already has IRR data: irr/AS64500.yaml",
        "irr/AS64599.yaml:3:1: asn: AS64500 does not match the file name AS64599.yaml",
    ]
    files = irr_repo(edits=(("peers/AS64500.yaml", "max_prefix:", "as_set: AS-ONE\nmax_prefix:"),))
    assert problems(files) == [
        "irr/AS64500.yaml:4:1: expanded: expanded from AS64500, but the peer file now names "
        "AS-ONE (hint: run `ztix irr refresh` (the scheduled refresh does it too))"
    ]


def test_a_file_without_a_member_is_refused() -> None:
    gone = ONE.model_copy(update={"asn": 64599})
    assert problems(irr_repo(data={64500: ONE, 64599: gone})) == [
        "irr/AS64599.yaml:3:1: asn: AS64599 has no peer file (peers/AS64599.yaml) (hint: delete "
        "this file together with the member's peer file)"
    ]


def test_odd_entries_in_irr_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_repo(tmp_path, irr_repo())
    (tmp_path / "irr" / "AS64500.yml").write_text(TEXT)
    (tmp_path / "irr" / "notes.txt").write_text("x")
    (tmp_path / "irr" / "README.md").write_text("generated files")
    (tmp_path / "irr" / "AS64501.yaml").symlink_to(tmp_path / "irr" / "AS64500.yaml")
    assert main(["validate", "--repo", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "irr/AS64500.yml:1:1: an IRR file must be named AS<asn>.yaml (hint: rename it" in err
    assert "irr/AS64501.yaml:1:1: an IRR file must be a regular file, not a symbolic link" in err
    assert "irr/notes.txt:1:1: an IRR file must be named AS<asn>.yaml" in err
    assert "irr/README.md" not in err


def test_a_large_file_loads_and_one_over_the_limit_is_refused(tmp_path: Path) -> None:
    prefixes = tuple(f"{a}.{b}.0.0/16" for a in range(1, 224) for b in range(256))[:50_000]
    big = ONE.model_copy(update={"ipv4": prefixes})
    write_repo(tmp_path, irr_repo(data={64500: big}))
    assert len(load(tmp_path).irr[0].model.ipv4) == 50_000
    (tmp_path / "irr" / "AS64500.yaml").write_text("#" * (16 * 1024 * 1024 + 1))
    with pytest.raises(ValidationFailed, match="larger than 16777216 bytes"):
        load(tmp_path)
