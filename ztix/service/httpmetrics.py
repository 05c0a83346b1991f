"""Request metrics for a service's FastAPI app, in its own registry, served at /metrics.

Counted by the route's template (/asn/{asn}, never the ASN itself: label values stay few) and
the status; latencies as a histogram; requests in flight as a gauge.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

Next = Callable[[Request], Awaitable[Response]]


def instrument(
    app: FastAPI, service: str, registry: CollectorRegistry | None = None
) -> CollectorRegistry:
    """Add the request metrics and GET /metrics to `app`; the registry, for the service's own."""
    registry = registry or CollectorRegistry()
    requests = Counter(
        "ztix_http_requests",
        "HTTP requests answered, by route and status",
        ["service", "route", "method", "status"],
        registry=registry,
    )
    latency = Histogram(
        "ztix_http_request_duration_seconds",
        "Time to answer an HTTP request",
        ["service", "route", "method"],
        buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        registry=registry,
    )
    in_flight = Gauge(
        "ztix_http_requests_in_flight",
        "Requests being answered now",
        ["service"],
        registry=registry,
    )

    @app.middleware("http")
    async def measure(request: Request, call_next: Next) -> Response:
        started = time.perf_counter()
        in_flight.labels(service).inc()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            in_flight.labels(service).dec()
            route = request.scope.get("route")
            path = getattr(route, "path", "unmatched")
            requests.labels(service, path, request.method, str(status)).inc()
            latency.labels(service, path, request.method).observe(time.perf_counter() - started)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return registry
