"""`parts` splits a config as the plain regex reading of it does, at a fraction of the cost."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ztix.bird.text import ConfigParts, parts, session_texts

# The straightforward reading (what `parts` did before it skipped bodies with str.find): every
# block by one lazy regex over the whole text, then the set constants over what is left.
_BLOCK = re.compile(r"^((protocol|template) \S+ (\S+)(?: from (\S+))?.*?^})", re.M | re.S)
_SET = re.compile(r"^define (\w+) = \[(.*?)\];\n?", re.M | re.S)


def oracle(config: str) -> ConfigParts:
    found: dict[str, str] = {}
    parents: dict[str, str] = {}
    bgp = set()
    chunks = []
    end = 0
    for match in _BLOCK.finditer(config):
        chunks.append(config[end : match.start()])
        block, kind, name, parent = match.groups()
        found[f"{kind} {name}"] = block
        if parent:
            parents[name] = parent
        if block.startswith("protocol bgp "):
            bgp.add(name)
        end = match.end()
    chunks.append(config[end:])
    outside = "".join(chunk for chunk in chunks if chunk.strip())
    sets = {m.group(1): m.group(2) for m in _SET.finditer(outside)}
    return ConfigParts(found, parents, sets, _SET.sub("", outside), frozenset(bgp))


names = st.sampled_from(["AS1_a_v4", "AS2_b_v6", "rs_client", "rtr1", "x"])
statement = st.one_of(
    st.builds(
        lambda kind, typ, name, parent, body: (
            f"{kind} {typ} {name}{f' from {parent}' if parent else ''} {{\n{body}}}\n"
        ),
        st.sampled_from(["protocol", "template"]),
        st.sampled_from(["bgp", "rpki", "device", "static"]),
        names,
        st.one_of(st.none(), names),
        st.sampled_from(
            ["", "  neighbor 10.0.0.1 as 64500;\n", "  ipv4 {\n    import all;\n  };\n"]
        ),
    ),
    st.builds(
        lambda name, elements, newline: f"define {name} = [{elements}];{newline}",
        st.sampled_from(["IRR_1_V4", "IRR_2_V6", "BOGONS_V4"]),
        st.sampled_from(["", "\n  10.0.0.0/8{8,24},\n  192.0.2.0/24\n", " 1, 2 "]),
        st.sampled_from(["\n", ""]),
    ),
    st.sampled_from(
        [
            "\n",
            "\n\n",
            "   \n",
            "# a comment\n",
            "define RS_ASN = 64511;\n",
            "function f() {\n  return true;\n}\n",
            "router id 10.0.0.1;\n",
        ]
    ),
)


@given(st.lists(statement, max_size=14))
def test_parts_reads_a_config_as_the_regex_reading_does(pieces: list[str]) -> None:
    config = "".join(pieces)
    assert parts(config) == oracle(config)


def test_parts_on_a_config_with_a_block_that_inherits() -> None:
    config = (
        "router id 10.0.0.1;\n\n"
        "define IRR_1_V4 = [\n  23.1.0.0/16{16,24}\n];\n\n"
        "template bgp rs_client {\n  hold time 15;\n}\n\n"
        "protocol bgp AS1_a_v4 from rs_client {\n  neighbor 10.0.0.10 as 64500;\n}\n"
    )
    got = parts(config)
    assert got == oracle(config)
    assert got.sets == {"IRR_1_V4": "\n  23.1.0.0/16{16,24}\n"}
    assert got.bgp == frozenset({"AS1_a_v4"})
    assert got.rest == "router id 10.0.0.1;\n\n\n"  # the blank line after the set stays
    assert session_texts(got)["AS1_a_v4"].endswith("hold time 15;\n}")
