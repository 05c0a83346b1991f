"""Where changes go: the peering repository's git URL and its forge (ZTIX_<PREFIX>_*).

The portal (ZTIX_PORTAL_*) and the scheduled IRR refresh (ZTIX_*) open changes the same way, so
they share these fields, their checks (ztix.adapters.build builds the forge adapter from them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ztix.settings.types import HttpUrl, NonBlank, Project, Secret1


class ForgeSettings(BaseSettings):
    """The peering repository and the forge its changes are opened on."""

    repo_url: NonBlank
    main_branch: NonBlank = "main"
    forge: Literal["github", "gitlab", "gitea", "git"] = "git"
    forge_api_url: HttpUrl | None = None
    forge_token: Secret1 | None = None
    forge_project: Project | None = None

    @model_validator(mode="after")
    def _forge_complete(self) -> ForgeSettings:
        prefix = str(self.model_config.get("env_prefix", ""))
        if self.forge != "git":
            missing = [
                f"{prefix}FORGE_{name.upper()}"
                for name in ("api_url", "token", "project")
                if getattr(self, f"forge_{name}") is None
            ]
            if missing:
                raise ValueError(f"{prefix}FORGE is {self.forge}, so set {', '.join(missing)}")
        return self

    def forge_token_value(self) -> str:
        """The forge API token ('' for the plain git forge)."""
        token: SecretStr | None = self.forge_token
        return token.get_secret_value() if token else ""


class ChangeSettings(ForgeSettings):
    """Where a pipeline job (the scheduled IRR refresh) opens its change: ZTIX_REPO_URL, ..."""

    model_config = SettingsConfigDict(env_prefix="ZTIX_", extra="ignore", frozen=True)

    # The job's own clone; a temporary directory, removed afterwards, when unset.
    workdir: Path | None = None
