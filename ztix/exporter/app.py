"""The exporter's web app: /metrics (the last whole reading) and /healthz, with the poll loop
started and stopped with the app."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry

from ztix.exporter.metrics import ExchangeCollector
from ztix.exporter.settings import ExporterSettings
from ztix.exporter.snapshot import Poller
from ztix.load.loader import Repository
from ztix.ports.status import BirdReader
from ztix.ports.zerotier import ZeroTierProvider
from ztix.service.httpmetrics import instrument


def create_app(
    settings: ExporterSettings,
    reader: BirdReader,
    zerotier: Callable[[Repository], ZeroTierProvider] | None = None,
) -> FastAPI:
    """The exporter app; the entry point builds the reader (and ZeroTier) from settings."""
    poller = Poller(settings.repo, reader, zerotier, settings.interval)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ExchangeCollector(poller))

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(poller.run())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(title="ZT-IX exporter", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.poller = poller
    instrument(app, "exporter", registry)  # /metrics: the exchange and the exporter's own

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        # Alive while readings keep coming: the last one began within three intervals (plus
        # the bound of a slow reading). A loop that stopped is a 503 the supervisor acts on.
        latest = poller.latest
        age = time.time() - latest.taken if latest else None
        ok = age is not None and age < 3 * settings.interval + 120
        return JSONResponse({"ok": ok, "last_cycle_age": age}, status_code=200 if ok else 503)

    return app
