"""IRR filtering: the exchange's `irr:` settings and the generated `irr/AS<asn>.yaml` files.

`ztix irr refresh` expands each member's AS-SET (or ASN) with bgpq4 into an `IrrData` file; the
route servers are rendered from those files only, so the same commit always renders the same
config and an IRR change is reviewed like any other change.
"""

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from ztix.models.base import Strict
from ztix.models.fields import ASN, Flag, Host, Int, Limit, Port, Text
from ztix.models.irrfields import IrrName, IrrSource, Origins, Prefixes4, Prefixes6, Timestamp


class IrrServer(Strict):
    """An IRR whois server (IRRd protocol, as bgpq4 speaks it); later ones are fallbacks."""

    host: Host
    port: Port = 43


class Irr(Strict):
    """Filter each member by what its AS-SET (or ASN) registers in the IRR.

    Every exchange decides: `ix.yaml` has this section with servers and sources, or says
    `enabled: false` with the reason. Without it a member can announce another member's space
    with a forged path ending in the victim's ASN, and RPKI calls that valid (MANRS for IXPs,
    action 1: prefix filtering on every route-server session).
    """

    enabled: Flag = Field(
        default=True,
        description="false turns IRR filtering off: member routes are then checked by RPKI "
        "only, and `reason` says why",
    )
    reason: Text | None = Field(
        default=None, description="why IRR filtering is off (required with enabled: false)"
    )
    servers: tuple[IrrServer, ...] = Field(default=(), max_length=8)
    sources: tuple[IrrSource, ...] = Field(
        default=(),
        max_length=32,
        description="IRR databases in order of preference (bgpq4 -S): for each set name the "
        "first source that has it wins, e.g. [RIPE, ARIN, APNIC, AFRINIC, LACNIC, RADB]",
    )
    origin: Literal["reject", "tag"] = Field(
        default="reject", description="a route whose origin ASN the member's set lacks"
    )
    prefix: Literal["reject", "tag"] = Field(
        default="reject", description="a route whose prefix the member's route objects lack"
    )
    more_specifics: Flag = Field(
        default=True,
        description="accept more-specifics of registered prefixes, up to the policy's "
        "max_length (else exactly the registered prefixes)",
    )
    rpki_as_route_objects: Flag = Field(
        default=True,
        description="a prefix not registered in the IRR passes if it is RPKI valid and its "
        "origin is registered (checked live against the ROAs, no refresh needed)",
    )
    without_data: Literal["rpki_valid", "reject"] = Field(
        default="rpki_valid",
        description="a member with no irr/ file yet: accept only its RPKI-valid routes, or "
        "reject all of them",
    )
    # Refresh guards: what a refresh holds back for review instead of writing.
    max_prefixes: Limit = Field(
        default=200_000, description="per member and family: more is held back for review"
    )
    growth_factor: Annotated[Int, Field(ge=1, le=1000)] = Field(
        default=3, description="a member's list growing more than this many times is held back"
    )
    growth_allowance: Annotated[Int, Field(ge=0, le=1_000_000)] = Field(
        default=1000, description="growth by at most this many entries is never held back"
    )
    timeout: Annotated[Int, Field(ge=1, le=600)] = Field(
        default=60, description="seconds for one bgpq4 run (a silent server never answers)"
    )
    jobs: Annotated[Int, Field(ge=1, le=64)] = Field(
        default=8, description="bgpq4 runs at once (public IRR servers limit connections)"
    )

    @model_validator(mode="after")
    def _decided(self) -> Self:
        if self.enabled:
            missing = [name for name in ("servers", "sources") if not getattr(self, name)]
            if missing:
                raise ValueError(
                    f"IRR filtering needs {' and '.join(missing)} (or enabled: false with a "
                    "reason, to check member routes by RPKI only)"
                )
            if self.reason is not None:
                raise ValueError("reason is for enabled: false; IRR filtering is on here")
        elif self.reason is None:
            raise ValueError("say why IRR filtering is off: enabled: false needs a reason")
        return self


class IrrData(Strict):
    """What one member's IRR registrations expanded to (written by `ztix irr refresh`)."""

    asn: ASN
    expanded: tuple[IrrName, ...] = Field(
        min_length=1, description="the AS-SETs (or the ASN) that were expanded"
    )
    sources: tuple[IrrSource, ...] = Field(min_length=1)
    refreshed: Timestamp = Field(description="when, in UTC")
    origins: Origins
    ipv4: Prefixes4
    ipv6: Prefixes6
