"""Portal settings from the environment (ZTIX_PORTAL_*), checked at start-up; secrets never come
from files in git."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from ztix.settings.env import secret_text
from ztix.settings.forge import ForgeSettings
from ztix.settings.types import HttpUrl, NonBlank, Secret1, Secret32, is_loopback_url


class PortalSettings(ForgeSettings):
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
    workdir: Path = Path("/var/lib/ztix/portal-checkout")
    max_prefix_floor_v4: int = Field(default=10, ge=1, le=10_000_000)
    max_prefix_floor_v6: int = Field(default=10, ge=1, le=10_000_000)
    submissions_per_hour: int = Field(default=5, ge=1, le=1000)
    # Per client address (behind a proxy: the address it passes on, uvicorn's proxy headers).
    submissions_per_hour_per_address: int = Field(default=30, ge=1, le=10000)
    logins_per_minute: int = Field(default=20, ge=1, le=10000)
    # Where logins, pending logins, rate limits, request keys and locks live: empty for SQLite
    # beside the checkout (<workdir>.state.sqlite3: one host, any number of processes), or a
    # PostgreSQL URL (postgresql://user:password@host/db) shared by replicas on several hosts.
    store_url: Secret1 | None = None
    # Seconds a page waits for PeeringDB, the forge or the IRR before it shows what it has and
    # says what it could not read.
    page_timeout: float = Field(default=8.0, gt=0, le=60)
    # Seconds between looks for requests pushed without their change request (the forge failed
    # after the push); each is opened as soon as the forge answers.
    reconcile_interval: float = Field(default=60.0, ge=5, le=3600)
    # The read-only route-server key for the looking glass (authorized_keys forces `birdc -r`;
    # the operator's manual has the line). Without it the portal shows no looking glass.
    status_ssh_key: Secret1 | None = None
    status_ssh_key_file: Path | None = None
    # A ZeroTier API token to read whether a member's node is authorized (only read; for Central
    # a token of a read-only user) and an API URL overriding ix.yaml's; optional.
    zerotier_token: Secret1 | None = None
    zerotier_token_file: Path | None = None
    zerotier_api_url: HttpUrl | None = None
    # Seconds a route server's answer is reused: page views cannot load BIRD.
    status_cache_seconds: float = Field(default=30.0, ge=0, le=3600)
    # The audit trail (JSON lines): a file to append to; standard error when unset.
    audit_log: Path | None = None
    # Seconds an AS-SET expansion shown on the join page may take (the daily refresh has its own).
    irr_timeout: float = Field(default=10.0, gt=0, le=120)
    session_max_age: int = Field(default=8 * 3600, ge=300, le=30 * 86400)
    # After PeeringDB or the forge kept failing, one call is let through this often to see
    # whether it is back (the portal never gives up on a service for good).
    breaker_cooldown: float = Field(default=30.0, ge=1, le=3600)

    @model_validator(mode="after")
    def _consistent(self) -> PortalSettings:
        problems = []
        for name in ("base_url", "issuer"):
            url = getattr(self, name)
            if url.startswith("http://") and not (is_loopback_url(url) and not self.cookie_secure):
                problems.append(
                    f"ZTIX_PORTAL_{name.upper()} must be https:// (plain http only on loopback, "
                    "with ZTIX_PORTAL_COOKIE_SECURE=false, for development)"
                )
        url = self.store_url.get_secret_value() if self.store_url else ""
        if url and not url.startswith(("postgresql://", "postgres://", "sqlite:///")):
            problems.append(
                "ZTIX_PORTAL_STORE_URL must be postgresql://... or sqlite:///absolute/path "
                "(or unset: SQLite beside the checkout)"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def store_location(self) -> str:
        """The state store: a PostgreSQL URL, or sqlite:///<path> (the default beside workdir)."""
        url = self.store_url.get_secret_value() if self.store_url else ""
        if url:
            return url
        return "sqlite:///" + str(self.workdir.with_name(self.workdir.name + ".state.sqlite3"))

    @property
    def redirect_uri(self) -> str:
        """Where the OpenID provider sends the user back."""
        return self.base_url.rstrip("/") + "/auth/callback"

    def zerotier_token_value(self) -> str | None:
        """The ZeroTier token, from the variable or its file (None when neither is set)."""
        return secret_text(
            self.zerotier_token, self.zerotier_token_file, "ZTIX_PORTAL_ZEROTIER_TOKEN"
        )
