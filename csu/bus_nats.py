"""The event bus across nodes: local delivery as `csu.bus.EventBus`, and NATS between processes.

Constructing and wiring one (cluster mode)::

    bus = NatsEventBus(NatsBusConfig(url="nats://10.0.0.5:4222", node="api-1"))
    bus.subscribe(...)                  # as with EventBus
    await bus.start()                   # connects, makes the stream, starts receiving; raises
                                        # ConnectionError when NATS is not reachable in time
    metrics.add_collector(lambda: nats_bus_metrics(bus))
    engine = bus.group("engine")        # exactly-one processing in a group of nodes
    engine.subscribe(VideoAnalyticsEvent, handler)
    await engine.start()                # when this node takes the role; engine.stop() when lost
    await bus.stop()                    # stops receiving, drains, sends the outbox, closes

`publish` stays synchronous and never waits on the network. Every event goes first to this
process's subscribers, exactly as with EventBus; then by its class's `reach` (csu.events):
- "local" stays in the process (logins: the access log records them once, where they happened);
- "live" is sent on the plain subject `<live_prefix>.<topic>` (default `csu.live.<topic>`) to
  every node connected now, and lost for a node that is away (pushes to walls and consoles);
- "durable" is stored in the JetStream stream `<stream>` (default CSU_EVENTS, file storage,
  bounded by `max_age_s` and `max_bytes`, oldest dropped first) on `<durable_prefix>.<topic>`
  (default `csu.events.<topic>`). A sender task waits for JetStream's acknowledgement; until
  then the event stays in a bounded outbox, so events published while NATS is away are sent when
  the connection is back (the oldest dropped, and counted, past `outbox_limit`). The header
  `Nats-Msg-Id` (the context id and a digest of the payload) lets JetStream drop a resend.

Each node reads the stream through its own durable consumer, `node-<node>`, created at the node's
first start to deliver what is new from then on; a restarted node resumes where it stopped (up to
the stream's max age). Node names must be unique: two processes with one name would share that
consumer and ignore each other's events. Events from other nodes go to local subscribers only
and are never sent on; a node ignores its own (header `Csu-Node`). A message that is not an event
of a class that travels on that channel (bad JSON, unknown or local topic, a lone surrogate) is
logged, counted in `stats.rejected` and skipped. Ordering holds per channel and sender: a live
event may overtake a durable one published before it.

`bus.group(name)` (csu.bus_nats_group) is the other way to read durable events: one consumer
shared by the nodes that hold a role, each event handled once in the group and acknowledged
after its handler succeeded. The bus keeps its own NATS connection, reconnecting forever;
`connection` (and the gauge `csu_bus_nats_connection{state}`) says how it stands, `flush()`
waits until everything published was sent. A server that comes back without its store gets the
stream again at the next send and each consumer within seconds (csu.bus_nats_pull).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Literal

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import Error as NatsError
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.client import JetStreamContext
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from csu.bus import EventBus
from csu.bus_nats_config import NAME, ORIGIN_HEADER, NatsBusConfig, WireStats
from csu.bus_nats_group import GroupConsumer
from csu.bus_nats_pull import PullLoop, PullTarget
from csu.bus_nats_send import Outbox
from csu.cluster.kv import ensure_stream
from csu.event_codec import Codec, WireError
from csu.events import Event, Reach
from csu.nats_client import connect

__all__ = ["GroupConsumer", "NatsBusConfig", "NatsEventBus", "WireStats", "nats_bus_metrics"]

log = logging.getLogger(__name__)

# A hostile sender must not flood the log: the first few refusals, then one in a thousand.
_LOGGED_REJECTIONS = 20

Connection = Literal["new", "connected", "reconnecting", "closed"]
_Handle = Callable[[Msg], Awaitable[None]]


class NatsEventBus(EventBus):
    """An EventBus whose live and durable events also reach the other nodes; see the module."""

    def __init__(self, config: NatsBusConfig) -> None:
        super().__init__()
        self.config = config
        self.stats = WireStats()
        self._codec = Codec()
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._connected = asyncio.Event()
        self._outbox = Outbox(
            config,
            self.stats,
            ensure_stream=self._ensure_stream,
            wait_connected=self._wait_connected,
        )
        self._live_sub: Subscription | None = None
        self._node_loop: PullLoop | None = None
        self._groups: list[GroupConsumer] = []
        self._closing = False

    @property
    def connection(self) -> Connection:
        """The NATS connection's state: new (before start), connected, reconnecting, closed."""
        nc = self._nc
        if nc is None:
            return "closed" if self._closing else "new"
        if nc.is_closed:
            return "closed"
        return "connected" if nc.is_connected else "reconnecting"

    def outbox_size(self) -> int:
        """Events waiting to be sent (durable ones until JetStream acknowledged them)."""
        return len(self._outbox)

    def publish(self, event: Event) -> None:
        """Deliver `event` here, then send it to the other nodes if its class travels."""
        super().publish(event)  # refuses a call off the loop thread, drops after stop
        if event.reach != "local" and not self._closing:
            self._outbox.put(event)

    def group(self, name: str) -> GroupConsumer:
        """The exactly-one consumer of durable events shared by the nodes that call it `name`."""
        if not NAME.fullmatch(name):
            raise ValueError(f"group name {name!r}: 1 to 64 of A-Z a-z 0-9 _ -")
        target = PullTarget(
            self.config.stream,
            f"group-{name}",
            f"{self.config.durable_prefix}.>",
            ConsumerConfig(
                deliver_policy=DeliverPolicy.ALL,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=self.config.group_ack_wait_s,
                max_deliver=self.config.group_max_deliver,
                max_ack_pending=1,
            ),
            batch=1,
        )
        group = GroupConsumer(
            name,
            make_loop=lambda handle: self._pull_loop(target, handle),
            read=lambda msg: self._read(msg, "durable"),
            max_deliver=self.config.group_max_deliver,
            ack_wait_s=self.config.group_ack_wait_s,
        )
        self._groups.append(group)
        return group

    async def start(self) -> None:
        """Connect, make the stream, start receiving, then start the local consumers."""
        if self.running:
            return
        if self._closing:
            raise RuntimeError("a stopped NatsEventBus cannot be restarted")
        nc = await self._connect()
        try:
            await self._ensure_stream()
            self._live_sub = await nc.subscribe(f"{self.config.live_prefix}.>", cb=self._on_live)
            await nc.flush()  # the server knows the subscription once start() returns
            self._node_loop = self._pull_loop(self._node_target(), self._on_durable)
            await self._node_loop.start()
        except BaseException:
            with contextlib.suppress(NatsError, OSError):
                await nc.close()
            raise
        await super().start()
        self._outbox.start(nc, self._jetstream())

    async def flush(self, timeout: float = 5.0) -> None:
        """Wait until every event published so far was sent; TimeoutError if not in time."""
        async with asyncio.timeout(timeout):
            await self._outbox.sent()
            if self._nc is not None and self._nc.is_connected:
                await self._nc.flush(max(1, int(timeout)))

    async def stop(self, drain_timeout: float = 1.0) -> None:
        """Stop receiving, drain local handlers, send what waits (briefly), then close."""
        for group in self._groups:
            await group.stop()
        await self._stop_receiving()
        if self.running:
            with contextlib.suppress(TimeoutError):
                await self.drain(drain_timeout)  # handlers may still publish for other nodes
        self._closing = True
        if self._nc is not None:
            with contextlib.suppress(TimeoutError, NatsError):
                await self.flush(drain_timeout)
        await self._outbox.stop()
        if self._nc is not None:
            # Closing while reconnecting may meet the dead socket (ConnectionResetError).
            with contextlib.suppress(NatsError, OSError):
                await self._nc.close()
        await super().stop(drain_timeout)

    async def _stop_receiving(self) -> None:
        if self._node_loop is not None:
            await self._node_loop.stop()
            self._node_loop = None
        sub, self._live_sub = self._live_sub, None
        if sub is not None:
            with contextlib.suppress(NatsError, TimeoutError):
                await sub.unsubscribe()

    async def _connect(self) -> Client:
        async def lost() -> None:
            self._connected.clear()

        async def back() -> None:
            self._connected.set()

        nc = await connect(
            self.config.url,
            f"csu-bus-{self.config.node}",
            first_within_s=self.config.connect_timeout_s,
            on_lost=lost,
            on_back=back,
        )
        self._nc = nc
        self._js = nc.jetstream(timeout=self.config.ack_timeout_s)
        self._connected.set()
        return nc

    def _stream_config(self) -> StreamConfig:
        c = self.config
        return StreamConfig(
            name=c.stream,
            subjects=[f"{c.durable_prefix}.>"],
            retention=RetentionPolicy.LIMITS,
            discard=DiscardPolicy.OLD,
            storage=StorageType.FILE,
            max_age=c.max_age_s,
            max_bytes=c.max_bytes,
            duplicate_window=c.duplicate_window_s,
        )

    async def _ensure_stream(self) -> None:
        """Create the stream, or bring an existing one to this configuration (idempotent)."""
        await ensure_stream(self._jetstream(), self._stream_config())

    def _node_target(self) -> PullTarget:
        c = self.config
        config = ConsumerConfig(
            deliver_policy=DeliverPolicy.NEW,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=30.0,
            max_ack_pending=1000,
            # A node away longer than the stream keeps events has nothing left to catch up.
            inactive_threshold=c.max_age_s,
        )
        return PullTarget(c.stream, f"node-{c.node}", f"{c.durable_prefix}.>", config)

    def _pull_loop(self, target: PullTarget, handle: _Handle) -> PullLoop:
        return PullLoop(
            self._jetstream(),
            target,
            handle=handle,
            ensure_stream=self._ensure_stream,
            wait_connected=self._wait_connected,
        )

    async def _wait_connected(self) -> None:
        await self._connected.wait()

    def _jetstream(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("NatsEventBus not started")
        return self._js

    def _read(self, msg: Msg, reach: Reach) -> Event | None:
        """The event a message holds, or None (counted and logged) when it holds none."""
        prefix = self.config.live_prefix if reach == "live" else self.config.durable_prefix
        topic = msg.subject.removeprefix(prefix + ".")
        try:
            return self._codec.decode(topic, msg.data, reach)
        except WireError as exc:
            self.stats.rejected += 1
            n = self.stats.rejected
            if n <= _LOGGED_REJECTIONS or n % 1000 == 0:
                origin = (msg.headers or {}).get(ORIGIN_HEADER, "?")
                log.warning("bus refused a message from %.64r (%d so far): %s", origin, n, exc)
            return None

    def _from_here(self, msg: Msg) -> bool:
        return (msg.headers or {}).get(ORIGIN_HEADER) == self.config.node

    def _deliver_here(self, event: Event) -> None:
        # Only to this process's subscribers: an event from elsewhere is never sent on.
        super().publish(event)
        self.stats.received += 1

    async def _on_live(self, msg: Msg) -> None:
        if self._from_here(msg):
            return
        event = self._read(msg, "live")
        if event is not None:
            self._deliver_here(event)

    async def _on_durable(self, msg: Msg) -> None:
        if self._from_here(msg):
            await msg.ack()
            return
        event = self._read(msg, "durable")
        if event is None:
            await msg.term()  # no redelivery can mend it
            return
        self._deliver_here(event)
        await msg.ack()


def nats_bus_metrics(bus: NatsEventBus) -> list[Metric]:
    """The bus's NATS side for /metrics: connection state, outbox, events by outcome."""
    state = GaugeMetricFamily(
        "csu_bus_nats_connection", "1 for the bus's NATS connection state now.", labels=["state"]
    )
    for name in ("new", "connected", "reconnecting", "closed"):
        state.add_metric([name], 1.0 if bus.connection == name else 0.0)
    outbox = GaugeMetricFamily("csu_bus_nats_outbox_events", "Events waiting to go to NATS.")
    outbox.add_metric([], bus.outbox_size())
    events = CounterMetricFamily(
        "csu_bus_nats_events", "Events between this node and NATS by outcome.", labels=["outcome"]
    )
    for outcome, count in asdict(bus.stats).items():
        events.add_metric([outcome], count)
    return [state, outbox, events]
