"""The scheduled refresh as a reviewed change: which files it commits, its message and its
description (pure; the command pushes and opens it through the portal's git and forge adapters)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ztix.irr.files import irr_path, irr_text, same_registrations
from ztix.irr.refresh import Decision, summary
from ztix.load.tree import Entry

BRANCH = "ztix/irr-refresh"
TITLE = "IRR refresh"


def proposal_files(
    decisions: Sequence[Decision], on_branch: Mapping[str, Entry] | None
) -> dict[str, str]:
    """The files to commit; a member whose registrations already stand on the open change
    keeps that file (its older `refreshed` time), so an unchanged rerun pushes nothing."""
    files: dict[str, str] = {}
    for decision in decisions:
        if decision.data is None:
            continue
        path, text = irr_path(decision.asn), irr_text(decision.data)
        old = (on_branch or {}).get(path)
        if isinstance(old, bytes):
            old = old.decode("utf-8", "replace")
        if isinstance(old, str) and same_registrations(old, text):
            text = old
        files[path] = text
    return files


def commit_message(decisions: Sequence[Decision], day: str) -> str:
    """The commit message: the summary, then one line per member that is not unchanged."""
    lines = [d.line for d in decisions if d.status != "unchanged"]
    return f"{TITLE} {day}: {summary(decisions)}\n\n" + "\n".join(lines) + "\n"


def change_body(decisions: Sequence[Decision], plan_markdown: str) -> str:
    """The change's description: what the refresh did (guards included), then the plan."""
    noted = [d for d in decisions if d.status in ("held", "failed")]
    parts = [f"## {TITLE}\n", f"Members: {summary(decisions)}.\n"]
    if noted:
        parts.append(
            "\nNot in this change (held back for review, or the expansion failed; their "
            "previous data stays in force):\n\n" + "".join(f"- `{d.line}`\n" for d in noted)
        )
    parts.append("\nMerging this change approves the new IRR data; the apply job deploys it.\n\n")
    return "".join(parts) + plan_markdown
