"""Human-readable forms of plans and apply reports (text and Markdown)."""

from __future__ import annotations

from collections import Counter

from ztix.plan import Plan
from ztix.templateset import TemplateSet, shipped


def _counts(items: list[str]) -> str:
    counted = Counter(items)
    return ", ".join(f"{n} {what}" for what, n in sorted(counted.items())) or "none"


def plan_counts(plan: Plan) -> dict[str, str]:
    """One-line counts per section."""
    return {
        "peers": _counts([p.action for p in plan.peers]),
        "members": _counts([m.action for m in plan.members]),
        "configs": ", ".join(f"{c.route_server} +{c.added}/-{c.removed}" for c in plan.configs)
        or "unchanged",
    }


def plan_markdown(plan: Plan, templates: TemplateSet | None = None) -> str:
    """The pull-request comment (Markdown, not HTML; every value in it is validated text)."""
    env = (templates or shipped()).environment()
    return env.get_template("plan.md.j2").render(plan=plan, counts=plan_counts(plan))


def plan_text(plan: Plan) -> str:
    """The terminal form: summary first, then details and diffs."""
    counts = plan_counts(plan)
    lines = [
        f"plan against {plan.base}:",
        f"  members:       {counts['peers']}",
        f"  zerotier:      {counts['members']}"
        + (f"; network keys: {', '.join(plan.network_keys)}" if plan.network_keys else ""),
        f"  route servers: {counts['configs']}",
    ]
    for p in plan.peers:
        fields = f" ({', '.join(p.fields)})" if p.fields else ""
        lines.append(f"  {p.action:<10} AS{p.asn} {p.name}{fields}")
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
