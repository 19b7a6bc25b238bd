"""What a NATS-backed bus is told (server, node name, stream and subjects) and what it counts."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Who published a message: a node ignores its own.
ORIGIN_HEADER = "Csu-Node"
# JetStream drops a message whose id it stored within the stream's duplicate window.
MSG_ID_HEADER = "Nats-Msg-Id"
# Node, stream and group names become consumer and stream names: no dot, space or wildcard.
NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_PREFIX = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*")


@dataclass(frozen=True)
class NatsBusConfig:
    """Where the bus connects, what this node is called, and the names and bounds it uses."""

    url: str  # "nats://host:4222", or several separated by commas
    node: str  # unique per process: names its durable consumer, marks its messages
    stream: str = "CSU_EVENTS"
    durable_prefix: str = "csu.events"
    live_prefix: str = "csu.live"
    max_age_s: float = 24 * 3600.0
    max_bytes: int = 1 << 30
    duplicate_window_s: float = 120.0
    outbox_limit: int = 10_000  # per reach: durable events waiting, live events waiting
    ack_timeout_s: float = 5.0
    connect_timeout_s: float = 10.0
    group_max_deliver: int = 5
    group_ack_wait_s: float = 30.0

    def __post_init__(self) -> None:
        for label, name in (("node", self.node), ("stream", self.stream)):
            if not NAME.fullmatch(name):
                raise ValueError(f"{label} name {name!r}: 1 to 64 of A-Z a-z 0-9 _ -")
        live, durable = self.live_prefix, self.durable_prefix
        for prefix in (live, durable):
            if not _PREFIX.fullmatch(prefix):
                raise ValueError(f"subject prefix {prefix!r}: dot-separated a-z 0-9 _")
        # The stream takes `<durable_prefix>.>`: it must never swallow live subjects.
        if live == durable or live.startswith(durable + ".") or durable.startswith(live + "."):
            raise ValueError(f"subject prefixes {live!r} and {durable!r} overlap")


@dataclass
class WireStats:
    """Events between this node and NATS since start (each a Prometheus counter)."""

    sent: int = 0  # live events handed to the connection, durable ones acknowledged
    received: int = 0  # events of other nodes delivered here
    rejected: int = 0  # messages that were no acceptable event
    dropped: int = 0  # events never sent: outbox full, connection closed, left at stop
    publish_errors: int = 0  # durable sends that failed and were retried
