"""Validated value types: every value that can reach a template is one of these.

Each type accepts only the YAML type it documents (a string where a string is meant, an integer
where an integer is meant; never a bool for an int), so YAML 1.1 surprises (`no` -> False, an all
digit node id -> int) are errors that say "quote it" instead of silent conversions.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema

# RFC 7607 (AS 0), RFC 6793 (AS_TRANS 23456), RFC 7300 (65535, 4294967295).
RESERVED_ASNS = frozenset({0, 23456, 65535, 4294967295})
# RFC 5398: ASNs for documentation.
DOCUMENTATION_ASN_RANGES = ((64496, 64511), (65536, 65551))
# RFC 6996: ASNs for private use.
PRIVATE_ASN_RANGES = ((64512, 65534), (4200000000, 4294967294))
# RFC 7300 / IANA: last 16-bit and the 65552-131071 reserved block.
RESERVED_ASN_RANGES = ((65552, 131071),)

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
_SAFE_TEXT_CHARS = "letters, digits, spaces and . , : _ & ( ) ' / + @ ! ? = -"
# RPSL as-set names (RFC 2622 section 5.1, hierarchical names RFC 2725), with the IRR-source
# prefix PeeringDB's irr_as_set field carries in practice ("RIPE::AS-FOO").
_AS_SET_COMPONENT = r"(?:AS-[A-Z0-9_-]*[A-Z0-9]|AS[0-9]+)"
_AS_SET = re.compile(
    rf"(?:[A-Z][A-Z0-9-]*::)?(?:AS[0-9]+:)*AS-[A-Z0-9_-]*[A-Z0-9](?::{_AS_SET_COMPONENT})*",
    re.IGNORECASE,
)
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,31}")
_HOSTNAME = re.compile(
    r"(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
_SSH_KEY_TYPES = frozenset(
    {
        "ssh-ed25519",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "ssh-rsa",
    }
)
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
    }
    return names.get(type(value), type(value).__name__)


def asn_kind(asn: int) -> str | None:
    """Say why an ASN is special ('documentation', 'private', 'reserved'), or None if ordinary."""
    if asn in RESERVED_ASNS or any(lo <= asn <= hi for lo, hi in RESERVED_ASN_RANGES):
        return "reserved"
    if any(lo <= asn <= hi for lo, hi in DOCUMENTATION_ASN_RANGES):
        return "documentation"
    if any(lo <= asn <= hi for lo, hi in PRIVATE_ASN_RANGES):
        return "private"
    return None


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
    bad = sorted({c for c in value if not _SAFE_TEXT.fullmatch(c)})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise ValueError(
            f"contains characters that are not allowed: {shown}; use {_SAFE_TEXT_CHARS}"
        )
    if value != value.strip() or "  " in value:
        raise ValueError("must not start or end with a space or contain double spaces")
    return value


def _split_as_sets(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part for part in re.split(r"[\s,]+", value) if part)
    return value


def is_as_set(value: str) -> bool:
    """Whether `value` is one AS-SET name in a form PeeringDB really has."""
    return len(value) <= 128 and _AS_SET.fullmatch(value) is not None


def make_safe_text(value: str) -> str:
    """`value` with every run of disallowed characters replaced by one space, trimmed."""
    return " ".join(_UNSAFE_RUN.sub(" ", value).split())


def _check_as_set(value: str) -> str:
    if not is_as_set(value):
        raise ValueError(f"{value!r} is not an AS-SET (forms: AS-FOO, RIPE::AS-FOO, AS3320:AS-FOO)")
    return value


def _check_identifier(value: str) -> str:
    if not _IDENTIFIER.fullmatch(value):
        raise ValueError(f"{value!r} must be 1-32 of a-z, 0-9 and '_', starting with a letter")
    return value


def _check_host(value: str) -> str:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not _HOSTNAME.fullmatch(value):
            raise ValueError(f"{value!r} is neither an IP address nor a host name") from None
    return value


def _check_host_key(value: str) -> str:
    parts = value.split()
    if len(parts) < 2:
        raise ValueError("must be '<type> <base64>' as in an OpenSSH known_hosts or .pub line")
    key_type, blob_text = parts[0], parts[1]
    if key_type not in _SSH_KEY_TYPES:
        raise ValueError(f"key type {key_type!r} is not one of {', '.join(sorted(_SSH_KEY_TYPES))}")
    try:
        blob = base64.b64decode(blob_text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the key is not valid base64") from None
    # RFC 4253 section 6.6: the blob starts with the key type as an SSH string.
    name = key_type.encode()
    if blob[:4] != len(name).to_bytes(4, "big") or blob[4 : 4 + len(name)] != name:
        raise ValueError(f"the key data does not hold a {key_type} key")
    return f"{key_type} {blob_text}"


def _check_abs_path(value: str) -> str:
    if not _ABS_PATH.fullmatch(value) or "/../" in value + "/" or value.endswith("/"):
        raise ValueError(f"{value!r} must be an absolute file path of A-Z a-z 0-9 . _ - /")
    return value


def _parse_ip(family: int) -> Any:
    def parse(value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError(f"must be an IPv{family} address as a string, not {_yaml_type(value)}")
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an IPv{family} address") from None
        if address.version != family:
            raise ValueError(f"{value} is an IPv{address.version} address, expected IPv{family}")
        return address

    return BeforeValidator(parse)


def _parse_net(family: int) -> Any:
    def parse(value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError(f"must be an IPv{family} prefix as a string, not {_yaml_type(value)}")
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ValueError(f"{value!r} is not an IPv{family} prefix") from None
        if network.version != family:
            raise ValueError(f"{value} is an IPv{network.version} prefix, expected IPv{family}")
        if "/" not in value:
            raise ValueError(
                f"{value} needs a prefix length, e.g. {value}/{network.max_prefixlen // 2}"
            )
        if ipaddress.ip_interface(value).ip != network.network_address:
            raise ValueError(f"{value} has host bits set; did you mean {network}?")
        return network

    return BeforeValidator(parse)


_str = _require(str, "a string (quote it)")
_int = _require(int, "an integer")

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
    PlainSerializer(" ".join, return_type=str),
]
Identifier = Annotated[
    str,
    _str,
    AfterValidator(_check_identifier),
    Field(json_schema_extra={"pattern": "^[a-z][a-z0-9_]{0,31}$"}),
]
Host = Annotated[str, _str, AfterValidator(_check_host)]
HostKey = Annotated[str, _str, AfterValidator(_check_host_key)]
AbsPath = Annotated[str, _str, AfterValidator(_check_abs_path)]
PositiveInt = Annotated[int, _int, Field(ge=1)]
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
PrefixLength = Annotated[int, _int, Field(ge=0, le=128)]
