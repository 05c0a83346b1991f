"""Settings from the environment (secrets only ever come from here), built by entry points."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ztix.errors import SettingsError


class Settings(BaseSettings):
    """Everything ZT-IX reads from the environment; variables are ZTIX_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="ZTIX_", extra="ignore", frozen=True)

    zerotier_token: SecretStr | None = None
    zerotier_token_file: Path | None = None
    zerotier_api_url: str | None = None
    http_timeout: float = 10.0
    # 4 in flight measured best against a controller on the same 2-core machine (bench_zerotier)
    zerotier_concurrency: int = 4

    def zerotier_token_value(self) -> str:
        """The ZeroTier API token: ZTIX_ZEROTIER_TOKEN, or the file ZTIX_ZEROTIER_TOKEN_FILE."""
        if self.zerotier_token is not None and self.zerotier_token.get_secret_value().strip():
            return self.zerotier_token.get_secret_value().strip()
        if self.zerotier_token_file is not None:
            try:
                return self.zerotier_token_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SettingsError(
                    f"ZTIX_ZEROTIER_TOKEN_FILE: cannot read {self.zerotier_token_file}: "
                    f"{exc.strerror}"
                ) from None
        raise SettingsError(
            "no ZeroTier token: set ZTIX_ZEROTIER_TOKEN, or ZTIX_ZEROTIER_TOKEN_FILE to a file "
            "such as /var/lib/zerotier-one/authtoken.secret"
        )
