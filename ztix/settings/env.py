"""Settings from the environment (secrets only ever come from here), built by entry points."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from ztix.errors import SettingsError
from ztix.ports.deploy import DeploySettings
from ztix.settings.defaults import HTTP_TIMEOUT
from ztix.settings.secretfile import one_word, read_secret, read_small
from ztix.settings.types import HttpUrl

if TYPE_CHECKING:
    import asyncssh

S = TypeVar("S", bound=BaseSettings)
_DEPLOY = DeploySettings()


def load_settings(cls: type[S], prefix: str) -> S:
    """Build settings from the environment; errors name the variables, never their values."""
    try:
        return cls()
    except ValidationError as exc:
        problems = []
        for e in exc.errors(include_input=False, include_url=False):
            message = "is not set" if e["type"] == "missing" else e["msg"]
            message = message.removeprefix("Value error, ")
            name = "_".join(str(p) for p in e["loc"]).upper()
            # A check across variables names them in its message.
            problems.append(f"{prefix}{name}: {message}" if name else message)
        raise SettingsError(f"settings: {'; '.join(problems)}") from None


class Settings(BaseSettings):
    """Everything ZT-IX reads from the environment; variables are ZTIX_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="ZTIX_", extra="ignore", frozen=True)

    zerotier_token: SecretStr | None = None
    zerotier_token_file: Path | None = None
    # Overrides ix.yaml's zerotier.api_url; never with credentials (URLs appear in messages).
    zerotier_api_url: HttpUrl | None = None
    http_timeout: float = Field(default=HTTP_TIMEOUT, gt=0, le=600)
    # Seconds of failing calls (no answer in between) after which a run stops calling the
    # ZeroTier API and reports it unreachable once; the next run completes the rest.
    zerotier_give_up: float = Field(default=20.0, gt=0, le=600)
    ssh_key: SecretStr | None = None
    ssh_key_file: Path | None = None
    # The read-only key for `ztix status` and the looking glass (authorized_keys forces
    # `birdc -r` for it on the route servers; the operator's manual has the line).
    status_ssh_key: SecretStr | None = None
    status_ssh_key_file: Path | None = None
    # Deploy timings; their defaults live in DeploySettings (one place).
    bird_confirm_timeout: int = Field(default=_DEPLOY.confirm_timeout, ge=10, le=3600)
    health_settle: float = Field(default=_DEPLOY.health_settle, ge=0, le=600)
    deploy_lock_wait: int = Field(default=_DEPLOY.lock_wait, ge=0, le=3600)
    reconfigure_wait: float = Field(default=_DEPLOY.reconfigure_wait, gt=0, le=3600)
    rpki_wait: float = Field(default=_DEPLOY.rpki_wait, gt=0, le=3600)
    # 4 in flight measured best against a controller on the same 2-core machine (bench_zerotier)
    zerotier_concurrency: int = Field(default=4, ge=1, le=64)

    def deploy_settings(self) -> DeploySettings:
        """The deploy's timings and bounds from these settings."""
        return DeploySettings(
            connect_timeout=self.http_timeout,
            confirm_timeout=self.bird_confirm_timeout,
            health_settle=self.health_settle,
            lock_wait=self.deploy_lock_wait,
            reconfigure_wait=self.reconfigure_wait,
            rpki_wait=self.rpki_wait,
        )

    def has_zerotier_token(self) -> bool:
        """Whether a ZeroTier token is configured (without reading a token file)."""
        token = self.zerotier_token.get_secret_value().strip() if self.zerotier_token else ""
        return bool(token) or self.zerotier_token_file is not None

    def zerotier_token_value(self) -> str:
        """The ZeroTier API token: ZTIX_ZEROTIER_TOKEN, or the file ZTIX_ZEROTIER_TOKEN_FILE."""
        token = secret_text(self.zerotier_token, self.zerotier_token_file, "ZTIX_ZEROTIER_TOKEN")
        if token is not None:
            return token
        raise SettingsError(
            "no ZeroTier token: set ZTIX_ZEROTIER_TOKEN, or ZTIX_ZEROTIER_TOKEN_FILE to a file "
            "such as /var/lib/zerotier-one/authtoken.secret"
        )

    def ssh_key_value(self) -> asyncssh.SSHKey | None:
        """The deploy key: ZTIX_SSH_KEY (the private key itself) or ZTIX_SSH_KEY_FILE."""
        return private_key(self.ssh_key, self.ssh_key_file, "ZTIX_SSH_KEY")

    def require_status_key(self) -> asyncssh.SSHKey:
        """The read-only key (ZTIX_STATUS_SSH_KEY[_FILE]), else the deploy key, else an error."""
        key = private_key(self.status_ssh_key, self.status_ssh_key_file, "ZTIX_STATUS_SSH_KEY")
        if key is None:
            key = self.ssh_key_value()
        if key is None:
            raise SettingsError(
                "no SSH key to read the route servers: set ZTIX_STATUS_SSH_KEY_FILE to the "
                "read-only key (see the operator's manual), or ZTIX_STATUS_SSH_KEY"
            )
        return key

    def require_ssh_key(self) -> asyncssh.SSHKey:
        """The deploy key, or a SettingsError that says how to provide it."""
        key = self.ssh_key_value()
        if key is None:
            raise SettingsError(
                "no SSH deploy key: set ZTIX_SSH_KEY_FILE to a private key file, or ZTIX_SSH_KEY "
                "to the key itself (from your CI's secret store)"
            )
        return key


def secret_text(value: SecretStr | None, path: Path | None, variable: str) -> str | None:
    """A secret from `variable` itself or from the file `variable`_FILE names (None: neither);
    a read error names the variable and the file, never the secret."""
    if value is not None and value.get_secret_value().strip():
        return one_word(value.get_secret_value().strip(), variable)
    if path is not None:
        return read_secret(path, f"{variable}_FILE")
    return None


def private_key(
    value: SecretStr | None, path: Path | None, variable: str
) -> asyncssh.SSHKey | None:
    """A private key from `variable` (the key itself) or `variable`_FILE; None if neither.

    `value` and `path` are those two settings; errors name the variable, never the key.
    """
    import asyncssh  # noqa: PLC0415  (only commands that use SSH pay for it)

    try:
        if value is not None and value.get_secret_value().strip():
            return asyncssh.import_private_key(value.get_secret_value())
        if path is not None:
            return asyncssh.import_private_key(read_small(path, f"{variable}_FILE"))
    except asyncssh.KeyImportError as exc:
        which = variable if value is not None else f"{variable}_FILE"
        # Never echo key material: only the variable and the kind of failure.
        raise SettingsError(f"{which}: not a usable private key ({type(exc).__name__})") from None
    return None
