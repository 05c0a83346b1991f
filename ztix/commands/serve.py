"""`ztix portal` and `ztix webhook`: the two long-running services, behind a TLS reverse proxy."""

from __future__ import annotations

import argparse
import warnings
from typing import Any

from ztix.errors import EXIT_OK
from ztix.settings.env import load_settings


def webhook(args: argparse.Namespace) -> int:
    """Serve the webhook receiver (settings from ZTIX_WEBHOOK_*)."""
    from ztix.webhook.app import create_app  # noqa: PLC0415
    from ztix.webhook.settings import WebhookSettings  # noqa: PLC0415

    settings = load_settings(WebhookSettings, "ZTIX_WEBHOOK_")
    return _serve(create_app(settings), args)


def portal(args: argparse.Namespace) -> int:
    """Serve the member portal (settings from ZTIX_PORTAL_*)."""
    from ztix.portal.settings import PortalSettings  # noqa: PLC0415

    settings = load_settings(PortalSettings, "ZTIX_PORTAL_")
    with warnings.catch_warnings():
        # authlib announces its move to httpx2 at import; operators cannot act on that. Its
        # deprecate module installs an "always" filter when imported, so ours goes in after it.
        import authlib.deprecate  # noqa: F401, PLC0415

        warnings.filterwarnings("ignore", message="The httpx module is deprecated")
        from ztix.portal.app import create_app  # noqa: PLC0415
    return _serve(create_app(settings), args)


def exporter(args: argparse.Namespace) -> int:
    """Serve the exchange's metrics (ZTIX_EXPORTER_*; keys and tokens as the CLI's ZTIX_*)."""
    from ztix.adapters.build import build_reader, build_zerotier, settings  # noqa: PLC0415
    from ztix.exporter.app import create_app  # noqa: PLC0415
    from ztix.exporter.settings import ExporterSettings  # noqa: PLC0415
    from ztix.load.loader import Repository  # noqa: PLC0415
    from ztix.ports.zerotier import ZeroTierProvider  # noqa: PLC0415

    own = load_settings(ExporterSettings, "ZTIX_EXPORTER_")
    if args.repo is not None:
        own = own.model_copy(update={"repo": args.repo})
    cli = settings()
    reader = build_reader(cli)  # the read-only key, checked now: a missing key fails at start
    zerotier = None
    if own.zerotier:
        cli.zerotier_token_value()  # fail at start, not at the first reading

        def zerotier(repo: Repository) -> ZeroTierProvider:
            return build_zerotier(cli, repo.exchange.model)

    return _serve(create_app(own, reader, zerotier), args)


def _serve(app: Any, args: argparse.Namespace) -> int:
    """Run an ASGI app on loopback behind the operator's reverse proxy (trusted for headers)."""
    import uvicorn  # noqa: PLC0415  only the server commands need it
    import uvicorn.config  # noqa: PLC0415

    from ztix.service.logs import configure, log_format, uvicorn_log_config  # noqa: PLC0415

    fmt = log_format(args.log_format)
    configure(fmt)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_level="info",
        log_config=uvicorn_log_config(fmt) or uvicorn.config.LOGGING_CONFIG,
    )
    return EXIT_OK
