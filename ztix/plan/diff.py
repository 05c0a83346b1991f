"""Pure planning: what a change to the files does, between two loaded repositories.

Each revision is rendered with its own templates, so a policy change shows in the plan like any
other change. Configs are compared block by block (each `protocol`/`template` block, and the
text outside them), so a plan over a 2,000-member exchange stays linear even when a template
change touches every block; and the plan counts the sessions a change resets: those whose
protocol block, or a template it inherits, changes (BIRD restarts them), as the deployer's
health check does.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import Any, Literal

from ztix.bird.text import elements, parts, session_texts
from ztix.load.loader import Repository
from ztix.models import Peer
from ztix.plan.irr import IrrChange, irr_changes, ordered_changes
from ztix.plan.safety import safety_notes
from ztix.plan.zerotier import (
    MemberChange,
    desired_members,
    desired_network,
    plan_members,
    plan_network,
)
from ztix.render.irr import SetMemo, set_elements
from ztix.render.routeserver import environment, repository_configs
from ztix.render.templates import TemplateSet

PeerAction = Literal["added", "removed", "changed", "suspended", "resumed"]
OUTSIDE = "outside protocol blocks"


@dataclass(frozen=True)
class PeerChange:
    """One member's file added, removed or changed, with the keys that changed."""

    asn: int
    name: str
    action: PeerAction
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class BlockDiff:
    """The unified diff of one block of a config ('protocol X', 'template Y', or OUTSIDE)."""

    block: str
    diff: str
    added: int
    removed: int


@dataclass(frozen=True)
class ConfigDiff:
    """One route server's config change: its block diffs and the sessions it touches."""

    route_server: str
    blocks: tuple[BlockDiff, ...]
    sessions_added: tuple[str, ...]
    sessions_removed: tuple[str, ...]
    sessions_reset: tuple[str, ...]

    @property
    def added(self) -> int:
        """Lines added."""
        return sum(b.added for b in self.blocks)

    @property
    def removed(self) -> int:
        """Lines removed."""
        return sum(b.removed for b in self.blocks)

    @property
    def diff(self) -> str:
        """The whole diff, block by block."""
        return "".join(b.diff for b in self.blocks)


@dataclass(frozen=True)
class TemplateChange:
    """A BIRD template file that differs between the base and the head revision."""

    path: str
    action: Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class Plan:
    """The desired-state difference between a base revision and the working tree."""

    base: str
    peers: tuple[PeerChange, ...]
    members: tuple[MemberChange, ...]
    network_keys: tuple[str, ...]
    configs: tuple[ConfigDiff, ...]
    templates: tuple[TemplateChange, ...] = ()
    template_origins: tuple[str, str] = ("", "")  # (base, head) origin of the BIRD templates
    irr: tuple[IrrChange, ...] = ()
    # What the head revision's settings let through (ztix.plan.safety), shown with every plan.
    safety: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether the change does nothing to the exchange."""
        return not (self.peers or self.members or self.network_keys or self.configs or self.irr)

    @property
    def diff(self) -> str:
        """The whole config diff of every route server."""
        return "".join(c.diff for c in self.configs)

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable form."""
        return {
            "base": self.base,
            "safety": list(self.safety),
            "peers": [asdict(p) for p in self.peers],
            "irr": [asdict(c) for c in self.irr],
            "zerotier": {
                "network_keys": list(self.network_keys),
                "members": [_member_json(m) for m in self.members],
            },
            "templates": {
                "base": self.template_origins[0],
                "head": self.template_origins[1],
                "changed": [asdict(t) for t in self.templates],
            },
            "route_servers": [
                {
                    "route_server": c.route_server,
                    "added": c.added,
                    "removed": c.removed,
                    "sessions_added": list(c.sessions_added),
                    "sessions_removed": list(c.sessions_removed),
                    "sessions_reset": list(c.sessions_reset),
                    "diff": c.diff,
                }
                for c in self.configs
            ],
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


def _unified(before: str, after: str, old_name: str, new_name: str, block: str) -> BlockDiff:
    lines = list(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=old_name,
            tofile=new_name,
            n=2,
        )
    )
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
    return BlockDiff(block, "".join(lines), added, removed)


def _set_diff(
    name: str, old: tuple[str, ...], new: tuple[str, ...], old_file: str, new_file: str
) -> BlockDiff:
    """A set constant's change as the elements it loses and gains (linear in its size)."""
    added, removed = ordered_changes(old, new)
    key = f"define {name}"
    text = (
        f"--- {old_file} {key}\n+++ {new_file} {key}\n"
        f"@@ set: {len(added)} added, {len(removed)} removed @@\n"
        + _prefixed("-  ", removed)
        + _prefixed("+  ", added)
    )
    return BlockDiff(key, text, len(added), len(removed))


def _prefixed(mark: str, lines: tuple[str, ...]) -> str:
    """`lines` as diff lines, each after `mark` (one join: sets run to 200,000 elements)."""
    return mark + f"\n{mark}".join(lines) + "\n" if lines else ""


