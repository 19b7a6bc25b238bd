"""Prometheus metrics: one registry per app, so tests and several apps never collide."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _CallbackCollector(Collector):
    """Reads live state at scrape time instead of mirroring it into gauges."""

    def __init__(self, collect: Callable[[], Iterable[Metric]]) -> None:
        self._collect = collect

    def collect(self) -> Iterable[Metric]:
        return self._collect()


class Metrics:
    """The app's registry and the kernel's own counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.logins = Counter(
            "csu_logins", "Login attempts by outcome.", ["outcome"], registry=self.registry
        )

    def add_collector(self, collect: Callable[[], Iterable[Metric]]) -> None:
        """Register a function that yields metric families at each scrape."""
        self.registry.register(_CallbackCollector(collect))

    def render(self) -> bytes:
        """The registry in Prometheus text format."""
        return generate_latest(self.registry)
