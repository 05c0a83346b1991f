"""The IRR lists' whole-block fast checks never accept what the per-entry checks refuse: a fast
"yes" only where each entry, checked alone, is canonical and in order, once. A fast "no" costs
only time (the per-entry checks then decide and name the entry), so clean lists are also
checked to take the fast path."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ztix.models import irrfields

FAST = {"v4": irrfields._v4_fast, "v6": irrfields._v6_fast, "asn": irrfields._asn_fast}
KEY: dict[str, Callable[[str], tuple[int, int]]] = {
    "v4": irrfields._v4_key,
    "v6": irrfields._v6_key,
    "asn": irrfields._asn_key,
}


def slow_ok(kind: str, lines: list[str]) -> bool:
    """The per-entry verdict: every line parses canonically and the keys strictly ascend."""
    previous = None
    for line in lines:
        try:
            current = KEY[kind](line)
        except ValueError:
            return False
        if previous is not None and current <= previous:
            return False
        previous = current
    return True


def fast_ok(kind: str, lines: list[str]) -> bool:
    """The fast verdict on the block the file would hold (one entry a line)."""
    text = "".join(f"{line}\n" for line in lines)
    return FAST[kind](text, len(lines))


v4_nets = st.builds(
    lambda address, length: str(ipaddress.IPv4Network((address, length), strict=False)),
    st.integers(0, 2**32 - 1),
    st.integers(1, 32),
)
v6_nets = st.builds(
    lambda address, length: str(ipaddress.IPv6Network((address, length), strict=False)),
    st.integers(0, 2**128 - 1) | st.integers(0, 2**32) | st.just(0xFFFF << 32),
    st.integers(1, 128),
)
# Edits of one entry's text that a hand edit or a broken generator could make.
EDITS: list[Callable[[str], str]] = [
    lambda s: s.upper(),
    lambda s: s + " ",
    lambda s: " " + s,
    lambda s: s.replace(".", ".0", 1),
    lambda s: "0" + s,
    lambda s: s.replace("/", "/0"),
    lambda s: s.rsplit("/", 1)[0] + "/0",
    lambda s: s.rsplit("/", 1)[0] + "/33",
    lambda s: s.rsplit("/", 1)[0] + "/129",
    lambda s: s.rsplit("/", 1)[0],
    lambda s: s + "/24",
    lambda s: s.replace("/", "//"),
    lambda s: s.replace(".", "..", 1),
    lambda s: s.rsplit(".", 1)[0] + "/24",
    lambda s: s.replace("::", ":0:", 1),
    lambda s: s.replace(":", "::", 1),
    lambda s: s.replace("/", "%eth0/"),
    lambda s: s.replace("1", "\u0661"),  # an Arabic-Indic digit: int() reads it, YAML is text
    lambda s: s.replace("0", "\uff10"),
    lambda s: s + "\r",
    lambda s: "",
    lambda s: s.replace("/", "\n"),
    lambda s: "::ffff:1.2.3.4/128",
    lambda s: "1.2.3.256/32",
    lambda s: "1.2.3/24",
    lambda s: "0x1.2.3.4/32",
    lambda s: s.rsplit("/", 1)[0] + "/+24",
    lambda s: s.rsplit("/", 1)[0] + "/2_4",
]


def lists(
    nets: st.SearchStrategy[str], key: Callable[[str], tuple[int, int]]
) -> st.SearchStrategy[list[str]]:
    """Sorted, unique lists, then perhaps edited: entries changed, swapped, repeated, joined."""
    clean = st.lists(nets, max_size=12).map(lambda xs: sorted(set(xs), key=key))

    @st.composite
    def edited(draw: st.DrawFn) -> list[str]:
        items = draw(clean)
        for _ in range(draw(st.integers(0, 2))):
            if not items:
                break
            index = draw(st.integers(0, len(items) - 1))
            how = draw(st.integers(0, 3))
            if how == 0:
                items[index] = draw(st.sampled_from(EDITS))(items[index])
            elif how == 1:
                items.insert(index, items[index])  # repeated
            elif how == 2 and index + 1 < len(items):
                items[index], items[index + 1] = items[index + 1], items[index]
            elif how == 3 and index + 1 < len(items):  # two entries on one line
                items[index : index + 2] = [items[index] + "/" + items[index + 1]]
        return items

    return edited()


@settings(max_examples=600, deadline=None)
@given(lists(v4_nets, irrfields._v4_key))
@example(["1.2.3.0/24/1.2.4.0", "24"])  # two lines that together hold two slashes
@example(["10.0.0.0/8", "10.0.0.0/16"])  # one address, two lengths: allowed, in length order
@example(["10.0.0.0/16", "10.0.0.0/8"])
@example(["010.0.0.0/8"])
@example(["10.0.0.0/08"])
@example(["0.0.0.0/0"])
@example(["0.0.0.0/1", "128.0.0.0/1"])
def test_the_ipv4_fast_check_agrees_with_the_entries(lines: list[str]) -> None:
    assert not fast_ok("v4", lines) or slow_ok("v4", lines)


@settings(max_examples=600, deadline=None)
@given(lists(v6_nets, irrfields._v6_key))
@example(["2001:db8::/32/2001:db9::", "48"])
@example(["2001:db8::/32", "2001:db8::/48"])
@example(["::/0"])
@example(["::ffff:102:304/128"])
def test_the_ipv6_fast_check_agrees_with_the_entries(lines: list[str]) -> None:
    assert not fast_ok("v6", lines) or slow_ok("v6", lines)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 2**32 + 5).map(str) | st.sampled_from(["01", "+5", " 7", "٣"])))
def test_the_origin_fast_check_agrees_with_the_entries(lines: list[str]) -> None:
    assert fast_ok("asn", lines) == slow_ok("asn", lines)


@settings(max_examples=300, deadline=None)
@given(st.lists(v4_nets, max_size=12), st.lists(v6_nets, max_size=12))
def test_clean_lists_take_the_fast_path(four: list[str], six: list[str]) -> None:
    """Sorted unique canonical lists pass the fast check (IPv6 addresses inet_ntop prints with
    an embedded IPv4 address aside, ::ffff:0:0/96 and ::/96: Python prints them otherwise, so
    they take the per-entry path)."""
    four = sorted(set(four), key=irrfields._v4_key)
    six = sorted({s for s in six if "." not in _ntop(s)}, key=irrfields._v6_key)
    assert fast_ok("v4", four)
    assert fast_ok("v6", six)


def _ntop(prefix: str) -> str:
    address = prefix.partition("/")[0]
    return socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, address))


@pytest.mark.parametrize("kind", ["v4", "v6"])
def test_large_clean_lists_take_the_fast_path(kind: str) -> None:
    """A clean list of 50,000 entries passes the fast check (no per-entry fallback)."""
    if kind == "v4":
        lines = [f"{ipaddress.IPv4Address(k << 8)}/24" for k in range(1, 50_001)]
    else:
        lines = [
            str(ipaddress.IPv6Network(((0x2A00 << 112) | (k << 80), 48))) for k in range(50_000)
        ]
    assert fast_ok(kind, lines)
    assert not fast_ok(kind, [*lines[:-1], lines[-2]])  # the last one repeated


@pytest.mark.parametrize("kind", ["v4", "v6", "asn"])
def test_text_that_is_not_ascii_goes_the_per_entry_way(kind: str) -> None:
    """Lone surrogates (text handed in by code, not read from a file) or other non-ASCII text
    never reach encode(): the per-entry checks name the entry."""
    for odd in ["1.2.3.0/24\udcff", "2001:db8::/32\u00e9", "64500\u0663"]:
        assert not fast_ok(kind, [odd])
        assert not slow_ok(kind, [odd])
