"""MQTT intake: one feed thread per MQTT alarm source, each handing its messages to the engine
(on a cluster's API node, to the alarm stream: incidents.stream_intake).

The engine's writer thread stores each payload raw, then parses and correlates it (and, for a
source with `ack: stored`, has the feed acknowledge it once committed). When the engine is
behind, the feeds stop reading and the broker keeps the rest (QoS 1, persistent session).
"""

from __future__ import annotations

from collections.abc import Sequence

from csu.config import AlarmSourceConfig
from incidents.mqtt import AlarmSink, MqttFeed
from incidents.parsing import MAX_PAYLOAD_BYTES


class MqttIntake:
    """The feeds of a site's MQTT alarm sources, started and stopped together."""

    def __init__(
        self,
        sources: Sequence[AlarmSourceConfig],
        engine: AlarmSink,
        *,
        node: str | None = None,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
        ack_stored: bool = False,
    ) -> None:
        self.feeds = [
            MqttFeed(
                source,
                engine,
                node=node,
                max_payload_bytes=max_payload_bytes,
                ack_stored=ack_stored,
            )
            for source in sources
            if source.kind == "mqtt"
        ]

    def start(self) -> None:
        """Connect and subscribe, each feed on its own thread; returns at once."""
        for feed in self.feeds:
            feed.start()

    def stop(self) -> None:
        """Disconnect every feed; may block a few seconds (a connect under way)."""
        for feed in self.feeds:
            feed.stop()
