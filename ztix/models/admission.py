"""Who may join (`admission:` in ix.yaml): accepted ASNs, refused ASNs, PeeringDB requirements.

`ztix validate` refuses a peer file whose ASN the exchange does not admit (so CI refuses it too,
whoever wrote the file); the portal says so before the form and checks the PeeringDB
requirements, which only it can read, at every request.
"""

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from ztix.models.base import Strict

_SPAN = re.compile(r"(?:AS)?(\d{1,10})(?:\s*-\s*(?:AS)?(\d{1,10}))?", re.IGNORECASE)
MAX_ASN = 4294967295


def _span(value: object) -> str:
    """`64500` or `"64500-64510"` (an `AS` prefix allowed) as the text "64500" / "64500-64510"."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError('give an ASN (64500) or a range ("64500-64510")')
    found = _SPAN.fullmatch(str(value).strip())
    if found is None:
        raise ValueError(f'{value!r} is not an ASN (64500) or a range ("64500-64510")')
    first = int(found[1])
    last = int(found[2]) if found[2] else first
    if not 1 <= first <= last <= MAX_ASN:
        raise ValueError(f"{value!r}: a range goes from a lower to a higher ASN, 1 to {MAX_ASN}")
    return str(first) if first == last else f"{first}-{last}"


AsnSpan = Annotated[
    str,
    BeforeValidator(_span),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": MAX_ASN},
                {"type": "string", "pattern": r"^(AS)?[0-9]{1,10}(\s*-\s*(AS)?[0-9]{1,10})?$"},
            ]
        }
    ),
]
# PeeringDB's net.policy_general values.
GeneralPolicy = Literal["Open", "Selective", "Restrictive", "No"]


def _bounds(span: str) -> tuple[int, int]:
    first, _, last = span.partition("-")
    return int(first), int(last or first)


class Admission(Strict):
    """Which networks may be members."""

    allowed: tuple[AsnSpan, ...] = Field(
        default=(),
        description="only these ASNs and ranges may be members (empty: every ASN the policy "
        "allows)",
    )
    refused: tuple[AsnSpan, ...] = Field(
        default=(), description="these ASNs and ranges may never be members"
    )
    peeringdb_policy_general: tuple[GeneralPolicy, ...] = Field(
        default=(),
        description="the portal takes requests only from networks whose PeeringDB general "
        "peering policy is one of these (empty: any)",
    )

    def refusal(self, asn: int) -> str | None:
        """Why `asn` is not admitted ('is refused by ...'), or None."""
        if any(lo <= asn <= hi for lo, hi in map(_bounds, self.refused)):
            return "is refused by the exchange (admission.refused in ix.yaml)"
        if self.allowed and not any(lo <= asn <= hi for lo, hi in map(_bounds, self.allowed)):
            return "is not among the ASNs the exchange admits (admission.allowed in ix.yaml)"
        return None
