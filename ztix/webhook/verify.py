"""Signature checks for forge webhooks, in constant time, before anything else is read.

GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`.
Gitea / Forgejo: `X-Gitea-Signature` / `X-Forgejo-Signature: <hex HMAC-SHA256 of the raw body>`.
GitLab: `X-Gitlab-Token: <the secret itself>` (GitLab does not sign bodies).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Literal

Forge = Literal["github", "gitlab", "gitea"]


def _hmac_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verified(forge: Forge, secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether the request carries a valid signature (or token) for `secret`."""
    if not secret:
        return False  # an unset secret never matches, even an empty header
    if forge == "github":
        given = headers.get("x-hub-signature-256", "")
        return hmac.compare_digest(given.encode(), f"sha256={_hmac_hex(secret, body)}".encode())
    if forge == "gitea":
        given = headers.get("x-gitea-signature") or headers.get("x-forgejo-signature") or ""
        return hmac.compare_digest(given.lower().encode(), _hmac_hex(secret, body).encode())
    given = headers.get("x-gitlab-token", "")
    return hmac.compare_digest(given.encode(), secret.encode())


def event_name(forge: Forge, headers: Mapping[str, str]) -> str:
    """The forge's event header (e.g. 'push', 'pull_request', 'Merge Request Hook')."""
    if forge == "github":
        return headers.get("x-github-event", "")
    if forge == "gitea":
        return headers.get("x-gitea-event") or headers.get("x-forgejo-event") or ""
    return headers.get("x-gitlab-event", "")


def delivery_id(forge: Forge, headers: Mapping[str, str]) -> str:
    """The forge's id of this delivery (the same on a redelivery), or ''."""
    if forge == "github":
        return headers.get("x-github-delivery", "")
    if forge == "gitea":
        return headers.get("x-gitea-delivery") or headers.get("x-forgejo-delivery") or ""
    return headers.get("x-gitlab-event-uuid") or headers.get("idempotency-key") or ""
