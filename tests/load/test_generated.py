"""The fast reader of generated IRR files gives exactly what the YAML reader gives, or steps
aside (a hand edit, any other shape), so a file means the same whichever reads it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ztix.irr.files import irr_text
from ztix.load.generated import read_generated_irr
from ztix.load.yamlsource import parse_yaml
from ztix.models import IrrData

PATH = "irr/AS64500.yaml"


def data(
    origins: tuple[str, ...], ipv4: tuple[str, ...], ipv6: tuple[str, ...], names: tuple[str, ...]
) -> IrrData:
    return IrrData(
        asn=64500,
        expanded=names,
        sources=("RIPE", "RADB"),
        refreshed="2026-12-01T06:00:00Z",
        origins=origins,
        ipv4=ipv4,
        ipv6=ipv6,
    )


def same(text: str) -> None:
    fast = read_generated_irr(PATH, text)
    slow, problems = parse_yaml(PATH, text)
    assert fast is not None and slow is not None and problems == []
    assert fast.data == slow.data
    assert fast.positions == slow.positions
    assert fast.blocks == slow.blocks


@settings(max_examples=60, deadline=None)
@given(
    origins=st.integers(0, 5),
    v4=st.integers(0, 30),
    v6=st.integers(0, 5),
    names=st.lists(
        st.sampled_from(["AS64500", "AS-FOO", "RIPE::AS-BAR", "AS-X:AS-Y"]),
        min_size=1,
        max_size=3,
        unique=True,
    ),
)
def test_generated_files_read_the_same_both_ways(
    origins: int, v4: int, v6: int, names: list[str]
) -> None:
    text = irr_text(
        data(
            tuple(str(64500 + i) for i in range(origins)),
            tuple(f"23.{i}.0.0/16" for i in range(v4)),
            tuple(f"2a0b:{i + 1:x}::/32" for i in range(v6)),
            tuple(names),
        )
    )
    same(text)


@pytest.mark.parametrize(
    "edit",
    [
        ("  23.1.0.0/16\n", "   23.1.0.0/16\n"),  # deeper indentation: YAML keeps the space
        ("  23.1.0.0/16\n", "  23.1.0.0/16\n\n"),  # a blank line
        ("asn: 64500\n", "asn: 64500  # a comment\n"),
        ("# Generated", "#  Generated"),
        ('expanded: ["AS64500"]', "expanded: [AS64500]"),
        ("ipv4: |\n", "ipv4: |-\n"),
    ],
)
def test_any_other_shape_goes_to_the_yaml_reader(edit: tuple[str, str]) -> None:
    text = irr_text(data(("64500",), ("23.0.0.0/16", "23.1.0.0/16"), (), ("AS64500",)))
    changed = text.replace(*edit, 1)
    assert changed != text
    assert read_generated_irr(PATH, changed) is None


@settings(max_examples=500, deadline=None)
@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, 10_000),
            st.integers(0, 3),
            st.sampled_from(
                [" ", "  ", "\n", "\n  ", "|", '""', ":", "ipv4:", "\t", "\r", "#", "-"]
            ),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_an_edited_file_reads_the_same_or_goes_to_the_yaml_reader(
    edits: list[tuple[int, int, str]],
) -> None:
    """Characters inserted or removed anywhere: the fast reader steps aside, or reads exactly
    what YAML reads (never its own meaning of a hand-edited file)."""
    text = irr_text(
        data(("64500", "64501"), ("23.0.0.0/16", "23.1.0.0/16"), ("2a0b:1::/32",), ("AS-FOO",))
    )
    for position, removed, inserted in edits:
        at = position % (len(text) + 1)
        text = text[:at] + inserted + text[at + removed :]
    fast = read_generated_irr(PATH, text)
    if fast is None:
        return
    slow, problems = parse_yaml(PATH, text)
    assert slow is not None and problems == []
    assert (fast.data, fast.positions, fast.blocks) == (slow.data, slow.positions, slow.blocks)
