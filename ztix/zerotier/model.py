"""Provider-neutral shapes of ZeroTier members and network settings, and their normal forms."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

DESCRIPTION = "managed by ZT-IX from the peering repository"


@dataclass(frozen=True, order=True)
class Member:
    """What ZT-IX sets on one member: authorization, fixed addresses, name, and no extras."""

    node_id: str
    name: str
    authorized: bool
    ip_assignments: tuple[str, ...]
    no_auto_assign_ips: bool = True
    # An exchange LAN has no bridges and uses no capabilities or tags (README, ZeroTier).
    active_bridge: bool = False
    capabilities: tuple[int, ...] = ()
    tags: tuple[tuple[int, int], ...] = ()

    def same_settings(self, other: Member) -> bool:
        """Equal in everything ZT-IX writes (addresses compared as sets)."""
        return (
            self.name == other.name
            and self.authorized == other.authorized
            and set(self.ip_assignments) == set(other.ip_assignments)
            and self.no_auto_assign_ips == other.no_auto_assign_ips
            and self.active_bridge == other.active_bridge
            and set(self.capabilities) == set(other.capabilities)
            and set(self.tags) == set(other.tags)
        )

    def describe(self) -> str:
        """One line: authorization, addresses and anything extra."""
        parts = ["authorized" if self.authorized else "deauthorized"]
        parts += list(self.ip_assignments) or ["no addresses"]
        if self.active_bridge:
            parts.append("bridge")
        if self.capabilities:
            parts.append(f"capabilities {list(self.capabilities)}")
        if self.tags:
            parts.append(f"tags {[list(t) for t in self.tags]}")
        return " ".join(parts)


def normalise_ips(values: Any) -> tuple[str, ...]:
    """Canonical text of each address, as the controller stores them (CIDR suffix dropped)."""
    out: list[str] = []
    for value in values or ():
        try:
            out.append(str(ipaddress.ip_interface(str(value)).ip))
        except ValueError:
            continue  # the controller drops what it cannot parse; so do we when comparing
    return tuple(out)


def normalise_ints(values: Any) -> tuple[int, ...]:
    """Member capabilities as a sorted tuple of ints (anything else is dropped)."""
    return tuple(sorted(v for v in values or () if isinstance(v, int) and not isinstance(v, bool)))


def normalise_tags(values: Any) -> tuple[tuple[int, int], ...]:
    """Member tags as sorted (id, value) pairs (booleans as 0/1, as the controller reads them)."""
    out = []
    for item in values or ():
        if isinstance(item, list | tuple) and len(item) == 2:
            out.append((int(item[0]), int(item[1])))
    return tuple(sorted(out))


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


def normalise_dns(dns: Any) -> dict[str, Any]:
    """DNS pushed to members: {domain, servers}; the controller reports 'none' as [] (recorded
    response 11), Central as null or an object with empty fields."""
    if not isinstance(dns, dict):
        return {"domain": "", "servers": []}
    servers = dns.get("servers") or []
    return {"domain": str(dns.get("domain") or ""), "servers": sorted(str(s) for s in servers)}


# Network keys ZT-IX sets, and how to compare each; anything else on the network is left alone.
_PLAIN_KEYS = ("name", "private", "enableBroadcast", "mtu", "multicastLimit")


def normalise_network(config: dict[str, Any]) -> dict[str, Any]:
    """The keys ZT-IX manages of a network config, normalised for comparison."""
    out: dict[str, Any] = {}
    for key in _PLAIN_KEYS:
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
    if "dns" in config:
        out["dns"] = normalise_dns(config["dns"])
    for key in ("capabilities", "tags"):
        if key in config:
            out[key] = list(config[key] or [])
    return out
