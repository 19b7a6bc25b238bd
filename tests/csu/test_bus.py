"""The event bus delivers typed events in order, isolates subscribers and links causes."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from typing import ClassVar

import pytest

from csu.bus import EventBus
from csu.events import Context, Event, current_context


class DoorEvent(Event, abstract=True):
    """Abstract parent: subscribing to it receives both door events."""

    door: str


class DoorOpened(DoorEvent):
    topic: ClassVar[str] = "test.door_opened"


class DoorForced(DoorEvent):
    topic: ClassVar[str] = "test.door_forced"


class Numbered(Event):
    topic: ClassVar[str] = "test.numbered"
    seq: int


class AlarmRaised(Event):
    topic: ClassVar[str] = "test.alarm_raised"
    reason: str


@pytest.fixture
async def bus() -> AsyncIterator[EventBus]:
    event_bus = EventBus()
    await event_bus.start()
    yield event_bus
    await event_bus.stop()


def test_concrete_event_without_topic_is_refused() -> None:
    with pytest.raises(TypeError, match="topic"):

        class Untitled(Event):
            value: int


def test_abstract_events_cannot_be_instantiated() -> None:
    with pytest.raises(TypeError, match="abstract"):
        DoorEvent(door="north")


def test_context_child_links_to_parent_and_inherits_user() -> None:
    root = Context.new(user="alice")
    child = root.child()
    assert root.parent_id is None and root.correlation_id == root.id
    assert child.parent_id == root.id
    assert child.correlation_id == root.correlation_id
    assert child.user == "alice"
    assert root.child(user="bob").user == "bob"


def test_event_outside_a_handler_gets_a_root_context() -> None:
    first, second = Numbered(seq=1), Numbered(seq=2)
    assert first.context.parent_id is None
    assert first.context.correlation_id != second.context.correlation_id


def test_event_created_under_a_context_becomes_its_child() -> None:
    cause = Context.new(user="carol")
    token = current_context.set(cause)
    try:
        effect = Numbered(seq=1)
    finally:
        current_context.reset(token)
    assert effect.context.parent_id == cause.id
    assert effect.context.correlation_id == cause.correlation_id
    assert effect.context.user == "carol"


async def test_typed_delivery_and_base_class_subscription(bus: EventBus) -> None:
    opened: list[DoorOpened] = []
    doors: list[DoorEvent] = []
    everything: list[Event] = []
    bus.subscribe(DoorOpened, opened.append)
    bus.subscribe(DoorEvent, doors.append)
    bus.subscribe(Event, everything.append)

    events = [DoorOpened(door="a"), DoorForced(door="b"), Numbered(seq=1)]
    for event in events:
        bus.publish(event)
    await bus.drain()

    assert opened == [events[0]]
    assert doors == events[:2]
    assert everything == events


async def test_subscriptions_made_before_start_get_events_published_before_start() -> None:
    event_bus = EventBus()
    seen: list[int] = []
    event_bus.subscribe(Numbered, lambda e: seen.append(e.seq))
    event_bus.publish(Numbered(seq=1))
    assert event_bus.pending() == 1
    await event_bus.start()
    event_bus.publish(Numbered(seq=2))
    await event_bus.drain()
    assert seen == [1, 2]
    assert event_bus.pending() == 0
    await event_bus.stop()


async def test_unsubscribe_stops_delivery_and_is_idempotent(bus: EventBus) -> None:
    seen: list[int] = []
    unsubscribe = bus.subscribe(Numbered, lambda e: seen.append(e.seq))
    bus.publish(Numbered(seq=1))
    await bus.drain()
    unsubscribe()
    unsubscribe()
    bus.publish(Numbered(seq=2))
    await bus.drain()
    assert seen == [1]


async def test_handler_may_unsubscribe_itself(bus: EventBus) -> None:
    seen: list[int] = []

    async def once(event: Numbered) -> None:
        unsubscribe()
        await asyncio.sleep(0)  # still running after unsubscribing: not cancelled
        seen.append(event.seq)

    unsubscribe = bus.subscribe(Numbered, once)
    bus.publish(Numbered(seq=1))
    bus.publish(Numbered(seq=2))
    await bus.drain()
    assert seen == [1]


async def test_failing_subscriber_is_isolated_and_counted(
    bus: EventBus, caplog: pytest.LogCaptureFixture
) -> None:
    good: list[int] = []
    survived: list[int] = []

    async def flaky(event: Numbered) -> None:
        if event.seq == 1:
            raise RuntimeError("camera offline")
        survived.append(event.seq)

    bus.subscribe(Numbered, flaky, name="flaky-handler")
    bus.subscribe(Numbered, lambda e: good.append(e.seq))
    with caplog.at_level(logging.ERROR, logger="csu.bus"):
        for seq in (1, 2, 3):
            bus.publish(Numbered(seq=seq))
        await bus.drain()

    assert good == [1, 2, 3]
    assert survived == [2, 3]
    assert bus.handler_errors == 1
    [record] = [r for r in caplog.records if r.name == "csu.bus"]
    assert "flaky-handler" in record.getMessage()
    assert "test.numbered" in record.getMessage()
    assert record.exc_info is not None


async def test_slow_subscriber_does_not_delay_fast_one(bus: EventBus) -> None:
    release_slow = asyncio.Event()
    fast_done = asyncio.Event()
    fast_seen: list[int] = []
    slow_seen: list[int] = []

    async def slow(event: Numbered) -> None:
        await release_slow.wait()
        slow_seen.append(event.seq)

    def fast(event: Numbered) -> None:
        fast_seen.append(event.seq)
        if len(fast_seen) == 3:
            fast_done.set()

    bus.subscribe(Numbered, slow)
    bus.subscribe(Numbered, fast)
    for seq in (1, 2, 3):
        bus.publish(Numbered(seq=seq))

    # The slow handler is blocked on its first event; the fast one must still finish all three.
    await asyncio.wait_for(fast_done.wait(), timeout=2)
    assert slow_seen == []
    assert bus.pending() == 2  # the slow subscriber's two queued events
    release_slow.set()
    await bus.drain()
    assert slow_seen == [1, 2, 3]


async def test_order_is_preserved_per_subscriber(bus: EventBus) -> None:
    async_seen: list[int] = []
    sync_seen: list[int] = []

    async def yielding(event: Numbered) -> None:
        # Yield to the loop on every event so interleaving would show if it broke order.
        await asyncio.sleep(0)
        async_seen.append(event.seq)

    bus.subscribe(Numbered, yielding)
    bus.subscribe(Numbered, lambda e: sync_seen.append(e.seq))
    for seq in range(200):
        bus.publish(Numbered(seq=seq))
    await bus.drain()
    assert async_seen == list(range(200))
    assert sync_seen == list(range(200))


async def test_events_published_by_a_handler_are_children_of_the_cause(bus: EventBus) -> None:
    alarms: list[AlarmRaised] = []

    async def on_forced(event: DoorForced) -> None:
        await asyncio.sleep(0)  # the context must survive an await inside the handler
        bus.publish(AlarmRaised(reason=f"door {event.door} forced"))

    bus.subscribe(DoorForced, on_forced)
    bus.subscribe(AlarmRaised, alarms.append)
    cause = DoorForced(door="east", context=Context.new(user="operator"))
    bus.publish(cause)
    await bus.drain()

    [alarm] = alarms
    assert alarm.context.parent_id == cause.context.id
    assert alarm.context.correlation_id == cause.context.correlation_id
    assert alarm.context.user == "operator"
    assert current_context.get() is None  # reset after the handler, never leaks out


async def test_publish_threadsafe_from_a_worker_thread(bus: EventBus) -> None:
    seen: list[tuple[int, str]] = []
    bus.subscribe(Numbered, lambda e: seen.append((e.seq, threading.current_thread().name)))

    def worker() -> None:
        for seq in range(50):
            bus.publish_threadsafe(Numbered(seq=seq))

    thread = threading.Thread(target=worker, name="ingest-worker")
    thread.start()
    await asyncio.to_thread(thread.join)
    await bus.drain()

    assert [seq for seq, _ in seen] == list(range(50))
    # Handlers still run on the loop thread, never on the publishing worker.
    assert {name for _, name in seen} == {threading.current_thread().name}


async def test_publish_off_the_loop_thread_is_refused(bus: EventBus) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            bus.publish(Numbered(seq=1))
        except RuntimeError as exc:
            errors.append(exc)

    await asyncio.to_thread(worker)
    assert len(errors) == 1 and "publish_threadsafe" in str(errors[0])


async def test_stop_drains_then_later_publish_is_harmless(
    caplog: pytest.LogCaptureFixture,
) -> None:
    event_bus = EventBus()
    seen: list[int] = []

    async def handler(event: Numbered) -> None:
        await asyncio.sleep(0)
        seen.append(event.seq)

    event_bus.subscribe(Numbered, handler)
    await event_bus.start()
    event_bus.publish(Numbered(seq=1))
    await event_bus.stop()
    assert seen == [1]  # stop() drained the queued event first

    with caplog.at_level(logging.DEBUG, logger="csu.bus"):
        event_bus.publish(Numbered(seq=2))
        event_bus.publish_threadsafe(Numbered(seq=3))
    await asyncio.sleep(0)
    assert seen == [1]
    assert event_bus.pending() == 0
    assert any("dropping event test.numbered" in r.getMessage() for r in caplog.records)
    await event_bus.drain(timeout=0.1)


async def test_stop_cancels_a_handler_that_never_returns() -> None:
    event_bus = EventBus()
    started = asyncio.Event()

    async def stuck(event: Numbered) -> None:
        started.set()
        await asyncio.Event().wait()

    event_bus.subscribe(Numbered, stuck)
    await event_bus.start()
    event_bus.publish(Numbered(seq=1))
    await asyncio.wait_for(started.wait(), timeout=2)
    await asyncio.wait_for(event_bus.stop(drain_timeout=0.05), timeout=2)
    assert not event_bus.running
    assert event_bus.handler_errors == 0  # cancellation is not a handler failure


async def test_drain_times_out_while_a_handler_is_busy(bus: EventBus) -> None:
    release = asyncio.Event()

    async def blocked(event: Numbered) -> None:
        await release.wait()

    bus.subscribe(Numbered, blocked)
    bus.publish(Numbered(seq=1))
    with pytest.raises(TimeoutError):
        await bus.drain(timeout=0.05)
    release.set()
    await bus.drain()
