"""The portal's own metrics beyond HTTP: its breakers and the members' requests."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ztix.adapters.http import Breaker
from ztix.portal.service import PortalService


class BreakerCollector(Collector):
    """The portal's remote services: whether it has stopped calling each (its breaker)."""

    def __init__(self, breakers: dict[str, Breaker]) -> None:
        self.breakers = breakers

    def collect(self) -> Iterator[Metric]:
        """One gauge per service: 1 while its breaker is open or probing."""
        family = GaugeMetricFamily(
            "ztix_portal_breaker_open",
            "1 while the portal has stopped calling the service (it kept failing)",
            labels=["service"],
        )
        for name, breaker in sorted(self.breakers.items()):
            family.add_metric([name], 0.0 if breaker.state == "closed" else 1.0)
        yield family


class BacklogCollector(Collector):
    """Members' requests as this process's last reconcile found them."""

    def __init__(self, service: PortalService) -> None:
        self.service = service

    def collect(self) -> Iterator[Metric]:
        """Pending requests, those without a change request, and when that was seen."""
        backlog = self.service.backlog
        if backlog is None:
            return
        for name, text, value in (
            ("ztix_portal_requests_pending", "members' requests awaiting review", backlog.pending),
            (
                "ztix_portal_requests_without_change_request",
                "pushed requests the forge has no change request for (reconcile retries them)",
                backlog.unopened,
            ),
            (
                "ztix_portal_last_reconcile_timestamp_seconds",
                "when this process last reconciled requests with the forge",
                backlog.at,
            ),
        ):
            yield GaugeMetricFamily(name, text, value=float(value))
