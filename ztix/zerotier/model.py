"""Provider-neutral shapes of ZeroTier members and network settings, and their normal forms."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

# ZT-IX names the members it manages: peers "AS<asn>", route servers "AS<rs-asn>-<name>".
# Anything else on the network was not made by ZT-IX and is never touched.
MANAGED_NAME = re.compile(r"AS[0-9]{1,10}(?:-[a-z][a-z0-9_]{0,31})?")
DESCRIPTION = "managed by ZT-IX from the peering repository"


@dataclass(frozen=True, order=True)
class Member:
    """What ZT-IX sets on one member: authorization, fixed addresses, name."""

    node_id: str
    name: str
    authorized: bool
    ip_assignments: tuple[str, ...]
    no_auto_assign_ips: bool = True

    @property
    def managed(self) -> bool:
        """Whether the name marks this member as one ZT-IX manages."""
        return bool(MANAGED_NAME.fullmatch(self.name))

    def same_settings(self, other: Member) -> bool:
        """Equal in everything ZT-IX writes (addresses compared as sets)."""
        return (
            self.name == other.name
            and self.authorized == other.authorized
            and set(self.ip_assignments) == set(other.ip_assignments)
            and self.no_auto_assign_ips == other.no_auto_assign_ips
        )


def normalise_ips(values: Any) -> tuple[str, ...]:
    """Canonical text of each address, as the controller stores them (CIDR suffix dropped)."""
    out: list[str] = []
    for value in values or ():
        try:
            out.append(str(ipaddress.ip_interface(str(value)).ip))
        except ValueError:
            continue  # the controller drops what it cannot parse; so do we when comparing
    return tuple(out)


# Port security, as a physical exchange has it (ZeroTier rules engine, 1.14):
# 1. drop every frame that is not IPv4, ARP or IPv6;
# 2. drop frames whose sender IP is not one the controller assigned to the sender ("ipauth",
#    characteristic bit 0x8000000000000000), so no member can use another member's address.
ETHERTYPES = (2048, 2054, 34525)  # IPv4, ARP, IPv6
IPAUTH_MASK = "1000000000000000"
RULES: tuple[dict[str, Any], ...] = (
    *(
        {"type": "MATCH_ETHERTYPE", "not": True, "or": False, "etherType": ethertype}
        for ethertype in ETHERTYPES
    ),
    {"type": "ACTION_DROP"},
    {"type": "MATCH_CHARACTERISTICS", "not": True, "or": False, "mask": IPAUTH_MASK},
    {"type": "ACTION_DROP"},
    {"type": "ACTION_ACCEPT"},
)


def normalise_rules(rules: Any) -> list[dict[str, Any]]:
    """Rules in a comparable form: masks as 16 hex digits, default flags filled in."""
    out = []
    for rule in rules or ():
        item = dict(rule)
        if item.get("type", "").startswith("MATCH_"):
            item.setdefault("not", False)
            item.setdefault("or", False)
        if "mask" in item:
            mask = item["mask"]
            item["mask"] = f"{mask:016x}" if isinstance(mask, int) else str(mask).lower().zfill(16)
        out.append(item)
    return out


def normalise_routes(routes: Any) -> list[dict[str, Any]]:
    """Managed routes sorted by target, `via` explicit."""
    out = [
        {"target": str(ipaddress.ip_network(r["target"], strict=False)), "via": r.get("via")}
        for r in routes or ()
    ]
    return sorted(out, key=lambda r: r["target"])


def normalise_network(config: dict[str, Any]) -> dict[str, Any]:
    """The keys ZT-IX manages of a network config, normalised for comparison."""
    out: dict[str, Any] = {}
    for key in ("name", "private", "enableBroadcast"):
        if key in config:
            out[key] = config[key]
    if "v4AssignMode" in config:
        mode = config["v4AssignMode"]
        out["v4AssignMode"] = (
            {"zt": mode == "zt"} if isinstance(mode, str) else {"zt": bool(mode.get("zt"))}
        )
    if "v6AssignMode" in config:
        mode = config["v6AssignMode"] or {}
        out["v6AssignMode"] = {k: bool(mode.get(k)) for k in ("zt", "rfc4193", "6plane")}
    if "ipAssignmentPools" in config:
        out["ipAssignmentPools"] = sorted(
            (
                {"ipRangeStart": p["ipRangeStart"], "ipRangeEnd": p["ipRangeEnd"]}
                for p in config["ipAssignmentPools"] or ()
            ),
            key=lambda p: (p["ipRangeStart"], p["ipRangeEnd"]),
        )
    if "routes" in config:
        out["routes"] = normalise_routes(config["routes"])
    if "rules" in config:
        out["rules"] = normalise_rules(config["rules"])
    return out
