"""Field types of the generated IRR files (`irr/AS<asn>.yaml`): long lists, read fast.

A member's registrations can run to 100,000 prefixes. Each list is one YAML block of one entry
per line (one scalar for the YAML reader, one line per entry in a diff), checked here entry by
entry: canonical, sorted, no duplicates, so a hand edit is refused with the entry it broke and
the same registrations always give the same bytes.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import socket
import struct
from collections.abc import Callable, Sequence
from itertools import islice, repeat
from operator import and_, lshift, lt, or_
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from ztix.models.fields import is_as_set

MAX_ENTRIES = 500_000  # per list; the refresh holds back far smaller growth for review

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_V4 = re.compile(rf"({_OCTET})\.({_OCTET})\.({_OCTET})\.({_OCTET})/(3[0-2]|[12]?[0-9])")
_ASN_LINE = re.compile(r"[1-9][0-9]{0,9}")
_SOURCE = re.compile(r"[A-Z][A-Z0-9-]{0,31}")
# A route object for the default route registers everything: as a member's IRR data it would
# switch the IRR prefix check off for that member.
_DEFAULT_ROUTE = "a default route: it would let the member announce any prefix"
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def entry_error(number: int, message: str) -> PydanticCustomError:
    """A problem with entry `number` (1-based) of a list: the loader points at its line."""
    return PydanticCustomError(
        "irr_entry", "entry {entry} {text}", {"entry": number, "text": message}
    )


def _lines(value: Any) -> list[str]:
    if not isinstance(value, str):
        raise ValueError("must be a block of one entry per line (`|` and the entries below it)")
    return value.splitlines()


def _v4_key(text: str) -> tuple[int, int]:
    match = _V4.fullmatch(text)
    if match is None:
        raise ValueError("not an IPv4 prefix in canonical form")
    a, b, c, d, length = (int(g) for g in match.groups())
    if length == 0:
        raise ValueError(_DEFAULT_ROUTE)
    address = (a << 24) | (b << 16) | (c << 8) | d
    if address & ((1 << (32 - length)) - 1):
        raise ValueError(f"host bits set (the prefix is {ipaddress.ip_network(text, False)})")
    return address, length


def _v6_key(text: str) -> tuple[int, int]:
    try:
        network = ipaddress.IPv6Network(text, strict=False)
    except ValueError:
        raise ValueError("not an IPv6 prefix in canonical form") from None
    if "%" in text:
        raise ValueError("not an IPv6 prefix in canonical form (a zone id is not allowed)")
    if network.prefixlen == 0:
        raise ValueError(_DEFAULT_ROUTE)
    if int(ipaddress.IPv6Address(text.partition("/")[0])) != int(network.network_address):
        raise ValueError(f"host bits set (the prefix is {network})")
    if network.compressed != text:
        raise ValueError(f"not canonical (write {network.compressed})")
    return int(network.network_address), network.prefixlen


def _asn_key(text: str) -> tuple[int, int]:
    if _ASN_LINE.fullmatch(text) is None or int(text) > 4294967295:
        raise ValueError("not an ASN (digits only, e.g. 64500)")
    return int(text), 0


# Fast whole-list checks (issue 21: 275,000 entries loaded and checked in 0.3 s). Each answers
# "every entry is canonical, sorted and unique" with C-level passes only (bytes.translate,
# str.count, substring tests, one split, maps of socket's parsers); on False the per-entry loop
# below runs to say exactly which entry is wrong and why, so errors are the same either way
# (tests/models/test_irrfields.py holds the two to the same answer on generated lists).
_V4_LENGTHS = {str(n): n for n in range(1, 33)}  # canonical lengths only: no /0, no "024"
_V6_LENGTHS = {str(n): n for n in range(1, 129)}
_NUMBER = b"0123456789"
_HEX6 = b"0123456789abcdef:"
_ONES = bytes.maketrans(b"23456789", b"11111111")  # digits 1-9 as "1": zeros stand out
_ASN_BLOCK = re.compile(r"(?:[1-9][0-9]{0,9}\n)*")
_HOST4 = [(1 << (32 - n)) - 1 for n in range(33)]
_HOST6 = [(1 << (128 - n)) - 1 for n in range(129)]


def _ascending(keys: Sequence[int]) -> bool:
    return all(map(lt, keys, islice(keys, 1, None)))


def _pairs(text: str, lengths: dict[str, int]) -> tuple[list[str], list[int]] | None:
    """Addresses and lengths of the lines of `address/length` (lengths canonical), split in
    one pass; None when a length is not canonical. The caller has checked the lines' shape."""
    parts = text.replace("/", "\n").split("\n")
    try:
        return parts[0:-1:2], list(map(lengths.__getitem__, parts[1::2]))
    except KeyError:
        return None


def _strictly_ascending(values: Sequence[int], lengths: list[int], width: int) -> bool:
    """Whether (address, length) pairs are sorted, once each: addresses ascending or, where
    one address has several lengths (10.0.0.0/8 and 10.0.0.0/16), the pairs compared whole."""
    return _ascending(values) or _ascending(
        list(map(or_, map(lshift, values, repeat(width)), lengths))
    )


