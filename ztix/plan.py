"""Pure planning: what a change to the files does, between two loaded repositories."""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass
from typing import Any, Literal

from ztix.loader import Repository
from ztix.models import Peer
from ztix.render import render_all
from ztix.templateset import TemplateSet
from ztix.zerotier.model import Member
from ztix.zerotier.reconcile import (
    MemberChange,
    desired_members,
    desired_network,
    plan_members,
    plan_network,
)

PeerAction = Literal["added", "removed", "changed", "suspended", "resumed"]


@dataclass(frozen=True)
class PeerChange:
    """One member's file added, removed or changed, with the keys that changed."""

    asn: int
    name: str
    action: PeerAction
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConfigDiff:
    """One route server's config change as a unified diff."""

    route_server: str
    diff: str
    added: int
    removed: int


@dataclass(frozen=True)
class Plan:
    """The desired-state difference between a base revision and the working tree."""

    base: str
    peers: tuple[PeerChange, ...]
    members: tuple[MemberChange, ...]
    network_keys: tuple[str, ...]
    configs: tuple[ConfigDiff, ...]

    @property
    def empty(self) -> bool:
        """Whether the change does nothing to the exchange."""
        return not (self.peers or self.members or self.network_keys or self.configs)

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable form."""
        return {
            "base": self.base,
            "peers": [asdict(p) for p in self.peers],
            "zerotier": {
                "network_keys": list(self.network_keys),
                "members": [_member_json(m) for m in self.members],
            },
            "route_servers": [asdict(c) for c in self.configs],
        }


def _member_json(change: MemberChange) -> dict[str, Any]:
    member = change.desired
    return {
        "node_id": change.node_id,
        "action": change.action,
        "name": member.name if member else "",
        "authorized": member.authorized if member else False,
        "ip_assignments": list(member.ip_assignments) if member else [],
    }


def _peer_changes(base: Repository | None, head: Repository) -> list[PeerChange]:
    old = {p.model.asn: p.model for p in base.peers} if base else {}
    new = {p.model.asn: p.model for p in head.peers}
    changes = []
    for asn in sorted(old.keys() | new.keys()):
        before, after = old.get(asn), new.get(asn)
        if before is None and after is not None:
            changes.append(PeerChange(asn, after.name, "added"))
        elif after is None and before is not None:
            changes.append(PeerChange(asn, before.name, "removed"))
        elif before is not None and after is not None and before != after:
            fields = _changed_fields(before, after)
            action: PeerAction = "changed"
            if before.active and not after.active:
                action = "suspended"
            elif after.active and not before.active:
                action = "resumed"
            changes.append(PeerChange(asn, after.name, action, fields))
    return changes


def _changed_fields(before: Peer, after: Peer) -> tuple[str, ...]:
    a, b = before.model_dump(mode="json"), after.model_dump(mode="json")
    return tuple(sorted(key for key in a.keys() | b.keys() if a.get(key) != b.get(key)))


def plan(
    base: Repository | None,
    head: Repository,
    base_name: str,
    base_templates: TemplateSet | None = None,
    head_templates: TemplateSet | None = None,
) -> Plan:
    """Everything `head` changes relative to `base` (None: an exchange being created)."""
    head_peers = [p.model for p in head.peers]
    want = desired_members(head.exchange.model, head_peers)
    had: list[Member] = []
    old_configs: dict[str, str] = {}
    old_network = None
    if base is not None:
        base_peers = [p.model for p in base.peers]
        had = list(desired_members(base.exchange.model, base_peers).values())
        old_configs = render_all(base.exchange.model, base_peers, base_templates)
        old_network = desired_network(base.exchange.model)
    members = tuple(c for c in plan_members(want, had) if c.writes)
    network = plan_network(desired_network(head.exchange.model), old_network)
    configs = []
    for rs, text in render_all(head.exchange.model, head_peers, head_templates).items():
        before = old_configs.get(rs, "")
        if before == text:
            continue
        lines = list(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"{base_name}:{rs}/bird.conf",
                tofile=f"{rs}/bird.conf",
                n=2,
            )
        )
        added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
        removed = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
        configs.append(ConfigDiff(rs, "".join(lines), added, removed))
    return Plan(
        base=base_name,
        peers=tuple(_peer_changes(base, head)),
        members=members,
        network_keys=tuple(sorted(network.patch)),
        configs=tuple(configs),
    )
