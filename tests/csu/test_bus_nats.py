"""Two nodes on one private NATS server share live and durable events, and nothing local."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path

import nats
import pytest
from nats.aio.msg import Msg

from csu.bus_nats import NatsBusConfig, NatsEventBus, nats_bus_metrics
from csu.events import Event
from csu.metrics import Metrics
from tests.csu.bus_nats_helpers import (
    analytics,
    layout,
    login,
    node,
    rights_ended,
    status,
    until,
)
from tests.nats_server import NatsServer, private_nats
from video.analytics.events import VideoAnalyticsEvent


async def test_two_nodes_exchange_typed_events_without_echo(nats_server: NatsServer) -> None:
    async with node(nats_server.url, "api-1") as a, node(nats_server.url, "worker-1") as b:
        sent = [status("cam-1"), analytics(1), layout(3), rights_ended("op"), login("op")]
        for event in sent:
            a.bus.publish(event)
        await until(lambda: len(b.seen) == 4, what="B receives the four that travel")
        # Each channel keeps its order; a live event may overtake a durable one.
        assert [e for e in b.seen if e.reach == "durable"] == sent[:2]
        assert [e for e in b.seen if e.reach == "live"] == sent[2:4]
        reply = status("cam-9", now="online")
        b.bus.publish(reply)
        await until(lambda: reply in a.seen, what="A receives B's event")
        await asyncio.sleep(0.5)  # room for an echo to arrive, if one were sent back
        assert a.seen == [*sent, reply]  # its own once, locally; B's once; nothing twice
        assert b.seen[-1] == reply and len(b.seen) == 5
        assert (a.bus.stats.received, b.bus.stats.received) == (1, 4)
        assert a.bus.stats.sent == 4 and a.bus.stats.rejected == 0


async def test_local_events_never_leave_the_process(nats_server: NatsServer) -> None:
    watcher = await nats.connect(nats_server.url)
    on_wire: list[Msg] = []
    await watcher.subscribe("csu.>", cb=_append_to(on_wire))
    await watcher.flush()
    try:
        async with node(nats_server.url, "api-1") as a:
            a.bus.publish(login("op"))
            a.bus.publish(rights_ended("op"))
            await a.bus.flush()
            await until(lambda: len(on_wire) == 1, what="the live event on the wire")
            await asyncio.sleep(0.3)
            assert [m.subject for m in on_wire] == ["csu.live.identity.rights_ended"]
            assert json.loads(on_wire[0].data)["username"] == "op"
            assert on_wire[0].headers == {"Csu-Node": "api-1"}
            assert [e.topic for e in a.seen] == [
                "identity.login_succeeded",
                "identity.rights_ended",
            ]
    finally:
        await watcher.close()


async def test_a_restarted_node_catches_up_on_durable_events_only(
    nats_server: NatsServer,
) -> None:
    async with node(nats_server.url, "worker-1") as b:
        pass  # its durable consumer now exists; the node is away from here on
    async with node(nats_server.url, "api-1") as a:
        missed = [status("cam-1"), analytics(7)]
        for event in missed:
            a.bus.publish(event)
        a.bus.publish(layout(9))  # live: lost for a node that is away
        a.bus.publish(missed[0])  # the same event again: JetStream drops it by its message id
        await a.bus.flush()
        async with node(nats_server.url, "worker-1") as b:
            await until(lambda: len(b.seen) == 2, what="B catches up")
            await asyncio.sleep(0.5)
            assert b.seen == missed
        async with node(nats_server.url, "worker-1") as b:
            await asyncio.sleep(1.0)
            assert b.seen == []  # acknowledged once, never again


async def test_events_published_while_nats_is_down_arrive_after_it_is_back(
    tmp_path: Path,
) -> None:
    with ExitStack() as servers:
        server = servers.enter_context(private_nats(tmp_path / "nats"))
        async with node(server.url, "worker-1") as a, node(server.url, "api-1") as b:
            metrics = Metrics()
            metrics.add_collector(lambda: nats_bus_metrics(a.bus))
            servers.close()  # the server stops; its store stays
            await until(lambda: a.bus.connection == "reconnecting", what="A sees the outage")
            assert b'csu_bus_nats_connection{state="reconnecting"} 1.0' in metrics.render()
            during = [status(f"cam-{n}") for n in range(5)]
            for event in during:
                a.bus.publish(event)
            await a.bus.drain()
            assert a.seen == during  # local subscribers do not wait for NATS
            assert a.bus.outbox_size() == 5
            await asyncio.sleep(0.5)
            assert b.seen == []
            servers.enter_context(private_nats(tmp_path / "nats", server.port))
            await until(lambda: b.seen == during, timeout=30, what="the outbox delivered")
            assert a.bus.outbox_size() == 0 and a.bus.connection == "connected"
            text = metrics.render()
            assert b'csu_bus_nats_connection{state="connected"} 1.0' in text
            assert b'csu_bus_nats_events_total{outcome="sent"} 5.0' in text


async def test_a_server_that_lost_its_store_gets_stream_and_consumers_again(
    tmp_path: Path,
) -> None:
    with ExitStack() as servers:
        server = servers.enter_context(private_nats(tmp_path / "one"))
        async with node(server.url, "worker-1") as a, node(server.url, "api-1") as b:
            engine: list[Event] = []
            group = b.bus.group("engine")
            group.subscribe(VideoAnalyticsEvent, engine.append)
            await group.start()
            servers.close()
            await until(lambda: a.bus.connection == "reconnecting", what="the outage")
            servers.enter_context(private_nats(tmp_path / "two", server.port))  # a blank store
            after = [status("cam-1"), analytics(1)]
            for event in after:
                a.bus.publish(event)
            await until(lambda: b.seen == after, timeout=30, what="B's consumer made again")
            await until(lambda: engine == after[1:], what="the group's consumer made again")
            assert a.bus.stats.publish_errors >= 1  # the first send found no stream


async def test_a_full_outbox_drops_the_oldest_and_counts(tmp_path: Path) -> None:
    with ExitStack() as servers:
        server = servers.enter_context(private_nats(tmp_path / "nats"))
        async with (
            node(server.url, "worker-1", outbox_limit=3) as a,
            node(server.url, "api-1") as b,
        ):
            servers.close()
            await until(lambda: a.bus.connection == "reconnecting", what="the outage")
            events = [status(f"cam-{n}") for n in range(5)]
            for event in events:
                a.bus.publish(event)
            assert a.bus.outbox_size() == 3 and a.bus.stats.dropped == 2
            servers.enter_context(private_nats(tmp_path / "nats", server.port))
            await until(lambda: len(b.seen) == 3, timeout=30, what="the newest three")
            assert b.seen == events[2:]


async def test_hostile_messages_are_counted_and_skipped(nats_server: NatsServer) -> None:
    raw = await nats.connect(nats_server.url)
    try:
        async with node(nats_server.url, "api-1") as b:
            good_live, good_durable = layout(1), status("cam-1")
            hostile = [
                ("csu.live.crisis.wall_layout", b"{not json"),
                ("csu.live.no.such.topic", b"{}"),
                ("csu.live.identity.login_succeeded", login("op").model_dump_json().encode()),
                ("csu.live.video.camera_status", good_durable.model_dump_json().encode()),
                ("csu.live.crisis.wall_layout", _with(good_live, wall_id="\\ud800")),
                ("csu.live.crisis.wall_layout", _with(good_live, wall_id="a\\u0000b")),
                ("csu.live.crisis.wall_layout", b'{"wall_id": "x", "extra": 1}'),
                ("csu.live.crisis.wall_layout", b"\xff\xfe"),
            ]
            for subject, data in hostile:
                await raw.publish(subject, data)
            await raw.publish("csu.live.crisis.wall_layout", good_live.model_dump_json().encode())
            js = raw.jetstream()
            await js.publish("csu.events.video.camera_status", b'{"camera_id": 5}')
            await js.publish(
                "csu.events.video.camera_status", _with(good_durable, reason="\\udfff")
            )
            await js.publish(
                "csu.events.video.camera_status", good_durable.model_dump_json().encode()
            )
            await until(lambda: len(b.seen) == 2, what="the good ones delivered")
            assert b.seen == [good_live, good_durable]
            assert b.bus.stats.rejected == len(hostile) + 2
            assert b.bus.running and b.bus.connection == "connected"
    finally:
        await raw.close()


async def test_the_stream_is_made_once_bounded_and_on_file(nats_server: NatsServer) -> None:
    async with (
        node(nats_server.url, "api-1", max_age_s=3600.0, max_bytes=1 << 20),
        node(nats_server.url, "api-2", max_age_s=3600.0, max_bytes=1 << 20),
    ):
        pass
    async with node(nats_server.url, "api-1", max_age_s=7200.0, max_bytes=1 << 21):
        raw = await nats.connect(nats_server.url)
        try:
            info = await raw.jetstream().stream_info("CSU_EVENTS")
        finally:
            await raw.close()
    assert info.config.storage == "file"
    assert info.config.subjects == ["csu.events.>"]
    assert (info.config.max_age, info.config.max_bytes) == (7200.0, 1 << 21)
    assert info.config.duplicate_window == 120.0


async def test_start_fails_clearly_without_nats() -> None:
    bus = NatsEventBus(NatsBusConfig(url="nats://127.0.0.1:9", node="api-1", connect_timeout_s=1.0))
    with pytest.raises(ConnectionError, match="not reachable"):
        await bus.start()
    assert bus.connection == "new" and not bus.running


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"node": "api.1"}, "node name"),
        ({"node": "api 1"}, "node name"),
        ({"stream": "CSU>"}, "stream name"),
        ({"live_prefix": "csu.events.live"}, "overlap"),
        ({"durable_prefix": "csu.live"}, "overlap"),
        ({"live_prefix": "csu.*"}, "subject prefix"),
    ],
)
def test_bad_names_are_refused(options: dict[str, str], message: str) -> None:
    values = {"url": "nats://127.0.0.1:4222", "node": "api-1", **options}
    with pytest.raises(ValueError, match=message):
        NatsBusConfig(**values)  # type: ignore[arg-type]


def _append_to(found: list[Msg]) -> Callable[[Msg], Awaitable[None]]:
    async def append(msg: Msg) -> None:
        found.append(msg)

    return append


def _with(event: object, **raw_fields: str) -> bytes:
    """The event's JSON with some string fields replaced by raw JSON text (escapes kept)."""
    from pydantic import BaseModel

    assert isinstance(event, BaseModel)
    text = event.model_dump_json()
    for name, raw in raw_fields.items():
        value = json.dumps(getattr(event, name))
        text = text.replace(f'"{name}":{value}', f'"{name}":"{raw}"', 1)
    return text.encode()
