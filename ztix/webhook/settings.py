"""Webhook receiver settings, from the environment (ZTIX_WEBHOOK_*), checked at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ztix.settings.types import HttpUrl, NonBlank, Project, Seconds, Secret1, Secret16


class WebhookSettings(BaseSettings):
    """How the receiver verifies events and where it runs apply."""

    model_config = SettingsConfigDict(env_prefix="ZTIX_WEBHOOK_", extra="ignore", frozen=True)

    forge: Literal["github", "gitlab", "gitea"]
    # The shared secret set on the forge (GitHub/Gitea sign with it, GitLab sends it as a token).
    secret: Secret16
    repo_url: NonBlank
    workdir: Path = Path("/var/lib/ztix/checkout")
    branch: NonBlank = "main"
    max_body: int = Field(default=1024 * 1024, ge=1, le=64 * 1024 * 1024)
    apply_timeout: Seconds = 1800
    remember_deliveries: int = Field(default=1000, ge=1, le=1_000_000)
    # Optional: report each run's result to the forge as the commit status "ztix/apply", which the
    # portal's status page reads.
    report_forge: Literal["github", "gitlab", "gitea"] | None = None
    report_api_url: HttpUrl | None = None
    report_token: Secret1 | None = None
    report_project: Project | None = None

    @model_validator(mode="after")
    def _reporting(self) -> WebhookSettings:
        if self.report_forge is not None:
            missing = [
                f"ZTIX_WEBHOOK_REPORT_{name.upper()}"
                for name in ("api_url", "token", "project")
                if getattr(self, f"report_{name}") is None
            ]
            if missing:
                raise ValueError(
                    f"ZTIX_WEBHOOK_REPORT_FORGE is set, so {', '.join(missing)} must be set too"
                )
        return self

    def report_token_value(self) -> str:
        """The token for commit statuses ('' when reporting is off)."""
        token: SecretStr | None = self.report_token
        return token.get_secret_value() if token else ""
