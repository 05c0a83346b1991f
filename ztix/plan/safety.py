"""What the exchange's settings let through: every setting whose value passes routes a
safe exchange would stop, said in words (validate, plan and apply print these)."""

from __future__ import annotations

from ztix.models import Exchange


def safety_notes(exchange: Exchange) -> list[str]:
    """One sentence per setting that leaks routes; empty for an exchange with safe settings."""
    notes = []
    irr, rpki = exchange.irr, exchange.rpki
    if not irr.enabled:
        notes.append(
            f"IRR filtering is off ({irr.reason}): member routes are checked by RPKI only, so "
            "a member can announce another member's RPKI-valid or unknown space with a forged "
            "path ending in its ASN, and every member receives it"
        )
    else:
        if irr.origin == "tag":
            notes.append(
                "irr.origin: tag: routes whose origin the member's AS-SET lacks are tagged, "
                "not rejected"
            )
        if irr.prefix == "tag":
            notes.append(
                "irr.prefix: tag: routes for prefixes the member never registered are tagged, "
                "not rejected"
            )
    if rpki.invalid == "tag":
        notes.append("rpki.invalid: tag: RPKI-invalid routes are tagged, not rejected")
    if rpki.until_loaded == "accept":
        notes.append(
            "rpki.until_loaded: accept: until the RTR caches' data has loaded, member routes "
            "pass as RPKI-unknown, invalid ones among them"
        )
    return notes