def _v4_shape(text: str, count: int) -> bool:
    """Whether `count` lines could be canonical IPv4 prefixes, judged by whole-text passes.

    With digits and dots taken out, exactly "/\\n" per line (one slash a line, nothing else
    anywhere); three dots a line, and socket refuses an address with more, so each address
    has exactly three; no octet with a leading zero (lengths are looked up, canonical only).
    """
    if not text.isascii():  # (and then encode() cannot fail on a lone surrogate)
        return False
    raw = text.encode()
    if raw.translate(None, _NUMBER + b".") != b"/\n" * count or text.count(".") != 3 * count:
        return False
    ones = b"\n" + raw.translate(_ONES)  # an octet starting with 0 and another digit
    return not (b".00" in ones or b".01" in ones or b"\n00" in ones or b"\n01" in ones)


def _v4_fast(text: str, count: int) -> bool:
    if not _v4_shape(text, count):
        return False
    pairs = _pairs(text, _V4_LENGTHS)
    if pairs is None:
        return False
    addresses, lengths = pairs
    try:
        packed = b"".join(map(socket.inet_aton, addresses))  # refuses an octet over 255
    except OSError:
        return False
    values = struct.unpack(f">{count}I", packed)
    if any(map(and_, values, map(_HOST4.__getitem__, lengths))):
        return False
    return _strictly_ascending(values, lengths, 6)


def _v6_fast(text: str, count: int) -> bool:
    # Shape: with lowercase hex digits and colons taken out, exactly "/\n" per line.
    if not text.isascii() or text.encode().translate(None, _HEX6) != b"/\n" * count:
        return False
    pairs = _pairs(text, _V6_LENGTHS)
    if pairs is None:
        return False
    addresses, lengths = pairs
    try:
        packed = list(map(socket.inet_pton, repeat(socket.AF_INET6), addresses))
    except OSError:
        return False
    # inet_ntop's form (RFC 5952) must be the text itself; any doubt goes the slow way.
    if list(map(socket.inet_ntop, repeat(socket.AF_INET6), packed)) != addresses:
        return False
    big: Literal["big"] = "big"
    values = list(map(int.from_bytes, packed, repeat(big)))
    if any(map(and_, values, map(_HOST6.__getitem__, lengths))):
        return False
    return _strictly_ascending(values, lengths, 8)


def _asn_fast(text: str, count: int) -> bool:
    if not _ASN_BLOCK.fullmatch(text):
        return False
    values = list(map(int, text.split()))
    return (not values or values[-1] <= 4294967295) and _ascending(values)


def _sorted_list(
    key: Callable[[str], tuple[int, int]], what: str, fast: Callable[[str, int], bool]
) -> Callable[[Any], Any]:
    def check(value: Any) -> tuple[str, ...]:
        # A tuple when built in code (the refresh), text when read from a file.
        lines = list(value) if isinstance(value, tuple) else _lines(value)
        if len(lines) > MAX_ENTRIES:
            raise ValueError(f"more than {MAX_ENTRIES} entries (limit)")
        if not lines:
            return ()
        text = value if isinstance(value, str) else _block(lines)
        if fast(text if text.endswith("\n") else text + "\n", len(lines)):
            return tuple(lines)
        previous: tuple[int, int] | None = None
        for number, line in enumerate(lines, start=1):
            try:
                current = key(line)
            except ValueError as exc:
                raise entry_error(number, f"{line!r}: {exc}") from None
            if previous is not None and current <= previous:
                order = "repeated" if current == previous else "out of order"
                raise entry_error(
                    number,
                    f"{line!r} is {order} ({what} are sorted, once each: run `ztix irr "
                    "refresh` rather than editing this file)",
                )
            previous = current
        return tuple(lines)

    return check


def _block(value: Sequence[str]) -> str:
    return "".join(f"{line}\n" for line in value)


def _block_type(
    key: Callable[[str], tuple[int, int]],
    fast: Callable[[str, int], bool],
    what: str,
    item: str,
) -> Any:
    return Annotated[
        tuple[str, ...],
        BeforeValidator(_sorted_list(key, what, fast)),
        PlainSerializer(_block, return_type=str),
        WithJsonSchema({"type": "string", "description": f"one {item} per line, sorted"}),
    ]


Prefixes4 = _block_type(_v4_key, _v4_fast, "prefixes", "IPv4 prefix")
Prefixes6 = _block_type(_v6_key, _v6_fast, "prefixes", "IPv6 prefix")
Origins = _block_type(_asn_key, _asn_fast, "origin ASNs", "ASN")


def _check_source(value: Any) -> Any:
    if not isinstance(value, str) or _SOURCE.fullmatch(value) is None:
        raise ValueError(f"{value!r} is not an IRR source name (e.g. RIPE, ARIN, RADB)")
    return value


def _check_name(value: Any) -> Any:
    if isinstance(value, str) and (is_as_set(value) or re.fullmatch(r"AS[1-9][0-9]{0,9}", value)):
        return value
    raise ValueError(f"{value!r} is neither an AS-SET nor an ASN like AS64500")


def _check_timestamp(value: Any) -> Any:
    if not isinstance(value, str) or _TIMESTAMP.fullmatch(value) is None:
        raise ValueError("must be a UTC time like '2026-12-01T06:00:00Z' (quoted)")
    try:  # the pattern holds the digits; the constructor refuses what is out of range
        datetime.datetime(
            int(value[0:4]),
            int(value[5:7]),
            int(value[8:10]),
            int(value[11:13]),
            int(value[14:16]),
            int(value[17:19]),
        )
    except ValueError:
        raise ValueError(
            f"{value!r} is not a real time (month, day, hour or minute out of range)"
        ) from None
    return value


IrrSource = Annotated[str, BeforeValidator(_check_source)]
IrrName = Annotated[str, BeforeValidator(_check_name)]
Timestamp = Annotated[str, BeforeValidator(_check_timestamp)]
