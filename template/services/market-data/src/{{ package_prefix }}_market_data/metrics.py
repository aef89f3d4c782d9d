"""Prometheus metrics of one app instance (its own registry, so tests can build many apps).

Every request updates two series and every cache lookup one: `request` and
`cache_event` keep each labelled child once looked up, so the hot path skips
prometheus-client's label validation and locking in `labels()`.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    """The app's request, latency, upstream-error and cache counters in its own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "market_data_requests",
            "HTTP requests served, by route template, method and status code",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "market_data_request_duration_seconds",
            "Time to serve a request, by route template",
            ["route", "method"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=self.registry,
        )
        self.upstream_errors = Counter(
            "market_data_upstream_errors",
            "Failed upstream fetches (after retries), by provider and reason",
            ["provider", "reason"],
            registry=self.registry,
        )
        self.cache = Counter(
            "market_data_cache_events",
            "Cache lookups by outcome: hit, miss, coalesced, stale, error",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self._request_series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._cache_series: dict[tuple[str, str], Counter] = {}

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one served request and observe its duration."""
        key = (route, method, status)
        series = self._request_series.get(key)
        if series is None:
            series = (
                self.requests.labels(route, method, str(status)),
                self.latency.labels(route, method),
            )
            self._request_series[key] = series
        series[0].inc()
        series[1].observe(seconds)

    def cache_event(self, kind: str, outcome: str) -> None:
        """Count one cache lookup of `kind` (price, candles) with its outcome."""
        counter = self._cache_series.get((kind, outcome))
        if counter is None:
            counter = self._cache_series[(kind, outcome)] = self.cache.labels(kind, outcome)
        counter.inc()

    def render(self) -> bytes:
        """The metrics in Prometheus' text exposition format."""
        return generate_latest(self.registry)
