"""Exactly-one processing of durable events across a group of nodes (the incident engine's).

A group is one JetStream durable consumer shared by name: whichever node holds the group's role
pulls it, and each event is handled once in the group, not once per node. It is acknowledged
after its handlers returned, and redelivered (after a short backoff) when one raised, up to
`max_deliver` times, then given up and logged. The consumer lets one event out at a time
(`max_ack_pending=1`): events are handled in stream order even while a failed one waits for its
redelivery, and two nodes pulling during a handover never handle two events at once.
Handlers must tolerate a second delivery (an acknowledgement lost with the connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from nats.aio.msg import Msg

from csu.backoff import Backoff
from csu.bus import call_handler
from csu.bus_nats_pull import PullLoop
from csu.events import Event

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
Handler = Callable[[Any], Awaitable[None] | None]

_REDELIVERY = Backoff(initial_s=0.5, maximum_s=10.0)


class GroupConsumer:
    """Handles each durable event once in its group while started; see the module docstring."""

    def __init__(
        self,
        name: str,
        *,
        make_loop: Callable[[Callable[[Msg], Awaitable[None]]], PullLoop],
        read: Callable[[Msg], Event | None],
        max_deliver: int,
        ack_wait_s: float,
    ) -> None:
        self.name = name
        self.handled = 0
        self.failures = 0
        self.abandoned = 0
        self._make_loop = make_loop
        self._read = read
        self._max_deliver = max_deliver
        self._ack_wait_s = ack_wait_s
        self._handlers: list[tuple[type[Event], Handler]] = []
        self._loop: PullLoop | None = None
        self._rng = random.Random()

    @property
    def active(self) -> bool:
        """Whether this node pulls the group's events now."""
        return self._loop is not None

    def subscribe(
        self,
        event_type: type[E],
        handler: Callable[[E], Awaitable[None] | None],
        *,
        name: str | None = None,
    ) -> None:
        """Handle every durable event that is an instance of `event_type` (in this group);
        `name` is taken as EventBus.subscribe takes it, and unused: failures name the event."""
        if event_type.reach != "durable" and not event_type.abstract_event:
            raise ValueError(f"{event_type.__qualname__} is {event_type.reach}, not durable")
        self._handlers.append((event_type, handler))

    async def start(self) -> None:
        """Start pulling: call when this node takes the group's role (creates the consumer)."""
        if self._loop is not None:
            return
        loop = self._make_loop(self._handle)
        await loop.start()
        self._loop = loop

    async def stop(self) -> None:
        """Stop pulling: call when this node gives the role up; the event in hand finishes."""
        loop, self._loop = self._loop, None
        if loop is not None:
            await loop.stop()

    async def _handle(self, msg: Msg) -> None:
        event = self._read(msg)
        if event is None:
            await msg.term()  # refused and counted by the bus: no redelivery can mend it
            return
        handlers = [h for t, h in self._handlers if isinstance(event, t)]
        try:
            async with self._in_progress(msg):
                for handler in handlers:
                    await call_handler(handler, event)
        except Exception:
            await self._failed(msg, event)
            return
        if handlers:
            self.handled += 1
        await msg.ack()

    async def _failed(self, msg: Msg, event: Event) -> None:
        self.failures += 1
        delivered = msg.metadata.num_delivered or 1
        if delivered >= self._max_deliver:
            self.abandoned += 1
            log.exception(
                "group %s: %s %s failed %d times; given up",
                self.name, event.topic, event.context.id, delivered,
            )  # fmt: skip
            await msg.term()
            return
        log.exception(
            "group %s: %s %s failed (delivery %d of %d); redelivered",
            self.name, event.topic, event.context.id, delivered, self._max_deliver,
        )  # fmt: skip
        await msg.nak(delay=_REDELIVERY.delay(delivered - 1, self._rng))

    def _beat_s(self) -> float:
        # The consumer's ack wait as the server holds it: the node that made the consumer may
        # have been configured differently from this one.
        held = self._loop.ack_wait_s if self._loop is not None else None
        return held or self._ack_wait_s

    @contextlib.asynccontextmanager
    async def _in_progress(self, msg: Msg) -> AsyncIterator[None]:
        # A handler slower than the ack wait would see its event redelivered to the group while
        # it still runs; "in progress" resets the server's clock.
        async def tick() -> None:
            while True:
                await asyncio.sleep(self._beat_s() / 3)
                with contextlib.suppress(Exception):
                    await msg.in_progress()

        ticker = asyncio.create_task(tick(), name=f"bus-group:{self.name}:in-progress")
        try:
            yield
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
