"""The exporter's own settings (ZTIX_EXPORTER_*); keys and tokens are the CLI's (ZTIX_*)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ExporterSettings(BaseSettings):
    """Where the peering repository is checked out, and how often to read the exchange."""

    model_config = SettingsConfigDict(env_prefix="ZTIX_EXPORTER_", extra="ignore", frozen=True)

    # A checkout of main kept current by something else (the webhook receiver's workdir, or a
    # `git pull` timer): the exporter reads it again whenever its commit moves.
    repo: Path = Path(".")
    # Seconds between readings; each reading is bounded by the route servers' timeouts.
    interval: float = Field(default=60.0, ge=5, le=3600)
    # Read ZeroTier too (needs ZTIX_ZEROTIER_TOKEN[_FILE]; the controller has no read-only token).
    zerotier: bool = False
