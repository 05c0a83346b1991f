"""Who may act for which ASN, from PeeringDB's OpenID claims (pure).

PeeringDB `networks[].perms` is a bitmask READ=1, UPDATE=2, CREATE=4, DELETE=8; every affiliated
user has READ, so only UPDATE, CREATE or DELETE (mask 14) proves the right to act for a network.
The user must also be verified by PeeringDB and have a verified e-mail address.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

WRITE_PERMS = 2 | 4 | 8


@dataclass(frozen=True)
class User:
    """The logged-in PeeringDB user."""

    id: int
    name: str
    email: str
    email_verified: bool
    verified_user: bool


@dataclass(frozen=True)
class NetworkAccess:
    """One of the user's networks and whether they may act for it (and if not, why)."""

    asn: int
    net_id: int
    name: str
    perms: int
    may_act: bool
    why: str


def from_claims(claims: Mapping[str, Any]) -> tuple[User, list[NetworkAccess]]:
    """The user and their networks, each with the decision and its reason."""
    user = User(
        id=int(claims.get("id") or claims.get("sub") or 0),
        name=str(claims.get("name") or ""),
        email=str(claims.get("email") or ""),
        email_verified=claims.get("email_verified") is True,
        verified_user=claims.get("verified_user") is True,
    )
    networks = []
    for item in claims.get("networks") or ():
        try:
            asn, net_id, perms = int(item["asn"]), int(item["id"]), int(item.get("perms", 0))
        except (KeyError, TypeError, ValueError):
            continue
        networks.append(_decide(user, asn, net_id, str(item.get("name") or ""), perms))
    return user, sorted(networks, key=lambda n: n.asn)


def _decide(user: User, asn: int, net_id: int, name: str, perms: int) -> NetworkAccess:
    if not user.verified_user:
        why = "your PeeringDB account is not verified yet; ask PeeringDB support to verify it"
    elif not user.email_verified:
        why = (
            "your e-mail address is not verified at PeeringDB; confirm it there, then log in again"
        )
    elif not perms & WRITE_PERMS:
        why = (
            "you have read-only access to this network at PeeringDB; ask an administrator of "
            "its organisation to grant you update, create or delete permission"
        )
    else:
        return NetworkAccess(asn, net_id, name, perms, True, "")
    return NetworkAccess(asn, net_id, name, perms, False, why)
