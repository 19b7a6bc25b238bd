"""A group consumer: each durable event handled once in the group, by the node holding the role."""

from __future__ import annotations

import asyncio

import nats

from csu.events import Event
from tests.csu.bus_nats_helpers import analytics, node, status, until
from tests.nats_server import NatsServer
from video.analytics.events import VideoAnalyticsEvent


class Engine:
    """A handler that records every call and fails the first calls for chosen events."""

    def __init__(self, fail: dict[str, int] | None = None) -> None:
        self.calls: list[str] = []
        self.done: list[VideoAnalyticsEvent] = []
        self._fail = dict(fail or {})

    async def handle(self, event: VideoAnalyticsEvent) -> None:
        self.calls.append(event.event_id)
        if self._fail.get(event.event_id, 0) > 0:
            self._fail[event.event_id] -= 1
            raise RuntimeError(f"database away while handling {event.event_id}")
        await asyncio.sleep(0)
        self.done.append(event)


def ids(events: list[Event]) -> list[str]:
    """The analytics event ids among `events`, in order."""
    return [e.event_id for e in events if isinstance(e, VideoAnalyticsEvent)]


async def test_each_event_is_handled_once_by_the_role_holder(nats_server: NatsServer) -> None:
    url = nats_server.url
    async with node(url, "api-1") as a, node(url, "api-2") as b, node(url, "worker-1") as w:
        engine_a, engine_b = Engine(fail={"ev-2": 1}), Engine()
        group_a, group_b = a.bus.group("engine"), b.bus.group("engine")
        group_a.subscribe(VideoAnalyticsEvent, engine_a.handle)
        group_b.subscribe(VideoAnalyticsEvent, engine_b.handle)
        await group_a.start()  # api-1 holds the engine role
        sent = [analytics(n) for n in range(5)]
        for event in sent:
            w.bus.publish(event)
        w.bus.publish(status("cam-1"))  # no handler in the group: acknowledged, skipped
        await until(lambda: len(engine_a.done) == 5, what="the group handled five")
        # One at a time in stream order: ev-3 waited for ev-2's redelivery.
        assert engine_a.calls == ["ev-0", "ev-1", "ev-2", "ev-2", "ev-3", "ev-4"]
        own = analytics(5)
        a.bus.publish(own)  # the holder's own events are the group's too
        await until(lambda: len(engine_a.done) == 6, what="the group handled its own")
        assert engine_a.done == [*sent, own]  # typed payloads equal to what was published
        assert (group_a.handled, group_a.failures, group_a.abandoned) == (6, 1, 0)

        await group_a.stop()  # the role moves to api-2
        await group_b.start()
        later = [analytics(n) for n in (6, 7)]
        for event in later:
            w.bus.publish(event)
        await until(lambda: len(engine_b.done) == 2, what="the new holder handles what is new")
        await asyncio.sleep(0.5)
        assert engine_b.done == later  # nothing handled before is handled again
        assert len(engine_a.calls) == 7 and engine_b.calls == ["ev-6", "ev-7"]
        # Every node still sees every event through its own consumer, as subscribers do.
        await until(lambda: len(ids(b.seen)) == 8, what="api-2's subscribers see all")
        assert ids(b.seen) == [f"ev-{n}" for n in range(8)]


async def test_an_event_that_keeps_failing_is_given_up(nats_server: NatsServer) -> None:
    async with node(nats_server.url, "api-1", group_max_deliver=2) as a:
        engine = Engine(fail={"ev-0": 99})
        group = a.bus.group("engine")
        group.subscribe(VideoAnalyticsEvent, engine.handle)
        await group.start()
        a.bus.publish(analytics(0))
        a.bus.publish(analytics(1))
        await until(lambda: len(engine.done) == 1, what="the next event after giving up")
        assert engine.calls == ["ev-0", "ev-0", "ev-1"]
        assert (group.handled, group.failures, group.abandoned) == (1, 2, 1)


async def test_the_group_skips_a_hostile_message(nats_server: NatsServer) -> None:
    raw = await nats.connect(nats_server.url)
    try:
        async with node(nats_server.url, "api-1") as a:
            engine = Engine()
            group = a.bus.group("engine")
            group.subscribe(VideoAnalyticsEvent, engine.handle)
            await group.start()
            js = raw.jetstream()
            await js.publish("csu.events.video.analytics", b'{"event_id": "\\ud800"}')
            good = analytics(3)
            await js.publish("csu.events.video.analytics", good.model_dump_json().encode())
            await until(lambda: len(engine.done) == 1, what="the good one handled")
            assert engine.done == [good] and engine.calls == ["ev-3"]
            # Refused twice: by the node's own consumer and by the group's.
            await until(lambda: a.bus.stats.rejected == 2, what="both refusals counted")
    finally:
        await raw.close()


async def test_a_slow_handler_keeps_its_event_from_the_other_puller(
    nats_server: NatsServer,
) -> None:
    url = nats_server.url
    async with node(url, "api-1", group_ack_wait_s=2.0) as a, node(url, "api-2") as b:
        calls: list[str] = []

        async def slow(event: VideoAnalyticsEvent) -> None:
            calls.append(event.event_id)
            await asyncio.sleep(4.5)  # past the ack wait: "in progress" keeps it with its node

        groups = [a.bus.group("engine"), b.bus.group("engine")]
        for group in groups:  # both pull, as during a handover
            group.subscribe(VideoAnalyticsEvent, slow)
            await group.start()
        a.bus.publish(analytics(0))
        await until(lambda: sum(g.handled for g in groups) == 1, what="the slow handler done")
        await asyncio.sleep(2.5)
        assert calls == ["ev-0"] and sum(g.failures for g in groups) == 0


async def test_a_node_configured_otherwise_beats_at_the_consumers_ack_wait(
    nats_server: NatsServer,
) -> None:
    # api-1 made the consumer with a 2 s ack wait; api-2, configured with 30 s, binds to it as
    # it is and must say "in progress" within 2 s, or its own slow event comes back to it.
    url = nats_server.url
    async with node(url, "api-1", group_ack_wait_s=2.0) as a, node(url, "api-2") as b:
        maker = a.bus.group("engine")
        await maker.start()
        await maker.stop()
        calls: list[str] = []

        async def slow(event: VideoAnalyticsEvent) -> None:
            calls.append(event.event_id)
            await asyncio.sleep(4.5)

        group = b.bus.group("engine")
        group.subscribe(VideoAnalyticsEvent, slow)
        await group.start()
        a.bus.publish(analytics(0))
        await until(lambda: group.handled == 1, what="the slow handler done")
        await asyncio.sleep(2.5)
        assert calls == ["ev-0"] and group.failures == 0
