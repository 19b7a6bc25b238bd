"""MQTT feed gauges read at scrape time: a watch must know at once that the hypervisor is silent."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from incidents.mqtt import MqttFeed


def feed_metrics(feeds: Iterable[MqttFeed]) -> Iterator[Metric]:
    """csu_alarm_feed_up (1 connected and subscribed, else 0) and messages received, per feed."""
    up = GaugeMetricFamily(
        "csu_alarm_feed_up", "1 when the MQTT feed is connected and subscribed.", labels=["source"]
    )
    received = GaugeMetricFamily(
        "csu_alarm_feed_received",
        "Messages the feed received since csu started.",
        labels=["source"],
    )
    for feed in feeds:
        up.add_metric([feed.status.source_id], 1.0 if feed.status.connected else 0.0)
        received.add_metric([feed.status.source_id], float(feed.status.received))
    yield up
    yield received
