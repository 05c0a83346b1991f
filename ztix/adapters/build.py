"""The one place that builds adapters from settings (tokens and keys come from the environment).

The CLI, the portal and the webhook receiver all build their adapters here and pass them down;
adapter modules are imported lazily, so a command loads only what it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ztix.models import Exchange
from ztix.settings.env import Settings, load_settings

if TYPE_CHECKING:
    from ztix.adapters.routeserver.deployer import SshDeployer
    from ztix.ports.forge import Forge
    from ztix.ports.peeringdb import PeeringDB
    from ztix.ports.status import BirdReader
    from ztix.ports.zerotier import ZeroTierProvider
    from ztix.settings.forge import ForgeSettings


def settings() -> Settings:
    """The CLI's settings from the environment (ZTIX_*)."""
    return load_settings(Settings, "ZTIX_")


def build_zerotier(settings: Settings, exchange: Exchange) -> ZeroTierProvider:
    """The ZeroTier provider named in ix.yaml, with the token from the environment."""
    return zerotier_provider(
        exchange,
        settings.zerotier_token_value(),
        api_url=settings.zerotier_api_url,
        timeout=settings.http_timeout,
        give_up=settings.zerotier_give_up,
        concurrency=settings.zerotier_concurrency,
    )


def zerotier_provider(
    exchange: Exchange,
    token: str,
    *,
    api_url: str | None,
    timeout: float,
    give_up: float,
    concurrency: int,
) -> ZeroTierProvider:
    """The ZeroTier provider of ix.yaml (its API URL unless `api_url` overrides it)."""
    from ztix.adapters.zerotier.central import CentralProvider  # noqa: PLC0415
    from ztix.adapters.zerotier.controller import ControllerProvider  # noqa: PLC0415
    from ztix.adapters.zerotier.http import Breaker  # noqa: PLC0415

    zt = exchange.zerotier
    url = api_url or zt.api_url
    breaker = Breaker(give_up=give_up)
    if zt.provider == "central":
        assert zt.network_id is not None  # the model requires it for central
        return CentralProvider(
            url,
            token,
            network_id=zt.network_id,
            timeout=timeout,
            concurrency=min(concurrency, 4),
            breaker=breaker,
        )
    return ControllerProvider(
        url,
        token,
        network_id=zt.network_id,
        network_suffix=zt.network_suffix,
        timeout=timeout,
        concurrency=concurrency,
        breaker=breaker,
    )


def build_deployer(settings: Settings, *, required: bool) -> SshDeployer | None:
    """The SSH deployer with the key from the environment (None in a dry run without one)."""
    from ztix.adapters.routeserver.deployer import SshDeployer  # noqa: PLC0415

    key = settings.require_ssh_key() if required else settings.ssh_key_value()
    if key is None:
        return None
    return SshDeployer(key, settings.deploy_settings())


def build_reader(settings: Settings) -> BirdReader:
    """The read-only route-server reader with the status key (or, without one, the deploy
    key: it reads through `birdc -r` all the same)."""
    from ztix.adapters.routeserver.reader import SshBirdReader  # noqa: PLC0415

    return SshBirdReader(settings.require_status_key(), settings.deploy_settings())


def build_forge(settings: ForgeSettings) -> Forge:
    """The forge adapter named in the settings (token from the environment)."""
    from ztix.adapters.forge import (  # noqa: PLC0415  (only commands that open changes)
        GiteaForge,
        GitHubForge,
        GitLabForge,
        PlainGitForge,
    )

    if settings.forge == "git":
        return PlainGitForge(settings.forge_project or "the peering repository")
    # The settings require the API URL and project for every REST forge.
    assert settings.forge_api_url is not None and settings.forge_project is not None
    args = (
        settings.forge_api_url,
        settings.forge_token_value(),
        settings.forge_project,
        settings.main_branch,
    )
    if settings.forge == "github":
        return GitHubForge(*args)
    if settings.forge == "gitlab":
        return GitLabForge(*args)
    return GiteaForge(*args)


def build_peeringdb(base_url: str, api_key: str | None) -> PeeringDB:
    """The PeeringDB client (the portal's; the API key is optional)."""
    from ztix.adapters.peeringdb import PeeringDBClient  # noqa: PLC0415

    return PeeringDBClient(base_url, api_key)
