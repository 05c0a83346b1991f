"""Portal settings from the environment (ZTIX_PORTAL_*); secrets never come from files in git."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class PortalSettings(BaseSettings):
    """Everything the portal needs; built by `ztix portal` and passed to create_app."""

    model_config = SettingsConfigDict(env_prefix="ZTIX_PORTAL_", extra="ignore", frozen=True)

    base_url: str = Field(description="public URL of the portal, e.g. https://join.ix.example")
    issuer: str = "https://auth.peeringdb.com/oauth2"
    client_id: str
    client_secret: SecretStr
    session_secret: SecretStr = Field(min_length=32)
    cookie_secure: bool = True  # turn off only for local development over plain http
    peeringdb_url: str = "https://www.peeringdb.com"
    peeringdb_api_key: SecretStr | None = None
    repo_url: str
    workdir: Path = Path("/var/lib/ztix/portal-checkout")
    main_branch: str = "main"
    forge: Literal["github", "gitlab", "gitea", "git"] = "git"
    forge_api_url: str = ""
    forge_token: SecretStr | None = None
    forge_project: str = ""
    max_prefix_floor_v4: int = 10
    max_prefix_floor_v6: int = 10
    submissions_per_hour: int = 5
    session_max_age: int = 8 * 3600

    @property
    def redirect_uri(self) -> str:
        """Where the OpenID provider sends the user back."""
        return self.base_url.rstrip("/") + "/auth/callback"
