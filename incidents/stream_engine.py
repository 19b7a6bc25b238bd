"""The leader's side of the alarm stream: its incident engine reads the stream through one durable
pull consumer and acknowledges each payload once its raw row is committed.

Messages go to the engine in stream order without waiting (the engine batches them); the
consumer's `max_ack_pending` bounds what the engine holds unacknowledged. The engine's writer
thread reports each payload stored (`on_stored`), and the event loop acknowledges what was
reported, a batch at a time. A payload the engine has not stored is never acknowledged: if the
leader dies, it is delivered again, to the next leader.

Taking the lead makes the consumer anew (`start`): on a work-queue stream whatever is not
acknowledged is still in the stream, and a new consumer delivers it at once, where the old one
would have waited for the dead leader's acknowledgement time to pass. What was stored but not yet
acknowledged comes back too; the engine knows it by its intake id and only acknowledges it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError

from csu.bus_nats_pull import PullLoop, PullTarget
from incidents.parsing import Submission
from incidents.stream import StreamSettings, ensure_stream, unpack

log = logging.getLogger(__name__)

Feed = Callable[[Submission], None]
_CONNECTED_POLL_S = 0.1


class StreamConsumer:
    """Feeds the alarm stream to an engine and acknowledges what it stored; see the module."""

    def __init__(self, client: Client, settings: StreamSettings, feed: Feed) -> None:
        self.settings = settings
        self._client = client
        self._js = client.jetstream()
        self._feed = feed
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pull: PullLoop | None = None
        self._lock = threading.Lock()
        self._stored: list[Msg] = []
        self._ack_due = False
        self._acks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Make the consumer anew and start feeding the engine from it."""
        self._loop = asyncio.get_running_loop()
        await ensure_stream(self._js, self.settings)
        with contextlib.suppress(NotFoundError):
            await self._js.delete_consumer(self.settings.stream, self.settings.consumer)
        self._pull = PullLoop(
            self._js,
            self._target(),
            handle=self._handle,
            ensure_stream=partial(ensure_stream, self._js, self.settings),
            wait_connected=self._wait_connected,
        )
        await self._pull.start()

    async def stop(self) -> None:
        """Stop fetching; the consumer stays on the server for the next leader."""
        if self._pull is not None:
            await self._pull.stop()
            self._pull = None

    async def settle(self) -> None:
        """Send the acknowledgements of what the engine reported stored (after it stopped)."""
        self._ack_stored()
        if self._acks:
            await asyncio.gather(*self._acks, return_exceptions=True)

    def _target(self) -> PullTarget:
        s = self.settings
        config = ConsumerConfig(
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=s.ack_wait_s,
            max_ack_pending=s.max_ack_pending,
            max_deliver=-1,  # never given up: an alarm acknowledged to its sender is never lost
        )
        return PullTarget(s.stream, s.consumer, f"{s.prefix}.>", config, batch=s.fetch_batch)

    async def _wait_connected(self) -> None:
        while not self._client.is_connected:
            await asyncio.sleep(_CONNECTED_POLL_S)

    async def _handle(self, msg: Msg) -> None:
        submission = unpack(msg.data)
        self._feed(replace(submission, on_stored=partial(self._on_stored, msg)))

    def _on_stored(self, msg: Msg) -> None:
        # The engine's writer thread, once per payload committed: the loop acknowledges them.
        with self._lock:
            self._stored.append(msg)
            if self._ack_due or self._loop is None:
                return
            self._ack_due = True
        self._loop.call_soon_threadsafe(self._ack_stored)

    def _ack_stored(self) -> None:
        with self._lock:
            stored, self._stored = self._stored, []
            self._ack_due = False
        if stored:
            task = asyncio.create_task(self._ack(stored), name="alarm-stream:ack")
            self._acks.add(task)
            task.add_done_callback(self._acks.discard)

    async def _ack(self, stored: list[Msg]) -> None:
        for msg in stored:
            try:
                await msg.ack()
            except NatsError as exc:  # lost with the connection: delivered again, known then
                log.warning("alarm stream: acknowledgement not sent: %s", exc)


async def lag(js: JetStreamContext, settings: StreamSettings) -> int:
    """Payloads waiting for the engine or not yet acknowledged by it, as the server counts."""
    info = await js.consumer_info(settings.stream, settings.consumer)
    return int(info.num_pending or 0) + int(info.num_ack_pending or 0)
