"""Validated value types: every value that can reach a template is one of these.

Each type accepts only the YAML type it documents (a string where a string is meant, an integer
where an integer is meant; never a bool for an int), so YAML 1.1 surprises (`no` -> False, an all
digit node id -> int) are errors that say "quote it" instead of silent conversions.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import datetime
import ipaddress
import posixpath
import re
import socket
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema

from ztix.bird.names import reserved
from ztix.models.special import (
    DOCUMENTATION_ASN_RANGES,
    PRIVATE_ASN_RANGES,
    RESERVED_ASN_RANGES,
)

_NODE_ID = re.compile(r"[0-9a-f]{10}")
_NETWORK_ID = re.compile(r"[0-9a-f]{16}")
# A conservative addr-spec (RFC 5322 dot-atom subset) that no config language can misread.
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
# Free text: printable ASCII without quote, backslash, braces, semicolon, '#' or '*', so that it is
# inert inside a BIRD string, a comment or Markdown, whatever a template does with it.
_SAFE_CLASS = "A-Za-z0-9 .,:_&()'/+@!?=-"
_SAFE_TEXT = re.compile(f"[{_SAFE_CLASS}]*")
_UNSAFE_RUN = re.compile(f"[^{_SAFE_CLASS}]+")
_SAFE_TEXT_SCHEMA = f"^[{_SAFE_CLASS}]+$"
_SAFE_TEXT_CHARS = "letters a-z A-Z (no accents), digits, spaces and . , : _ & ( ) ' / + @ ! ? = -"
# RPSL as-set names (RFC 2622 section 5.1, hierarchical names RFC 2725), with the IRR-source
# prefix PeeringDB's irr_as_set field carries in practice ("RIPE::AS-FOO").
_AS_SET_COMPONENT = r"(?:AS-[A-Z0-9_-]*[A-Z0-9]|AS[0-9]+)"
# re.ASCII: without it, IGNORECASE lets Unicode look-alikes match (U+212A KELVIN SIGN for K,
# U+017F LONG S for S), so `AS-\u212aELVIN` would pass as an AS-SET.
_AS_SET = re.compile(
    rf"(?:[A-Z][A-Z0-9-]*::)?(?:AS[0-9]+:)*AS-[A-Z0-9_-]*[A-Z0-9](?::{_AS_SET_COMPONENT})*",
    re.IGNORECASE | re.ASCII,
)
# RFC 2622 section 5.1: AS-ANY is the reserved set of every AS; it is never a member's set.
_RESERVED_SET_NAMES = frozenset({"AS-ANY"})
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,31}")
_HOSTNAME = re.compile(
    r"(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
# Public key blob layouts (RFC 4253 6.6, RFC 5656 3.1, RFC 8709 4): the SSH strings after the
# type name, as (curve name, length of the point or key) for the checks in _check_host_key.
_SSH_KEY_TYPES: dict[str, tuple[str | None, int]] = {
    "ssh-ed25519": (None, 32),
    "ecdsa-sha2-nistp256": ("nistp256", 65),
    "ecdsa-sha2-nistp384": ("nistp384", 97),
    "ecdsa-sha2-nistp521": ("nistp521", 133),
    "ssh-rsa": (None, 0),
}
_MIN_RSA_BITS = 2048
# An API base URL: scheme, host (name, IPv4 or [IPv6]), optional port and path; no credentials,
# query or fragment (the token comes from the environment, never from ix.yaml).
_URL = re.compile(
    r"https?://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~/-]*)?"
)
# BIRD parses numbers as 32-bit unsigned; a max-prefix needs no more than this (a full IPv4
# table is about a million routes).
MAX_LIMIT = 10_000_000
MAX_DB_ID = 2**31 - 1
_ABS_PATH = re.compile(r"/[A-Za-z0-9._/-]*")


def _require(kind: type, what: str) -> Any:
    def check(value: Any) -> Any:
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise ValueError(f"must be {what}, not {_yaml_type(value)}")
        return value

    return BeforeValidator(check)


def _yaml_type(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
        type(None): "empty (null)",
        datetime.datetime: "a date with a time",
        datetime.date: "a date",
    }
    return names.get(type(value), type(value).__name__)


def _kind_table() -> tuple[list[int], list[str | None]]:
    """Boundaries and the kind from each on: `asn_kind` is one bisection (it runs three times
    for every peer file of a 2,000-member exchange). Kinds in order of precedence."""
    kinds = {
        "reserved": RESERVED_ASN_RANGES,
        "documentation": DOCUMENTATION_ASN_RANGES,
        "private": PRIVATE_ASN_RANGES,
    }
    points = sorted(
        {0, 2**32} | {b for ranges in kinds.values() for lo, hi in ranges for b in (lo, hi + 1)}
    )
    starts, found = [], []
    for point in points[:-1]:
        kind = next(
            (k for k, ranges in kinds.items() if any(lo <= point <= hi for lo, hi in ranges)), None
        )
        starts.append(point)
        found.append(kind)
    return starts, found


_KIND_STARTS, _KINDS = _kind_table()


def asn_kind(asn: int) -> str | None:
    """Say why an ASN is special ('documentation', 'private', 'reserved'), or None if ordinary."""
    return _KINDS[bisect.bisect_right(_KIND_STARTS, asn) - 1] if 0 <= asn < 2**32 else None


def _check_asn(value: int) -> int:
    if not 1 <= value <= 4294967295:
        raise ValueError(f"{value} is not an ASN (1 to 4294967295)")
    if asn_kind(value) == "reserved":
        raise ValueError(f"AS{value} is reserved (RFC 7607, RFC 6793, RFC 7300) and never peers")
    return value


def _check_node_id(value: str) -> str:
    if not _NODE_ID.fullmatch(value):
        if _NODE_ID.fullmatch(value.lower()):
            raise ValueError(f"{value!r} must be written in lower case")
        raise ValueError(f"{value!r} is not a ZeroTier node id (exactly 10 hex digits)")
    if value.startswith("ff"):
        raise ValueError(f"{value!r} starts with 'ff', which ZeroTier reserves")
    if value == "0" * 10:
        raise ValueError("0000000000 is not a valid ZeroTier node id")
    return value


def _check_network_id(value: str) -> str:
    if not _NETWORK_ID.fullmatch(value):
        raise ValueError(f"{value!r} is not a ZeroTier network id (16 lower-case hex digits)")
    return value


def _check_email(value: str) -> str:
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


def _text(max_length: int) -> Any:
    def check(value: str) -> str:
        if len(value) > max_length:
            raise ValueError(f"is {len(value)} characters long; at most {max_length} are allowed")
        return _check_text(value)

    return AfterValidator(check)


def _check_text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    bad = [] if _SAFE_TEXT.fullmatch(value) else sorted(set("".join(_UNSAFE_RUN.findall(value))))
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise ValueError(
            f"contains characters that are not allowed: {shown}; use {_SAFE_TEXT_CHARS}"
        )
    if value != value.strip() or "  " in value:
        raise ValueError("must not start or end with a space or contain double spaces")
    return value


def _join_as_sets(values: tuple[str, ...]) -> str:
    """The AS-SETs as written back: separated by spaces."""
    # A def, not `" ".join`: pydantic reads a serializer's signature, and for a builtin that
    # means parsing its text signature with tokenize (~1.5 ms of start-up).
    return " ".join(values)


def _split_as_sets(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part for part in re.split(r"[\s,]+", value) if part)
    return value


def is_as_set(value: str) -> bool:
    """Whether `value` is one AS-SET name in a form PeeringDB really has (and not AS-ANY)."""
    if len(value) > 128 or not value.isascii() or _AS_SET.fullmatch(value) is None:
        return False
    components = value.rsplit("::", maxsplit=1)[-1].upper().split(":")
    return not any(part in _RESERVED_SET_NAMES for part in components)


def make_safe_text(value: str) -> str:
    """`value` with every run of disallowed characters replaced by one space, trimmed."""
    return " ".join(_UNSAFE_RUN.sub(" ", value).split())


def _check_as_set(value: str) -> str:
    if not value.isascii():
        odd = " ".join(ascii(c) for c in sorted({c for c in value if not c.isascii()}))
        raise ValueError(
            f"{value!a} is not an AS-SET: it holds characters that are not ASCII ({odd})"
        )
    if not is_as_set(value):
        if any(part in _RESERVED_SET_NAMES for part in value.upper().split(":")):
            raise ValueError(f"{value!r}: AS-ANY is reserved by RFC 2622 and names no member")
        raise ValueError(
            f"{value!r} is not an AS-SET (forms, in ASCII: AS-FOO, RIPE::AS-FOO, AS3320:AS-FOO)"
        )
    return value


def _check_symbol(value: str) -> str:
    why = reserved(value)
    if why is not None:
        raise ValueError(f"{why}; choose another name")
    return value


def _check_identifier(value: str) -> str:
    if not _IDENTIFIER.fullmatch(value):
        raise ValueError(f"{value!r} must be 1-32 of a-z, 0-9 and '_', starting with a letter")
    return value


def _check_host(value: str) -> str:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        if not _HOSTNAME.fullmatch(value) or value.replace(".", "").isdigit():
            raise ValueError(f"{value!r} is neither an IP address nor a host name") from None
        return value
    _canonical(address, value)
    return value


def _check_url(value: str) -> str:
    if not _URL.fullmatch(value):
        raise ValueError(
            f"{value!r} must be an http(s) URL without credentials, query or fragment, "
            "e.g. http://127.0.0.1:9993"
        )
    return value.rstrip("/")


def _ssh_strings(blob: bytes) -> list[bytes]:
    """The SSH wire-format strings (uint32 length + bytes, RFC 4251 5) that make up `blob`."""
    out, at = [], 0
    while at < len(blob):
        if at + 4 > len(blob):
            raise ValueError("the key data is truncated")
        size = int.from_bytes(blob[at : at + 4], "big")
        at += 4
        if at + size > len(blob):
            raise ValueError("the key data is truncated")
        out.append(blob[at : at + size])
        at += size
    return out


def _check_host_key(value: str) -> str:
    parts = value.split()
    if len(parts) != 2:
        raise ValueError("must be '<type> <base64>' as in an OpenSSH known_hosts or .pub line")
    key_type, blob_text = parts
    if key_type not in _SSH_KEY_TYPES:
        raise ValueError(f"key type {key_type!r} is not one of {', '.join(sorted(_SSH_KEY_TYPES))}")
    try:
        blob = base64.b64decode(blob_text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the key is not valid base64") from None
    strings = _ssh_strings(blob)
    if not strings or strings[0] != key_type.encode():
        raise ValueError(f"the key data does not hold a {key_type} key")
    curve, size = _SSH_KEY_TYPES[key_type]
    if key_type == "ssh-rsa":
        ok = len(strings) == 3 and len(strings[2].lstrip(b"\0")) * 8 >= _MIN_RSA_BITS
        if not ok:
            raise ValueError(f"not a whole ssh-rsa key of at least {_MIN_RSA_BITS} bits")
    elif curve is None:
        if len(strings) != 2 or len(strings[1]) != size:
            raise ValueError(f"not a whole {key_type} key (the key bytes are missing or cut)")
    elif len(strings) != 3 or strings[1] != curve.encode() or len(strings[2]) != size:
        raise ValueError(f"not a whole {key_type} key (the curve point is missing or cut)")
    return f"{key_type} {blob_text}"


def _check_log_target(value: str) -> str:
    if value in ("syslog", "stderr"):
        return value
    if value.startswith("/"):
        return _check_abs_path(value)  # its own message says what is wrong with the path
    raise ValueError(f"{value!r} must be syslog, stderr or an absolute file path")


def _check_abs_path(value: str) -> str:
    if not _ABS_PATH.fullmatch(value) or value.endswith("/"):
        raise ValueError(f"{value!r} must be an absolute file path of A-Z a-z 0-9 . _ - /")
    # One spelling per file: the checks that two paths differ (the log is not the config file)
    # compare text, so /etc/bird/./bird.conf or //etc/bird/bird.conf must not pass for another.
    if "//" in value or posixpath.normpath(value) != value:
        raise ValueError(f"{value!r} must be a plain absolute path (no //, /./ or /../)")
    return value


_ADDRESS_TYPES: dict[int, type[ipaddress.IPv4Address] | type[ipaddress.IPv6Address]] = {
    4: ipaddress.IPv4Address,
    6: ipaddress.IPv6Address,
}
_NETWORK_TYPES: dict[int, type[ipaddress.IPv4Network] | type[ipaddress.IPv6Network]] = {
    4: ipaddress.IPv4Network,
    6: ipaddress.IPv6Network,
}


def _canonical(address: ipaddress.IPv4Address | ipaddress.IPv6Address, value: str) -> Any:
    """`address` if `value` is its one canonical spelling (RFC 5952 for IPv6), else an error.

    Two spellings of one address would defeat the uniqueness checks and reach the ZeroTier API
    and CI logs as given, so only the canonical form is accepted (the message shows it).
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id is not None:
            raise ValueError(f"{value!r}: a zone id (%...) is not allowed in a peering address")
        if address.ipv4_mapped is not None:
            raise ValueError(f"{value!r} is an IPv4-mapped address; give {address.ipv4_mapped}")
    canonical = str(address)
    if canonical != value:
        raise ValueError(f"{value!r} is not written canonically; write {canonical}")
    return address