def config_diff(
    route_server: str,
    before: str,
    after: str,
    base_name: str,
    rendered: Collection[str] = (),
) -> ConfigDiff:
    """The diff of one route server's config by its parts, and the sessions it touches.

    Set constants (members' IRR sets, bogons) are compared as sets: a plan costs what the
    change does, not what the config holds. Blocks and the rest are unified diffs of text.
    `rendered`: set bodies rendered from IRR data (`render.irr.set_elements` splits them;
    any other is read back with a regex: the same elements, tests/render/test_irr_render.py).
    """

    def split(body: str | None) -> tuple[str, ...]:
        if not body:
            return ()
        return set_elements(body) if body in rendered else elements(body)

    old, new = parts(before), parts(after)
    old_file, new_file = f"{base_name}:{route_server}/bird.conf", f"{route_server}/bird.conf"
    diffs = []
    if old.rest != new.rest:
        outside = f"({OUTSIDE})"
        diffs.append(
            _unified(old.rest, new.rest, f"{old_file} {outside}", f"{new_file} {outside}", OUTSIDE)
        )
    for name in list(new.sets) + [n for n in old.sets if n not in new.sets]:
        was, now = old.sets.get(name), new.sets.get(name)
        if was != now:  # the texts first: only a set that changed is split into elements
            was_set, now_set = split(was), split(now)
            diffs.append(_set_diff(name, was_set, now_set, old_file, new_file))
    order = list(new.blocks) + [key for key in old.blocks if key not in new.blocks]
    for key in order:
        was_text, now_text = old.blocks.get(key, ""), new.blocks.get(key, "")
        if was_text != now_text:
            diffs.append(
                _unified(was_text, now_text, f"{old_file} {key}", f"{new_file} {key}", key)
            )
    old_p, new_p = session_texts(old), session_texts(new)
    reset = sorted(n for n in old.bgp & new.bgp if old_p.get(n) != new_p.get(n))
    return ConfigDiff(
        route_server,
        tuple(diffs),
        tuple(sorted(new.bgp - old.bgp)),
        tuple(sorted(old.bgp - new.bgp)),
        tuple(reset),
    )


def template_changes(
    base: TemplateSet | None, head: TemplateSet | None
) -> tuple[TemplateChange, ...]:
    """The BIRD template files that differ between two template sets."""
    if base is None or head is None:
        return ()
    old, new = base.area("bird"), head.area("bird")
    changes = []
    for path in sorted(old.keys() | new.keys()):
        if path not in old:
            changes.append(TemplateChange(path, "added"))
        elif path not in new:
            changes.append(TemplateChange(path, "removed"))
        elif old[path] != new[path]:
            changes.append(TemplateChange(path, "changed"))
    return tuple(changes)


def _same_bird_templates(base: TemplateSet | None, head: TemplateSet | None) -> bool:
    """Whether two revisions render with the same BIRD templates (None: the shipped ones)."""
    if base is None or head is None:
        return base is head
    return base.area("bird") == head.area("bird")


def plan(
    base: Repository | None,
    head: Repository,
    base_name: str,
    base_templates: TemplateSet | None = None,
    head_templates: TemplateSet | None = None,
) -> Plan:
    """Everything `head` changes relative to `base` (None: an exchange being created).

    `base_templates` and `head_templates` are each revision's own templates (None: shipped).
    """
    head_peers = [p.model for p in head.peers]
    want = desired_members(head.exchange.model, head_peers)
    memo: SetMemo = {}  # members whose IRR data did not change: their sets are built once
    head_env = environment(head_templates)
    had = []
    old_configs: dict[str, str] = {}
    old_network = None
    if base is not None:
        base_peers = [p.model for p in base.peers]
        had = list(desired_members(base.exchange.model, base_peers).values())
        # The same BIRD templates in both revisions (the usual case): compiled once.
        same = _same_bird_templates(base_templates, head_templates)
        base_env = head_env if same else environment(base_templates)
        old_configs = repository_configs(base, base_templates, memo=memo, env=base_env)
        old_network = desired_network(base.exchange.model)
    members = tuple(c for c in plan_members(want, had) if c.writes)
    network = plan_network(desired_network(head.exchange.model), old_network)
    rendered = {body for _, member in memo.values() for body in member.sets()}
    configs = tuple(
        config_diff(rs, old_configs.get(rs, ""), text, base_name, rendered)
        for rs, text in repository_configs(head, head_templates, memo=memo, env=head_env).items()
        if old_configs.get(rs, "") != text
    )
    origins = (
        base_templates.origins.get("bird", "") if base_templates else "",
        head_templates.origins.get("bird", "") if head_templates else "",
    )
    return Plan(
        base=base_name,
        peers=tuple(_peer_changes(base, head)),
        members=members,
        network_keys=tuple(sorted(network.patch)),
        configs=configs,
        templates=template_changes(base_templates, head_templates),
        template_origins=origins,
        irr=irr_changes(base, head),
        safety=tuple(safety_notes(head.exchange.model)),
    )
