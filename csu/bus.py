"""In-process typed event bus: one queue and one consumer task per subscription."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

from csu.events import Event, current_context

logger = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)

_State = Literal["new", "running", "stopped"]


class EventSource(Protocol):
    """What a handler subscribes to: the bus, or the exactly-one consumer of a cluster's group
    of nodes (csu.bus_nats_group), where one node alone must act on each event."""

    def subscribe(
        self,
        event_type: type[E],
        handler: Callable[[E], Awaitable[None] | None],
        *,
        name: str | None = None,
    ) -> object:
        """Deliver every event that is an instance of `event_type` to `handler`."""
        ...


@dataclass(eq=False)
class _Subscription:
    """One subscriber: what it listens to, its private queue and its consumer task."""

    event_type: type[Event]
    handler: Callable[[Any], Awaitable[None] | None]
    name: str
    queue: asyncio.Queue[Event] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None
    active: bool = True


def _handler_name(handler: Callable[..., object]) -> str:
    module = getattr(handler, "__module__", None) or "?"
    qualname = getattr(handler, "__qualname__", None) or repr(handler)
    return f"{module}.{qualname}"


class EventBus:
    """Delivers each published event to every subscription whose type it is an instance of.

    Each subscription has its own queue and consumer task, so a slow subscriber never
    delays another and every subscriber sees events in publish order. Async handlers are
    awaited; sync handlers are called directly on the event loop, so they must be quick
    (hand slow or blocking work to a thread yourself). While a handler runs,
    ``current_context`` holds the event's context, so events it publishes are its children.
    """

    def __init__(self) -> None:
        self.handler_errors = 0
        self._subscriptions: list[_Subscription] = []
        self._state: _State = "new"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        # Events queued or being handled; drain() waits for it to reach zero.
        self._outstanding = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def running(self) -> bool:
        """Whether start() has run and stop() has not."""
        return self._state == "running"

    def subscribe(
        self,
        event_type: type[E],
        handler: Callable[[E], Awaitable[None] | None],
        *,
        name: str | None = None,
    ) -> Callable[[], None]:
        """Deliver every event that is an instance of ``event_type``; returns an unsubscribe."""
        sub = _Subscription(event_type, handler, name or _handler_name(handler))
        self._subscriptions.append(sub)
        if self._state == "running":
            self._spawn(sub)
        return lambda: self._unsubscribe(sub)

    def publish(self, event: Event) -> None:
        """Queue ``event`` for every matching subscriber; call only from the loop thread."""
        if self._state == "stopped":
            logger.debug("bus stopped; dropping event %s", event.topic)
            return
        if self._loop_thread is not None and threading.get_ident() != self._loop_thread:
            raise RuntimeError(
                "EventBus.publish called off the loop thread; use publish_threadsafe"
            )
        for sub in self._subscriptions:
            if sub.active and isinstance(event, sub.event_type):
                sub.queue.put_nowait(event)
                self._track(1)

    def publish_here(self, event: Event) -> None:
        """Deliver `event` to this process's subscribers only, even on a cluster's bus: news
        each node learns for itself (a camera no worker serves) must not echo between them."""
        EventBus.publish(self, event)

    def publish_threadsafe(self, event: Event) -> None:
        """Publish from another thread (ingest workers); the event is queued on the loop."""
        if self._loop is None:
            raise RuntimeError("EventBus.publish_threadsafe called before start()")
        if self._state == "stopped":
            logger.debug("bus stopped; dropping event %s", event.topic)
            return
        try:
            self._loop.call_soon_threadsafe(self.publish, event)
        except RuntimeError:
            # The loop closed between our check and the call: same as publishing after stop.
            logger.debug("event loop closed; dropping event %s", event.topic)

    def pending(self) -> int:
        """Events waiting in subscriber queues (not counting those being handled)."""
        return sum(sub.queue.qsize() for sub in self._subscriptions)

    async def start(self) -> None:
        """Bind to the running loop and start a consumer for every subscription."""
        if self._state == "stopped":
            raise RuntimeError("a stopped EventBus cannot be restarted")
        if self._state == "running":
            return
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._state = "running"
        for sub in self._subscriptions:
            self._spawn(sub)

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait until every queue is empty and no handler is running; TimeoutError if not."""
        # One loop turn first, so publish_threadsafe calls made before drain() are counted.
        await asyncio.sleep(0)
        async with asyncio.timeout(timeout):
            await self._idle.wait()

    async def stop(self, drain_timeout: float = 1.0) -> None:
        """Drain briefly, then cancel every consumer; later publishes are dropped."""
        if self._state == "running":
            try:
                await self.drain(drain_timeout)
            except TimeoutError:
                logger.warning("bus stopping with %d events unhandled", self._outstanding)
        self._state = "stopped"
        tasks = [sub.task for sub in self._subscriptions if sub.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for sub in self._subscriptions:
            sub.active = False
            sub.task = None
            self._discard_queue(sub)
        self._outstanding = 0
        self._idle.set()

    def _spawn(self, sub: _Subscription) -> None:
        sub.task = asyncio.get_running_loop().create_task(
            self._consume(sub), name=f"bus:{sub.name}"
        )

    def _unsubscribe(self, sub: _Subscription) -> None:
        if not sub.active:
            return
        sub.active = False
        with contextlib.suppress(ValueError):
            self._subscriptions.remove(sub)
        self._discard_queue(sub)
        # A handler unsubscribing itself must not be cancelled mid-run; its loop sees
        # `active` turn false and ends after the handler returns.
        if sub.task is not None and sub.task is not asyncio.current_task():
            sub.task.cancel()

    def _discard_queue(self, sub: _Subscription) -> None:
        while not sub.queue.empty():
            sub.queue.get_nowait()
            self._track(-1)

    def _track(self, delta: int) -> None:
        self._outstanding = max(0, self._outstanding + delta)
        if self._outstanding:
            self._idle.clear()
        else:
            self._idle.set()

    async def _consume(self, sub: _Subscription) -> None:
        while sub.active:
            event = await sub.queue.get()
            try:
                await self._dispatch(sub, event)
            finally:
                self._track(-1)

    async def _dispatch(self, sub: _Subscription, event: Event) -> None:
        try:
            await call_handler(sub.handler, event)
        except Exception:
            self.handler_errors += 1
            logger.exception("subscriber %s failed on event %s", sub.name, event.topic)


async def call_handler(handler: Callable[[Any], Awaitable[None] | None], event: Event) -> None:
    """Run one handler on `event` under the event's context; its exceptions propagate."""
    token = current_context.set(event.context)
    try:
        result = handler(event)
        if inspect.isawaitable(result):
            await result
    finally:
        current_context.reset(token)