_SOCKET_FAMILIES = {4: socket.AF_INET, 6: socket.AF_INET6}


def _packed_canonical(family: int, value: str) -> bytes | None:
    """The packed address when socket's parser reads `value` and prints it back unchanged (the
    canonical spelling, RFC 5952 for IPv6, without a dotted IPv4 part), else None: the full
    checks below then decide and explain. A fast path for thousands of peer addresses."""
    if "." in value and family == 6:
        return None
    try:
        packed = socket.inet_pton(_SOCKET_FAMILIES[family], value)
    except (OSError, ValueError):  # ValueError: an embedded NUL
        return None
    return packed if socket.inet_ntop(_SOCKET_FAMILIES[family], packed) == value else None


def _parse_ip(family: int) -> Any:
    def parse(value: Any) -> Any:
        if isinstance(value, _ADDRESS_TYPES[family]):
            return value  # a default in the models (YAML only ever gives text)
        if not isinstance(value, str):
            raise ValueError(f"must be an IPv{family} address as a string, not {_yaml_type(value)}")
        packed = _packed_canonical(family, value)
        if packed is not None:
            return _ADDRESS_TYPES[family](packed)
        try:
            address = _ADDRESS_TYPES[family](value)
        except ValueError:
            try:
                _ADDRESS_TYPES[10 - family](value)
            except ValueError:
                raise ValueError(f"{value!r} is not an IPv{family} address") from None
            raise ValueError(
                f"{value} is an IPv{10 - family} address, expected IPv{family}"
            ) from None
        return _canonical(address, value)

    return BeforeValidator(parse)


