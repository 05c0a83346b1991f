"""Human-readable forms of plans (text for terminals, Markdown for pull-request comments)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ztix.plan.diff import BlockDiff, ConfigDiff, Plan
from ztix.plan.irr import IrrChange
from ztix.ports.deploy import DeployResult
from ztix.render.templates import TemplateSet, render_template, shipped

# A forge comment holds at most 65,536 characters (GitHub); the diffs get this much of it and
# the rest is in the artifact written by `--diff-out`.
MARKDOWN_DIFF_BUDGET = 30_000
MARKDOWN_ROWS = 100  # rows per table; the JSON plan lists everything


def _counts(items: list[str]) -> str:
    counted = Counter(items)
    return ", ".join(f"{n} {what}" for what, n in sorted(counted.items())) or "none"


def sessions_line(config: ConfigDiff) -> str:
    """What a config change does to sessions, in words."""
    parts = []
    if config.sessions_reset:
        count = len(config.sessions_reset)
        parts.append(f"may reset {count} session{'s' if count != 1 else ''}")
    for verb, names in (("adds", config.sessions_added), ("removes", config.sessions_removed)):
        if names:
            parts.append(f"{verb} {len(names)} session{'s' if len(names) != 1 else ''}")
    return "; ".join(parts) or "no session is reset (filter changes reload without a reset)"


def held_line(result: DeployResult) -> str | None:
    """The sessions a route server keeps down for max-prefix, and how to lift each member's."""
    if not result.held:
        return None
    members = sorted({name.split("_", 1)[0] for name in result.held}, key=lambda a: int(a[2:]))
    lift = "; ".join(f"ztix rs enable {asn}" for asn in members)
    return (
        f"{result.route_server}: held down after exceeding max-prefix: {', '.join(result.held)} "
        f"(once the member has fixed its announcements: {lift})"
    )


IRR_ENTRIES_SHOWN = 12  # per cell; the JSON plan and the text plan list every entry


def irr_entries(change: IrrChange, which: str) -> str:
    """The origins and prefixes a change adds (or removes), as a table cell."""
    entries = [
        f"AS{e}" if name == "origins" else e
        for name in ("origins", "ipv4", "ipv6")
        for e in getattr(change, f"{name}_{which}")
    ]
    shown = ", ".join(f"`{e}`" for e in entries[:IRR_ENTRIES_SHOWN])
    more = len(entries) - IRR_ENTRIES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "") if entries else "none"


def plan_counts(plan: Plan) -> dict[str, str]:
    """One-line counts per section."""
    return {
        "peers": _counts([p.action for p in plan.peers]),
        "members": _counts([m.action for m in plan.members]),
        "configs": ", ".join(
            f"{c.route_server} +{c.added}/-{c.removed} ({sessions_line(c)})" for c in plan.configs
        )
        or "unchanged",
        "templates": ", ".join(f"{t.path} ({t.action})" for t in plan.templates) or "unchanged",
        "irr": ", ".join(f"AS{c.asn} {c.summary}" for c in plan.irr[:MARKDOWN_ROWS]) or "unchanged",
    }


@dataclass(frozen=True)
class ShownDiff:
    """The part of one route server's diff that fits in a comment."""

    config: ConfigDiff
    shown: tuple[BlockDiff, ...]

    @property
    def hidden(self) -> int:
        """Blocks left out."""
        return len(self.config.blocks) - len(self.shown)


def _within_budget(plan: Plan, budget: int) -> list[ShownDiff]:
    out, used = [], 0
    for config in plan.configs:
        shown = []
        for block in config.blocks:
            if used + len(block.diff) > budget:
                break
            shown.append(block)
            used += len(block.diff)
        out.append(ShownDiff(config, tuple(shown)))
    return out


def plan_markdown(
    plan: Plan, templates: TemplateSet | None = None, budget: int = MARKDOWN_DIFF_BUDGET
) -> str:
    """The pull-request comment: a summary, then as much of the diff as fits."""
    env = (templates or shipped()).environment()
    context = {
        "plan": plan,
        "counts": plan_counts(plan),
        "diffs": _within_budget(plan, budget),
        "sessions_line": sessions_line,
        "irr_entries": irr_entries,
        "rows": MARKDOWN_ROWS,
    }
    return render_template(env, "plan.md.j2", context)


def plan_text(plan: Plan) -> str:
    """The terminal form: summary first, then details and the whole diff."""
    counts = plan_counts(plan)
    lines = [
        f"plan against {plan.base}:",
        f"  members:       {counts['peers']}",
        f"  zerotier:      {counts['members']}"
        + (f"; network keys: {', '.join(plan.network_keys)}" if plan.network_keys else ""),
        f"  route servers: {counts['configs']}",
        f"  templates:     {counts['templates']}",
        f"  irr data:      {counts['irr']}",
    ]
    lines += [f"  warning: {note}" for note in plan.safety]
    for p in plan.peers:
        fields = f" ({', '.join(p.fields)})" if p.fields else ""
        lines.append(f"  {p.action:<10} AS{p.asn} {p.name}{fields}")
    for irr in plan.irr:
        names = ", ".join(irr.expanded)
        lines.append(f"  irr {irr.action:<8} AS{irr.asn} ({names}): {irr.summary}")
        for name in ("origins", "ipv4", "ipv6"):
            for sign, key in (("+", "added"), ("-", "removed")):
                lines += [f"    {sign} {name} {entry}" for entry in getattr(irr, f"{name}_{key}")]
    for m in plan.members:
        assert m.desired is not None
        lines.append(
            f"  zerotier   {m.action:<12} {m.node_id} {m.desired.name} "
            f"{' '.join(m.desired.ip_assignments)}".rstrip()
        )
    text = "\n".join(lines) + "\n"
    for c in plan.configs:
        text += "\n" + c.diff
    return text
