"""Portal settings from the environment (ZTIX_PORTAL_*), checked at start-up; secrets never come
from files in git."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ztix.settingtypes import (
    HttpUrl,
    NonBlank,
    Project,
    Secret1,
    Secret32,
    is_loopback_url,
)


class PortalSettings(BaseSettings):
    """Everything the portal needs; built by `ztix portal` and passed to create_app."""

    model_config = SettingsConfigDict(env_prefix="ZTIX_PORTAL_", extra="ignore", frozen=True)

    base_url: HttpUrl = Field(description="public URL of the portal, e.g. https://join.ix.example")
    issuer: HttpUrl = "https://auth.peeringdb.com/oauth2"
    client_id: NonBlank
    client_secret: Secret1
    session_secret: Secret32
    cookie_secure: bool = True  # turn off only for local development over plain http
    peeringdb_url: HttpUrl = "https://www.peeringdb.com"
    peeringdb_api_key: Secret1 | None = None
    repo_url: NonBlank
    workdir: Path = Path("/var/lib/ztix/portal-checkout")
    main_branch: NonBlank = "main"
    forge: Literal["github", "gitlab", "gitea", "git"] = "git"
    forge_api_url: HttpUrl | None = None
    forge_token: Secret1 | None = None
    forge_project: Project | None = None
    max_prefix_floor_v4: int = Field(default=10, ge=1, le=10_000_000)
    max_prefix_floor_v6: int = Field(default=10, ge=1, le=10_000_000)
    submissions_per_hour: int = Field(default=5, ge=1, le=1000)
    session_max_age: int = Field(default=8 * 3600, ge=300, le=30 * 86400)

    @model_validator(mode="after")
    def _consistent(self) -> PortalSettings:
        problems = []
        if self.forge != "git":
            missing = [
                f"ZTIX_PORTAL_FORGE_{name.upper()}"
                for name in ("api_url", "token", "project")
                if getattr(self, f"forge_{name}") is None
            ]
            if missing:
                problems.append(f"ZTIX_PORTAL_FORGE is {self.forge}, so set {', '.join(missing)}")
        for name in ("base_url", "issuer"):
            url = getattr(self, name)
            if url.startswith("http://") and not (is_loopback_url(url) and not self.cookie_secure):
                problems.append(
                    f"ZTIX_PORTAL_{name.upper()} must be https:// (plain http only on loopback, "
                    "with ZTIX_PORTAL_COOKIE_SECURE=false, for development)"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def redirect_uri(self) -> str:
        """Where the OpenID provider sends the user back."""
        return self.base_url.rstrip("/") + "/auth/callback"

    def forge_token_value(self) -> str:
        """The forge API token ('' for the plain git forge)."""
        token: SecretStr | None = self.forge_token
        return token.get_secret_value() if token else ""