def _parse_net(family: int) -> Any:
    def parse(value: Any) -> Any:
        if isinstance(value, _NETWORK_TYPES[family]):
            return value  # a default in the models (YAML only ever gives text)
        if not isinstance(value, str):
            raise ValueError(f"must be an IPv{family} prefix as a string, not {_yaml_type(value)}")
        if "/" not in value:
            raise ValueError(
                f"{value} needs a prefix length, e.g. {value}/{64 if family == 6 else 24}"
            )
        try:
            network = _NETWORK_TYPES[family](value, strict=False)
        except ValueError:
            try:
                _NETWORK_TYPES[10 - family](value, strict=False)
            except ValueError:
                raise ValueError(f"{value!r} is not an IPv{family} prefix") from None
            raise ValueError(
                f"{value} is an IPv{10 - family} prefix, expected IPv{family}"
            ) from None
        if str(network) != value:
            address = value.split("/", 1)[0]
            if ipaddress.ip_address(address.split("%", 1)[0]) != network.network_address:
                raise ValueError(f"{value} has host bits set; did you mean {network}?")
            raise ValueError(f"{value!r} is not written canonically; write {network}")
        return network

    return BeforeValidator(parse)


def _check_router_id(value: ipaddress.IPv4Address) -> ipaddress.IPv4Address:
    if int(value) == 0:
        raise ValueError("0.0.0.0 is not a router id (RFC 6286: a non-zero 32-bit number)")
    return value


