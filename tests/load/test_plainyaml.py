"""The plain-YAML fast reader reads exactly what the YAML reader reads, or steps aside: generated
documents in many layouts (indentation, lists with and without indentation, comments, quoting,
values YAML reads as other types, odd keys) and hand-edited files, character by character."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ztix.load.plainyaml import _BOOLS, _IMPLICIT, read_plain
from ztix.load.yamlsource import parse_yaml

PATH = "peers/AS64500.yaml"
EXAMPLE = (Path(__file__).parents[2] / "peers" / "AS64500.yaml").read_text()

KEYS = ["asn", "name", "ipv4", "a-b", "x_1", "key", "Key2", "_k", "state", "bgp", "max_prefix"]
ODD_KEYS = ["yes", "null", "on", "No", "asn", "y", "n"]  # read as other types; or a repeat
# Values the fast reader reads, and values it must leave to YAML (other types, indicators,
# comments, quoting it does not handle); drawn fifteen to one, so most documents are read here.
PLAIN = [
    "abc", "Example Networks One", "10.0.0.1", "fd00:64::1:1", "80618aa6e3", "2a1c3cbb3f",
    "2026-11-02", "yes", "No", "TRUE", "off", "0", "123", "64500", "a#b", "a:b",
    "http://x.example/a", "'q'", '"dq"', '"a #b"', "'a: b'", "Ünïcode Networks", "a,b", "a[b]",
    "noc@one.example", "AS-FOO", "AS64500:AS-BAR", "1" * 30, "a  b", "''", '""',
    "2026-11-02T10:00:00Z", "y", "n", "Y",
]  # fmt: skip
TRICKY = [
    "2026-02-30", "~", "null", "Null", "1.5", "1e5", ".inf", "0x1F", "0o17", "012", "1_000",
    "1:20", "-5", "+5", "a #b", "a: b", "a:", "'it''s'", '"a\\"b"', "[a, b]", "{a: 1}", "&x a",
    "*x", "!!str a", "!x a", "|", ">", "@a", "`a", "%a", "a\u2028b", "a\x85b", "<<", "=", "?a",
    "? a", "- a", "-a", ",a", "'", '"', '"x\\ty"', "'x\\y'", "2026-11-02 10:00:00 +0100", "1" * 4001, "-",
]  # fmt: skip
FLOW_WORDS = [
    "RIPE", "ARIN", "AS-FOO", "64500", "10.0.0.1", "a_b", "yes", "2026-11-02", "x.y", "0",
    "012", "~", "a b", "'q'", '"q"', "a:b", "[x]", "", "-a", "1.5", "null", "n",
]  # fmt: skip
SCALARS = st.one_of(*[st.sampled_from(PLAIN)] * 15, st.sampled_from(TRICKY))


@st.composite
def documents(
    draw: st.DrawFn, depth: int = 0, scalars: st.SearchStrategy[str] = SCALARS, odd: bool = True
) -> list[tuple[str, Any]]:
    """A nested mapping (as pairs: a key may repeat) of keys to scalars, mappings and lists."""
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=5, unique=True))
    if odd and draw(st.integers(0, 9)) == 0:
        keys.append(draw(st.sampled_from(ODD_KEYS)))
    tree: list[tuple[str, Any]] = []
    for key in keys:
        kind = draw(st.integers(0, 6 if depth < 3 else 1))
        if kind <= 2:
            tree.append((key, draw(scalars)))
        elif kind == 6:  # a flow list, written out here: `[a, b]`
            words = draw(st.lists(st.sampled_from(FLOW_WORDS), max_size=4))
            separator = draw(st.sampled_from([", ", ", ", ", ", ",", " ,", ",  "]))
            tree.append((key, "[" + separator.join(words) + "]"))
        elif kind == 3:
            tree.append((key, draw(documents(depth + 1, scalars, odd))))
        elif kind == 4:
            tree.append((key, draw(st.lists(scalars, min_size=1, max_size=3))))
        else:
            items = st.lists(documents(depth + 1, scalars, odd), min_size=1, max_size=3)
            tree.append((key, draw(items)))
    return tree


@st.composite
def rendered(draw: st.DrawFn, plain: bool = False) -> str:
    """A tree written as block YAML, with a randomly chosen layout at every step (`plain`:
    only values and keys the fast reader reads)."""
    tree = draw(documents(scalars=st.sampled_from(PLAIN), odd=False) if plain else documents())
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append("# yaml-language-server: $schema=../ztix/schemas/peer.schema.json")

    def noise() -> None:
        choice = draw(st.integers(0, 12))
        if choice == 0:
            lines.append(" " * draw(st.integers(0, 3)))
        elif choice == 1:
            lines.append(" " * draw(st.integers(0, 6)) + "# a comment ")

    def mapping(tree: list[tuple[str, Any]], indent: int, first: str | None = None) -> None:
        for index, (key, value) in enumerate(tree):
            noise()
            lead = first if (index == 0 and first is not None) else " " * indent
            if isinstance(value, str):
                gap = " " * draw(st.sampled_from([1, 1, 1, 2]))
                lines.append(f"{lead}{key}:{gap}{value}")
            elif value and isinstance(value[0], tuple):
                lines.append(f"{lead}{key}:")
                mapping(value, indent + draw(st.sampled_from([2, 2, 4, 1])))
            else:
                lines.append(f"{lead}{key}:")
                sequence(value, indent + draw(st.sampled_from([0, 2, 2, 4, -1])))

    def sequence(items: list[Any], indent: int) -> None:
        for item in items:
            noise()
            dash = "-" + " " * draw(st.sampled_from([1, 1, 2]))
            if isinstance(item, str):
                lines.append(f"{' ' * indent}{dash}{item}")
            else:
                mapping(item, indent + len(dash), first=" " * indent + dash)

    mapping(tree, draw(st.sampled_from([0, 0, 0, 2])))
    text = "\n".join(lines)
    return text + "\n" if draw(st.booleans()) else text


def same_or_none(text: str) -> bool:
    """Whether the fast reader steps aside (False) or reads what YAML reads (True)."""
    fast = read_plain(PATH, text)
    if fast is None:
        return False
    slow, problems = parse_yaml(PATH, text)
    assert problems == [] and slow is not None, (text, problems)
    assert fast.data == slow.data, text
    assert fast.positions == slow.positions, text
    assert (fast.blocks, fast.failed) == (slow.blocks, slow.failed)
    return True


@settings(max_examples=1500, deadline=None)
@given(rendered())
@example("a:\n- x\n- y\nb: 1\n")  # a list at its key's own indentation
@example("k:\n- a: 1\n  b:\n  - x\n")
@example("a: 1\nb:\n  c: 2\n d: 3\n")  # a key between two indentations
@example("a: x\n  y\n")  # a plain scalar continued on the next line
@example("a:\n  - x\n    y\n")
@example("a: 1\na: 2\n")  # a duplicate key
@example("a:\n")  # null
@example("a:\nb: 1\n")  # null, then the next key
@example('a: "x\\ty"\n')  # an escape in double quotes
@example("- a:\n  b: 1\n".replace("- a", "k:\n- a"))
@example("b:\n  a:\n - x\n")  # a list left of its key: not the key's value
@example("a: 1\n   \nb: 2\n")  # a line of spaces
@example("a: 1 \n")  # a trailing space
@example("---\na: 1\n")
@example("a: 1\n...\n")
def test_documents_read_the_same_or_go_to_the_yaml_reader(text: str) -> None:
    same_or_none(text)


@settings(max_examples=800, deadline=None)
@given(rendered(plain=True))
def test_plain_documents_read_the_same_or_go_to_the_yaml_reader(text: str) -> None:
    same_or_none(text)


def test_the_common_files_take_the_fast_path() -> None:
    """Peer files as the portal and people write them are read here (not a silent fallback),
    and the example's ix.yaml."""
    assert same_or_none(EXAMPLE)
    assert same_or_none((Path(__file__).parents[2] / "ix.yaml").read_text())
    assert same_or_none("sources: [RIPE, ARIN]\nempty: []\nlist:\n  - [a, b]\n")
    assert same_or_none("asn: 64500\nconnections:\n- zerotier_node_id: 80618aa6e3\n  ipv4: x\n")
    assert same_or_none('asn: 64500\nname: "Quoted #1"\nbgp:\n  bfd: true\n')


