"""What the route servers' large communities mean: why a route was rejected, and its RPKI state.

Rendered into the policy (templates/bird/policy.conf.j2 sets them), decoded by `ztix status`
and the members' looking glass. RS_ASN:1101:<code> marks a rejected route (kept in `show route
filtered`), RS_ASN:1000:<n> how an accepted route passed (its RPKI state, its IRR check).
"""

from __future__ import annotations

REJECTED = 1101
INFO = 1000

# (code, why, what the member can do about it)
REJECT_REASONS: tuple[tuple[int, str, str], ...] = (
    (1, "bogon prefix", "announce only public, routable address space"),
    (2, "the peering LAN itself", "never announce the exchange's own LAN"),
    (3, "prefix too long", "announce an aggregate within the exchange's length limits"),
    (4, "prefix too short", "announce more specific prefixes"),
    (5, "first AS is not the member's ASN", "prepend your own ASN; no route servers of your own"),
    (6, "private, reserved or documentation ASN in the AS path", "strip private ASNs on export"),
    (7, "AS path too long", "announce a shorter path"),
    (8, "next hop is not the member's address", "set your own peering address as next hop"),
    (9, "RPKI invalid", "fix or create the ROA for this prefix and origin"),
    (10, "RPKI data not loaded yet (held back)", "nothing: it passes once the caches answer"),
    (11, "transit-free network in the AS path (route leak)", "announce only your customer cone"),
    (12, "BLACKHOLE not accepted here", "the exchange does not propagate RFC 7999 blackholes"),
    (
        13,
        "origin ASN not in the member's AS-SET",
        "add the origin to your AS-SET in the IRR; the exchange refreshes IRR data daily",
    ),
    (
        14,
        "prefix not registered in the IRR for the member's AS-SET",
        "create a route object (or an RPKI ROA) for this prefix and origin",
    ),
    (
        15,
        "no IRR data for the member yet, and the route is not RPKI valid from its own ASN",
        "register your AS-SET and route objects, or create ROAs; ask the IX admins to refresh",
    ),
    (
        16,
        "AS_SET in the AS path (RFC 9774: deprecated, treated as withdrawn)",
        "announce the route without aggregating paths into an AS_SET",
    ),
    (
        17,
        "BLACKHOLE for space the member has not registered in the IRR",
        "blackhole only inside prefixes registered under your AS-SET, from your origins",
    ),
)
# RS_ASN:1000:<n> on accepted routes: their RPKI state (1-3) and how IRR let them pass (4-8).
INFO_TAGS = {
    1: "RPKI valid",
    2: "RPKI unknown",
    3: "RPKI invalid (tagged, not rejected)",
    4: "IRR: prefix and origin registered",
    5: "IRR: prefix not registered, but an RPKI ROA covers it for a registered origin",
    6: "IRR: prefix not registered (tagged, not rejected)",
    7: "IRR: origin not in the AS-SET (tagged, not rejected)",
    8: "IRR: no data for the member yet, passed as RPKI valid from its own ASN",
}


def reason(code: int) -> str:
    """The words for a reject code (or a plain 'reason N' for a code of another version)."""
    return next((why for c, why, _ in REJECT_REASONS if c == code), f"reason {code}")


def advice(code: int) -> str:
    """What a member can do about a reject code."""
    return next((hint for c, _, hint in REJECT_REASONS if c == code), "ask the IX admins")
