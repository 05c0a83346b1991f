"""Webhook receiver settings, from the environment (ZTIX_WEBHOOK_*)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebhookSettings(BaseSettings):
    """How the receiver verifies events and where it runs apply."""

    model_config = SettingsConfigDict(env_prefix="ZTIX_WEBHOOK_", extra="ignore", frozen=True)

    forge: Literal["github", "gitlab", "gitea"]
    secret: SecretStr
    repo_url: str = ""
    workdir: Path = Path("/var/lib/ztix/checkout")
    branch: str = "main"
    max_body: int = 1024 * 1024
    apply_timeout: float = 1800
    remember_deliveries: int = 1000
    # Optional: report each run's result to the forge as the commit status "ztix/apply", which the
    # portal's status page reads.
    report_forge: Literal["github", "gitlab", "gitea"] | None = None
    report_api_url: str = ""
    report_token: SecretStr | None = None
    report_project: str = ""
