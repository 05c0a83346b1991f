"""Peering addresses: the socket fast path accepts exactly what the full checks accept, as the
same address (RFC 5952 spelling for IPv6; mapped, zone ids and other spellings refused)."""

from __future__ import annotations

import ipaddress
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ztix.models import fields, special


def full_checks(family: int, value: str) -> Any:
    """The address the full (ipaddress) checks give, or the error they raise."""
    kind = ipaddress.IPv4Address if family == 4 else ipaddress.IPv6Address
    try:
        address = kind(value)
        return fields._canonical(address, value)
    except ValueError as exc:
        return type(exc)


def spellings(family: int) -> st.SearchStrategy[str]:
    """Canonical and other spellings of addresses (upper case, zeros written out, mapped)."""
    kind = ipaddress.IPv4Address if family == 4 else ipaddress.IPv6Address
    top = 2**32 - 1 if family == 4 else 2**128 - 1
    numbers = st.integers(0, top) | st.sampled_from([0, 1, min(0xFFFF << 32, top), top])
    canonical = numbers.map(lambda n: str(kind(n)))
    other = numbers.map(lambda n: kind(n).exploded) | canonical.map(str.upper)
    odd = st.sampled_from(
        ["01.2.3.4", "1.2.3", "1.2.3.4.5", " 1.2.3.4", "::ffff:1.2.3.4", "::1.2.3.4", "fe80::1%eth0",
         "1::0:1", "1:0:0:1::", "::", "::0", "0::", "1.2.3.4\x00", "", "1.2.3.256", "::1:0:0:0"]
    )  # fmt: skip
    return canonical | other | odd


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from([4, 6]).flatmap(lambda f: st.tuples(st.just(f), spellings(f))))
@example((6, "::ffff:102:304"))
@example((6, "1:0:0:1:0:0:0:1"))
@example((6, "1:0:0:0:1:0:0:1"))
def test_the_fast_path_agrees_with_the_full_checks(case: tuple[int, str]) -> None:
    family, value = case
    packed = fields._packed_canonical(family, value)
    if packed is not None:
        kind = ipaddress.IPv4Address if family == 4 else ipaddress.IPv6Address
        assert full_checks(family, value) == kind(packed)


def _kind_by_ranges(asn: int) -> str | None:
    """The ranges read one by one, in precedence order (what the bisection must give)."""
    for kind, ranges in (
        ("reserved", special.RESERVED_ASN_RANGES),
        ("documentation", special.DOCUMENTATION_ASN_RANGES),
        ("private", special.PRIVATE_ASN_RANGES),
    ):
        if any(lo <= asn <= hi for lo, hi in ranges):
            return kind
    return None


@settings(max_examples=2000, deadline=None)
@given(
    st.integers(-5, 2**32 + 5)
    | st.sampled_from(
        sorted(
            {
                bound + step
                for ranges in (
                    special.RESERVED_ASN_RANGES,
                    special.DOCUMENTATION_ASN_RANGES,
                    special.PRIVATE_ASN_RANGES,
                )
                for low, high in ranges
                for bound in (low, high)
                for step in (-1, 0, 1)
            }
        )
    )
)
def test_an_asns_kind_is_its_ranges(asn: int) -> None:
    assert fields.asn_kind(asn) == _kind_by_ranges(asn)
