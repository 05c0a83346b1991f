"""The webhook receiver's FastAPI app: verify, dedupe, filter, then trigger the single run."""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ztix.adapters.build import forge_adapter
from ztix.errors import AdapterError
from ztix.ports.forge import CheckState, Forge
from ztix.webhook.events import triggers
from ztix.webhook.job import GitApplyJob
from ztix.webhook.runner import ApplyRunner, Job, RunResult
from ztix.webhook.settings import WebhookSettings
from ztix.webhook.verify import delivery_id, event_name, verified


def create_app(settings: WebhookSettings, job: Job | None = None) -> FastAPI:
    """Build the receiver; `job` replaces the git-fetch-and-apply job (tests)."""
    app = FastAPI(title="ZT-IX webhook", docs_url=None, redoc_url=None, openapi_url=None)
    job = job or GitApplyJob(
        settings.repo_url, settings.workdir, settings.branch, settings.apply_timeout
    )
    forge = _report_forge(settings)
    runner = ApplyRunner(_reporting(job, forge) if forge is not None else job)
    seen: OrderedDict[str, None] = OrderedDict()
    secret = settings.secret.get_secret_value()
    app.state.runner = runner

    @app.post("/hook")
    async def hook(request: Request) -> JSONResponse:
        body = await _read_limited(request, settings.max_body)
        if body is None:
            return JSONResponse({"error": "body too large"}, status_code=413)
        headers = {k.lower(): v for k, v in request.headers.items()}
        if not verified(settings.forge, secret, headers, body):
            return JSONResponse({"error": "bad or missing signature"}, status_code=401)
        delivery = delivery_id(settings.forge, headers)
        if delivery and delivery in seen:
            return JSONResponse({"status": "duplicate", "delivery": delivery})
        payload = _json_object(body)
        if payload is None:
            return JSONResponse({"error": "the body is not a JSON object"}, status_code=400)
        if delivery:
            seen[delivery] = None
            while len(seen) > settings.remember_deliveries:
                seen.popitem(last=False)
        event = event_name(settings.forge, headers)
        reason = triggers(settings.forge, event, payload, settings.branch)
        if reason is None:
            return JSONResponse({"status": "ignored", "event": event}, status_code=202)
        return JSONResponse({"status": runner.trigger(), "reason": reason}, status_code=202)

    @app.get("/status")
    async def status() -> JSONResponse:
        return JSONResponse(runner.status())

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        return JSONResponse({"ok": True})

    return app


def _report_forge(settings: WebhookSettings) -> Forge | None:
    if settings.report_forge is None:
        return None
    assert settings.report_api_url is not None and settings.report_project is not None
    return forge_adapter(
        settings.report_forge,
        settings.report_api_url,
        settings.report_token_value(),
        settings.report_project,
        settings.branch,
    )


def _reporting(job: Job, forge: Forge) -> Job:
    """Wrap the job so each result becomes the commit status ztix/apply on the forge."""

    async def run() -> RunResult:
        result = await job()
        if result.commit:
            state: CheckState = "success" if result.result == "ok" else "failure"
            try:
                await forge.set_check(result.commit, state, f"{result.result}: {result.detail}")
            except AdapterError as exc:
                logging.getLogger("ztix.webhook").warning("could not report the result: %s", exc)
        return result

    return run


async def _read_limited(request: Request, limit: int) -> bytes | None:
    """The raw body, or None once it is larger than `limit` (checked before reading it all)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None
