"""The metric families of one snapshot (prometheus_client writes the exposition format).

Names follow Prometheus' conventions: the `ztix_` prefix, base units (seconds, and Unix times
as `_timestamp_seconds` so alerts compute ages), one metric per meaning with labels for the
route server, session, cache, reason. Reject reasons are their codes (README's policy table).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector

from ztix.exporter.snapshot import Poller, Snapshot, irr_refreshed

SESSION = ["route_server", "session", "asn", "family"]


def _since(value: str) -> float | None:
    """A BIRD `since` (iso long ms: 2026-12-05 06:06:32.714) as Unix time; route servers keep
    UTC (the operator's manual), so it is read as UTC."""
    try:
        when = datetime.datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f")
    except ValueError:
        return None
    return when.replace(tzinfo=datetime.UTC).timestamp()


class ExchangeCollector(Collector):
    """Serves the poller's latest snapshot."""

    def __init__(self, poller: Poller) -> None:
        self.poller = poller

    def collect(self) -> Iterator[Metric]:
        """Every metric of the latest snapshot (none before the first one)."""
        snapshot = self.poller.latest
        if snapshot is None:
            return
        yield from _exporter(snapshot)
        yield from _route_servers(snapshot)
        yield from _irr(snapshot)
        yield from _zerotier(snapshot)


def _exporter(snapshot: Snapshot) -> Iterator[Metric]:
    last = GaugeMetricFamily(
        "ztix_exporter_last_cycle_timestamp_seconds", "When the last reading started"
    )
    last.add_metric([], snapshot.taken)
    yield last
    took = GaugeMetricFamily("ztix_exporter_cycle_duration_seconds", "How long it took")
    took.add_metric([], snapshot.duration)
    yield took
    valid = GaugeMetricFamily(
        "ztix_repository_valid", "1 if the peering repository loaded (else the last that did)"
    )
    valid.add_metric([], 0.0 if snapshot.repo_error else 1.0)
    yield valid
    if snapshot.commit_time is not None:
        head = GaugeMetricFamily(
            "ztix_repository_head_commit_timestamp_seconds",
            "Commit time of the checked-out commit of the peering repository (main)",
        )
        head.add_metric([], snapshot.commit_time)
        yield head
    if snapshot.commit:
        info = InfoMetricFamily("ztix_repository", "The checked-out commit")
        info.add_metric([], {"commit": snapshot.commit})
        yield info


def _route_servers(snapshot: Snapshot) -> Iterator[Metric]:
    up = GaugeMetricFamily(
        "ztix_route_server_up", "1 if the route server could be read", labels=["route_server"]
    )
    established = GaugeMetricFamily(
        "ztix_bgp_session_established", "1 if the BGP session is Established", labels=SESSION
    )
    expected = GaugeMetricFamily(
        "ztix_bgp_session_expected_up",
        "1 if the files want the session up (0: a suspended member, or held at max-prefix)",
        labels=SESSION,
    )
    held = GaugeMetricFamily(
        "ztix_bgp_session_max_prefix_held",
        "1 if the session is down for its max-prefix limit",
        labels=SESSION,
    )
    since = GaugeMetricFamily(
        "ztix_bgp_session_state_change_timestamp_seconds",
        "When the session last changed state",
        labels=SESSION,
    )
    routes = GaugeMetricFamily(
        "ztix_bgp_session_routes",
        "Routes of the session: received (imported + filtered), accepted, filtered, exported",
        labels=[*SESSION, "kind"],
    )
    rpki = GaugeMetricFamily(
        "ztix_bgp_session_accepted_routes_rpki",
        "Accepted routes by RPKI state",
        labels=[*SESSION, "state"],
    )
    filtered = GaugeMetricFamily(
        "ztix_route_server_filtered_routes",
        "Filtered routes by reject reason (README's policy table)",
        labels=["route_server", "reason"],
    )
    rtr_up = GaugeMetricFamily(
        "ztix_rtr_cache_up", "1 if the RTR cache is Established", labels=["route_server", "cache"]
    )
    rtr_update = GaugeMetricFamily(
        "ztix_rtr_cache_last_update_timestamp_seconds",
        "When the RTR cache's data last updated",
        labels=["route_server", "cache"],
    )
    roas = GaugeMetricFamily(
        "ztix_rtr_cache_roas",
        "ROAs loaded from the cache",
        labels=["route_server", "cache", "family"],
    )
    sentinel = GaugeMetricFamily(
        "ztix_rpki_sentinel_valid",
        "1 if the sentinel ROA is loaded (RPKI data is there)",
        labels=["route_server"],
    )
    for rs in snapshot.route_servers:
        up.add_metric([rs.name], 0.0 if rs.error else 1.0)
        for s in rs.sessions:
            labels = [rs.name, s.session, str(s.asn), s.family]
            live = s.live
            established.add_metric(labels, 1.0 if live and live.established else 0.0)
            expected.add_metric(labels, 1.0 if s.expected == "established" else 0.0)
            held.add_metric(labels, 1.0 if live and live.limit_hit else 0.0)
            if live is not None:
                if (when := _since(live.since)) is not None:
                    since.add_metric(labels, when)
                routes.add_metric([*labels, "received"], live.imported + live.filtered)
                routes.add_metric([*labels, "accepted"], live.imported)
                routes.add_metric([*labels, "filtered"], live.filtered)
                routes.add_metric([*labels, "exported"], live.exported)
            for state, count in s.rpki.items():
                rpki.add_metric([*labels, state], count)
        for code, count in sorted(rs.filtered.items()):
            filtered.add_metric([rs.name, str(code)], count)
        for cache in rs.rtr.values():
            rtr_up.add_metric([rs.name, cache.name], 1.0 if cache.established else 0.0)
            if cache.last_update is not None:
                rtr_update.add_metric([rs.name, cache.name], snapshot.taken - cache.last_update)
            for channel, count in sorted(cache.roas.items()):
                roas.add_metric(
                    [rs.name, cache.name, "ipv4" if channel == "roa4" else "ipv6"], count
                )
        if rs.sentinel is not None:
            sentinel.add_metric([rs.name], 1.0 if rs.sentinel else 0.0)
    yield from (
        up,
        established,
        expected,
        held,
        since,
        routes,
        rpki,
        filtered,
        rtr_up,
        rtr_update,
        roas,
        sentinel,
    )


def _irr(snapshot: Snapshot) -> Iterator[Metric]:
    if snapshot.repo is None:
        return
    exchange = snapshot.repo.exchange.model
    refreshed = GaugeMetricFamily(
        "ztix_irr_refreshed_timestamp_seconds",
        "When the member's IRR data was refreshed",
        labels=["asn"],
    )
    missing = GaugeMetricFamily(
        "ztix_irr_members_without_data", "Active members with IRR filtering on and no IRR data yet"
    )
    stamps = irr_refreshed(snapshot.repo)
    for asn, when in sorted(stamps.items()):
        refreshed.add_metric([str(asn)], when)
    active = [p.model.asn for p in snapshot.repo.peers if p.model.active]
    missing.add_metric(
        [], float(sum(1 for a in active if a not in stamps)) if exchange.irr_filter else 0.0
    )
    yield refreshed
    yield missing


def _zerotier(snapshot: Snapshot) -> Iterator[Metric]:
    reading = snapshot.zerotier
    if reading is None:
        return
    up = GaugeMetricFamily("ztix_zerotier_up", "1 if the ZeroTier controller or Central answered")
    up.add_metric([], 1.0 if reading.up else 0.0)
    yield up
    if not reading.up:
        return
    live = {m.node_id: m for m in reading.members}
    authorized = GaugeMetricFamily(
        "ztix_zerotier_member_as_desired",
        "1 if the node is authorized (or not) with exactly the addresses the files give it",
        labels=["node", "name"],
    )
    seen = GaugeMetricFamily(
        "ztix_zerotier_member_last_seen_timestamp_seconds",
        "When the node last checked in with the controller (ZeroTier Central only)",
        labels=["node", "name"],
    )
    for node, want in sorted(reading.desired.items()):
        have = live.get(node)
        authorized.add_metric([node, want.name], 1.0 if have and want.same_settings(have) else 0.0)
        if have is not None and have.last_seen is not None:
            seen.add_metric([node, want.name], have.last_seen)
    yield authorized
    yield seen
    counts = GaugeMetricFamily(
        "ztix_zerotier_members", "Members of the network", labels=["authorized"]
    )
    counts.add_metric(["true"], float(sum(1 for m in reading.members if m.authorized)))
    counts.add_metric(["false"], float(sum(1 for m in reading.members if not m.authorized)))
    yield counts
