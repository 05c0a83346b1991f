"""The one place that builds adapters from settings (tokens and keys come from the environment).

The CLI, the portal and the webhook receiver all build their adapters here and pass them down;
adapter modules are imported lazily, so a command loads only what it uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ztix.models import Exchange
from ztix.ports.deploy import DeploySettings
from ztix.settings.env import Settings, load_settings

if TYPE_CHECKING:
    import asyncssh

    from ztix.adapters.http import Breaker
    from ztix.adapters.routeserver.deployer import SshDeployer
    from ztix.ports.forge import Forge
    from ztix.ports.git import Workspace
    from ztix.ports.irr import IrrResolverFactory
    from ztix.ports.peeringdb import PeeringDB
    from ztix.ports.state import StateStore
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
    return status_reader(settings.require_status_key(), settings.deploy_settings())


def status_reader(
    key: asyncssh.SSHKey, deploy: DeploySettings | None = None, *, ttl: float = 0.0
) -> BirdReader:
    """A reader over the read-only key; answers reused for `ttl` seconds (the portal's)."""
    from ztix.adapters.routeserver.reader import SshBirdReader  # noqa: PLC0415

    return SshBirdReader(key, deploy or DeploySettings(), ttl=ttl)


def build_forge(settings: ForgeSettings, breaker: Breaker | None = None) -> Forge:
    """The forge adapter named in the settings (token from the environment); `breaker`: a
    long-running process's own (with a cool-down, and watched by its metrics)."""
    if settings.forge == "git":
        from ztix.adapters.forge import PlainGitForge  # noqa: PLC0415

        return PlainGitForge(settings.forge_project or "the peering repository")
    # The settings require the API URL and project for every REST forge.
    assert settings.forge_api_url is not None and settings.forge_project is not None
    return forge_adapter(
        settings.forge,
        settings.forge_api_url,
        settings.forge_token_value(),
        settings.forge_project,
        settings.main_branch,
        breaker=breaker,
    )


def forge_adapter(
    kind: Literal["github", "gitlab", "gitea"],
    api_url: str,
    token: str,
    project: str,
    main: str,
    *,
    breaker: Breaker | None = None,
) -> Forge:
    """A REST forge adapter: GitHub, GitLab or Gitea/Forgejo."""
    from ztix.adapters.forge import GiteaForge, GitHubForge, GitLabForge  # noqa: PLC0415

    kinds: dict[str, type[GitHubForge | GitLabForge | GiteaForge]] = {
        "github": GitHubForge,
        "gitlab": GitLabForge,
        "gitea": GiteaForge,
    }
    return kinds[kind](api_url, token, project, main, breaker=breaker)


def workspace(
    repo_url: str, workdir: Path, main: str, author: tuple[str, str] | None = None
) -> Workspace:
    """A git clone of the peering repository at `workdir` (the portal's, the refresh job's)."""
    from ztix.adapters.git import GitWorkspace  # noqa: PLC0415

    if author is None:
        return GitWorkspace(repo_url, workdir, main)
    return GitWorkspace(repo_url, workdir, main, author=author)


def build_peeringdb(
    base_url: str, api_key: str | None, breaker: Breaker | None = None
) -> PeeringDB:
    """The PeeringDB client (the portal's; the API key is optional); `breaker` as forges'."""
    from ztix.adapters.peeringdb import PeeringDBClient  # noqa: PLC0415

    return PeeringDBClient(base_url, api_key, breaker=breaker)


def irr_resolvers() -> IrrResolverFactory:
    """What builds an IRR resolver from ix.yaml's irr: settings (bgpq4)."""
    from ztix.adapters.irr.bgpq4 import bgpq4_resolver  # noqa: PLC0415

    return bgpq4_resolver


def state_store(location: str) -> StateStore:
    """The portal's state store: PostgreSQL for a postgresql:// URL, else SQLite at the path."""
    if location.startswith(("postgresql://", "postgres://")):
        from ztix.adapters.state.postgres import PostgresStore  # noqa: PLC0415

        return PostgresStore(location)
    from ztix.adapters.state.sqlite import SqliteStore  # noqa: PLC0415

    return SqliteStore(Path(location.removeprefix("sqlite://")))
