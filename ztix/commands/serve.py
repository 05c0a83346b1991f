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


def _serve(app: Any, args: argparse.Namespace) -> int:
    """Run an ASGI app on loopback behind the operator's reverse proxy (trusted for headers)."""
    import uvicorn  # noqa: PLC0415  only the server commands need it

    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_level="info",
    )
    return EXIT_OK
