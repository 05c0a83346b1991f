"""Which forge events mean "main changed": a merged pull/merge request into main, or a push."""

from __future__ import annotations

from typing import Any

from ztix.webhook.verify import Forge


def triggers(forge: Forge, event: str, payload: dict[str, Any], branch: str) -> str | None:
    """A short reason if this event should run apply, else None."""
    ref = f"refs/heads/{branch}"
    if forge in ("github", "gitea"):
        if event == "push" and payload.get("ref") == ref and not payload.get("deleted"):
            return f"push to {branch} ({str(payload.get('after', ''))[:12]})"
        pull = payload.get("pull_request") or {}
        if (
            event == "pull_request"
            and payload.get("action") == "closed"
            and pull.get("merged") is True
            and (pull.get("base") or {}).get("ref") == branch
        ):
            return f"pull request #{pull.get('number')} merged into {branch}"
        return None
    attributes = payload.get("object_attributes") or {}
    if event == "Push Hook" and payload.get("ref") == ref:
        return f"push to {branch} ({str(payload.get('after', ''))[:12]})"
    if (
        event == "Merge Request Hook"
        and attributes.get("action") == "merge"
        and attributes.get("target_branch") == branch
    ):
        return f"merge request !{attributes.get('iid')} merged into {branch}"
    return None
