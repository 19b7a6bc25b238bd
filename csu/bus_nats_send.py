"""The outbox of a NATS-backed bus: events wait here until NATS has them, never the publisher."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js.client import JetStreamContext
from nats.js.errors import NoStreamResponseError

from csu.backoff import Backoff
from csu.bus_nats_config import MSG_ID_HEADER, ORIGIN_HEADER, NatsBusConfig, WireStats
from csu.event_codec import encode
from csu.events import Event

log = logging.getLogger(__name__)

_RETRY = Backoff(initial_s=0.2, maximum_s=5.0)


@dataclass(frozen=True)
class _Outgoing:
    subject: str
    data: bytes
    headers: dict[str, str]


def message_id(event: Event, data: bytes) -> str:
    """JetStream's de-duplication id: the context id, with a digest of the payload because
    one context may cause several events (the engine gives a batch's events one context)."""
    return f"{event.context.id}.{hashlib.blake2b(data, digest_size=8).hexdigest()}"


class Outbox:
    """Two bounded queues and their sender tasks: live events are handed to the connection as
    they come; a durable one stays first in line until JetStream acknowledged it, retried with
    backoff (the same message id, so a resend after a lost acknowledgement is dropped)."""

    def __init__(
        self,
        config: NatsBusConfig,
        stats: WireStats,
        *,
        ensure_stream: Callable[[], Awaitable[None]],
        wait_connected: Callable[[], Awaitable[None]],
    ) -> None:
        self._config = config
        self._stats = stats
        self._ensure_stream = ensure_stream
        self._wait_connected = wait_connected
        self._durable: deque[_Outgoing] = deque()
        self._live: deque[_Outgoing] = deque()
        self._wake_durable = asyncio.Event()
        self._wake_live = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._rng = random.Random()

    def __len__(self) -> int:
        return len(self._durable) + len(self._live)

    def put(self, event: Event) -> None:
        """Queue a live or durable event for sending; drops the oldest past the limit."""
        c = self._config
        data = encode(event)
        headers = {ORIGIN_HEADER: c.node}
        if event.reach == "live":
            queue, wake, prefix = self._live, self._wake_live, c.live_prefix
        else:
            queue, wake, prefix = self._durable, self._wake_durable, c.durable_prefix
            headers[MSG_ID_HEADER] = message_id(event, data)
        if len(queue) >= c.outbox_limit:
            queue.popleft()  # the newest says more about the present than the oldest
            self._stats.dropped += 1
            if self._stats.dropped == 1 or self._stats.dropped % 1000 == 0:
                log.warning("bus outbox full: %d events dropped so far", self._stats.dropped)
        queue.append(_Outgoing(f"{prefix}.{event.topic}", data, headers))
        wake.set()

    def start(self, nc: Client, js: JetStreamContext) -> None:
        """Start sending on this connection."""
        self._tasks = [
            asyncio.create_task(self._send_durable(js), name="bus-nats:durable"),
            asyncio.create_task(self._send_live(nc), name="bus-nats:live"),
        ]

    async def sent(self) -> None:
        """Return once both queues are empty (durable events acknowledged)."""
        while self._durable or self._live:
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Stop the senders; what is still queued is dropped, counted and logged."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        left = len(self)
        if left:
            log.warning("bus stopping with %d events not sent to NATS", left)
            self._stats.dropped += left
            self._durable.clear()
            self._live.clear()

    async def _send_durable(self, js: JetStreamContext) -> None:
        attempt = 0
        while True:
            if not self._durable:
                self._wake_durable.clear()
                await self._wake_durable.wait()
                continue
            await self._wait_connected()
            item = self._durable[0]
            try:
                await js.publish(
                    item.subject, item.data, stream=self._config.stream, headers=dict(item.headers)
                )
            except (NatsError, TimeoutError) as exc:
                await self._publish_failed(exc, attempt)
                attempt += 1
                continue
            attempt = 0
            self._stats.sent += 1
            # An overflow may have dropped it while we waited for the acknowledgement.
            if self._durable and self._durable[0] is item:
                self._durable.popleft()

    async def _publish_failed(self, exc: Exception, attempt: int) -> None:
        self._stats.publish_errors += 1
        log.warning("durable event not stored yet (%d waiting): %r", len(self._durable), exc)
        await asyncio.sleep(_RETRY.delay(attempt, self._rng))
        if isinstance(exc, NoStreamResponseError):  # a server that lost its store
            with contextlib.suppress(NatsError, TimeoutError):
                await self._ensure_stream()

    async def _send_live(self, nc: Client) -> None:
        while True:
            if not self._live:
                self._wake_live.clear()
                await self._wake_live.wait()
                continue
            item = self._live.popleft()
            try:
                # While reconnecting, nats-py keeps it in its own bounded buffer till it is back.
                await nc.publish(item.subject, item.data, headers=item.headers)
            except NatsError as exc:
                self._stats.dropped += 1
                log.warning("live event %s dropped: %r", item.subject, exc)
            else:
                self._stats.sent += 1