def _check_day(value: Any) -> Any:
    # YAML reads 2026-11-02 as a date; a datetime (with a time) or text is not what is meant.
    if type(value) is not datetime.date:
        raise ValueError(f"must be a date like 2026-11-02 (unquoted), not {_yaml_type(value)}")
    return value


_str = _require(str, "a string (quote it)")
_int = _require(int, "an integer")
Int = Annotated[int, _int]

ASN = Annotated[
    int,
    _int,
    AfterValidator(_check_asn),
    Field(json_schema_extra={"minimum": 1, "maximum": 4294967294}),
]
NodeId = Annotated[
    str,
    _str,
    AfterValidator(_check_node_id),
    Field(json_schema_extra={"pattern": "^[0-9a-f]{10}$"}),
]
NetworkId = Annotated[
    str,
    _str,
    AfterValidator(_check_network_id),
    Field(json_schema_extra={"pattern": "^[0-9a-f]{16}$"}),
]
Email = Annotated[str, _str, AfterValidator(_check_email), Field(max_length=254)]
Text = Annotated[
    str,
    _str,
    _text(100),
    WithJsonSchema({"type": "string", "maxLength": 100, "pattern": _SAFE_TEXT_SCHEMA}),
]
LongText = Annotated[
    str,
    _str,
    _text(500),
    WithJsonSchema({"type": "string", "maxLength": 500, "pattern": _SAFE_TEXT_SCHEMA}),
]
AsSet = Annotated[str, _str, AfterValidator(_check_as_set)]
AsSets = Annotated[
    tuple[AsSet, ...],
    BeforeValidator(_split_as_sets),
    WithJsonSchema(
        {
            "type": "string",
            "description": "one or more AS-SETs separated by spaces or commas",
        }
    ),
    PlainSerializer(_join_as_sets, return_type=str),
]
Identifier = Annotated[
    str,
    _str,
    AfterValidator(_check_identifier),
    Field(json_schema_extra={"pattern": "^[a-z][a-z0-9_]{0,31}$"}),
]
BirdSymbol = Annotated[
    str,
    _str,
    AfterValidator(_check_identifier),
    AfterValidator(_check_symbol),
    Field(json_schema_extra={"pattern": "^[a-z][a-z0-9_]{0,31}$"}),
]
Host = Annotated[str, _str, AfterValidator(_check_host)]
Url = Annotated[str, _str, AfterValidator(_check_url), Field(max_length=200)]
HostKey = Annotated[str, _str, AfterValidator(_check_host_key)]
AbsPath = Annotated[str, _str, AfterValidator(_check_abs_path)]
LogTarget = Annotated[str, _str, AfterValidator(_check_log_target)]
Limit = Annotated[int, _int, Field(ge=1, le=MAX_LIMIT)]
DbId = Annotated[int, _int, Field(ge=1, le=MAX_DB_ID)]
PathLength = Annotated[int, _int, Field(ge=1, le=255)]
Port = Annotated[int, _int, Field(ge=1, le=65535)]
Flag = Annotated[bool, _require(bool, "true or false")]
IPv4 = Annotated[
    ipaddress.IPv4Address,
    _parse_ip(4),
    WithJsonSchema({"type": "string", "format": "ipv4"}),
]
IPv6 = Annotated[
    ipaddress.IPv6Address,
    _parse_ip(6),
    WithJsonSchema({"type": "string", "format": "ipv6"}),
]
Net4 = Annotated[
    ipaddress.IPv4Network,
    _parse_net(4),
    WithJsonSchema({"type": "string", "description": "IPv4 prefix, e.g. 192.0.2.0/24"}),
]
Net6 = Annotated[
    ipaddress.IPv6Network,
    _parse_net(6),
    WithJsonSchema({"type": "string", "description": "IPv6 prefix, e.g. 2001:db8::/64"}),
]
Hex6 = Annotated[
    str,
    _str,
    Field(pattern="^[0-9a-f]{6}$", json_schema_extra={"pattern": "^[0-9a-f]{6}$"}),
]
PrefixLength = Annotated[int, _int, Field(ge=1, le=128)]
RouterId = Annotated[
    ipaddress.IPv4Address,
    _parse_ip(4),
    AfterValidator(_check_router_id),
    WithJsonSchema({"type": "string", "format": "ipv4"}),
]
Day = Annotated[
    datetime.date,
    BeforeValidator(_check_day),
    WithJsonSchema({"type": "string", "format": "date"}),
]
