"""The webhook receiver's FastAPI app: verify, dedupe, filter, then trigger the single run."""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ztix.adapters.build import forge_adapter
from ztix.errors import AdapterError
from ztix.ports.forge import CheckState, Forge
from ztix.service.httpmetrics import instrument
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
    registry = instrument(app, "webhook")
    registry.register(RunnerCollector(runner))
    answers = Counter(
        "ztix_webhook_events",
        "Events received, by what became of them",
        ["answer"],
        registry=registry,
    )

    @app.post("/hook")
    async def hook(request: Request) -> JSONResponse:
        body = await _read_limited(request, settings.max_body)
        if body is None:
            return JSONResponse({"error": "body too large"}, status_code=413)
        headers = {k.lower(): v for k, v in request.headers.items()}
        if not verified(settings.forge, secret, headers, body):
            answers.labels("bad-signature").inc()
            return JSONResponse({"error": "bad or missing signature"}, status_code=401)
        delivery = delivery_id(settings.forge, headers)
        if delivery and delivery in seen:
            answers.labels("duplicate").inc()
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
            answers.labels("ignored").inc()
            return JSONResponse({"status": "ignored", "event": event}, status_code=202)
        answer = runner.trigger()
        answers.labels(answer).inc()
        return JSONResponse({"status": answer, "reason": reason}, status_code=202)

    @app.get("/status")
    async def status() -> JSONResponse:
        return JSONResponse(runner.status())

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        return JSONResponse({"ok": True})

    return app


class RunnerCollector(Collector):
    """The apply runner's state: runs by result, running, queued, and the last run's time."""

    def __init__(self, runner: ApplyRunner) -> None:
        self.runner = runner

    def collect(self) -> Iterator[Metric]:
        """The runner's metrics, read at scrape time."""
        runs = CounterMetricFamily("ztix_webhook_runs", "Apply runs, by result", labels=["result"])
        for result in ("ok", "incident", "partial", "invalid", "failed"):
            runs.add_metric([result], self.runner.outcomes.get(result, 0))
        yield runs
        running = GaugeMetricFamily("ztix_webhook_running", "1 while an apply runs")
        running.add_metric([], 1.0 if self.runner.running else 0.0)
        yield running
        pending = GaugeMetricFamily("ztix_webhook_pending", "1 if one more run is queued")
        pending.add_metric([], 1.0 if self.runner.pending else 0.0)
        yield pending
        if self.runner.last is not None:
            last = GaugeMetricFamily(
                "ztix_webhook_last_run_finished_timestamp_seconds", "When the last run finished"
            )
            last.add_metric([], self.runner.last.finished)
            yield last


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