EDITS = [
    " ", "  ", "\n", "\n  ", "- ", ":", ": ", "#", " #", "'", '"', "\t", "\r", "[", "&a ", "*a",
    "!", "|", "~", "0", "yes", "---\n", "\\", "\u00a0", "\x00", "\ufeff", "\u2028",
]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 3), st.sampled_from(EDITS)),
        min_size=1,
        max_size=3,
    )
)
def test_an_edited_peer_file_reads_the_same_or_goes_to_the_yaml_reader(
    edits: list[tuple[int, int, str]],
) -> None:
    text = EXAMPLE
    for position, removed, inserted in edits:
        at = position % (len(text) + 1)
        text = text[:at] + inserted + text[at + removed :]
    same_or_none(text)


def test_the_type_table_is_pyyamls() -> None:
    """The implicit types, in PyYAML's order for each first character, pattern by pattern, and
    what a bool reads as: the fast reader types a value as PyYAML's SafeLoader does."""
    theirs = yaml.SafeLoader.yaml_implicit_resolvers

    def normal(pattern: re.Pattern[str]) -> tuple[str, int]:
        verbose = bool(pattern.flags & re.X)
        return ("".join(pattern.pattern.split()) if verbose else pattern.pattern, pattern.flags)

    assert set(_IMPLICIT) == set(theirs)
    for first, resolvers in theirs.items():
        ours = [(tag, normal(p)) for tag, p in _IMPLICIT[first]]
        assert ours == [(tag, normal(p)) for tag, p in resolvers], first
    assert yaml.constructor.SafeConstructor.bool_values == _BOOLS


def test_validating_plain_files_needs_no_yaml_library(tmp_path: Path) -> None:
    """The example repository validates without importing PyYAML (start-up time)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(Path(__file__).parents[2] / "ix.yaml", repo)
    shutil.copytree(Path(__file__).parents[2] / "peers", repo / "peers")
    code = (
        "import sys\nfrom ztix.cli import main\n"
        f"assert main(['validate', '--repo', {str(repo)!r}]) == 0\n"
        "print(sorted(m for m in sys.modules if m == 'yaml' or m.startswith('yaml.')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
