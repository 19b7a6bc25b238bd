"""Two API nodes' incident services on one NATS and one database, in one process: alarms go
through the alarm stream to whichever node leads, actions are relayed to it, the lead moves."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from sqlmodel import col, select

from csu.bus import EventBus
from csu.db import Database
from csu.events import Event
from csu.migrate import upgrade
from incidents.commands import ActionName, IncidentCommand, IncidentNotFound
from incidents.engine import EngineUnavailable
from incidents.events import AlarmsStored
from incidents.models import RawAlarm, StoredAlarm
from incidents.parsing import Channel, Submission, too_large
from incidents.service import IncidentService
from incidents.stream import StreamSettings
from incidents.stream_engine import StreamConsumer, lag
from incidents.stream_intake import AlarmPublisher, QueuedResult, StreamUnavailable
from tests.csu.bus_nats_helpers import until
from tests.incidents.test_engine import alarm
from tests.nats_server import NatsServer, private_nats

FAST = StreamSettings(publish_timeout_s=1.0)


def _post(body: bytes) -> Submission:
    return Submission(Channel.HTTP_JSON, body, datetime.now(UTC), content_type="application/json")


@asynccontextmanager
async def api_node(
    url: str, db: Database, name: str
) -> AsyncIterator[tuple[IncidentService, list[Event]]]:
    """An API node's incident service (not leading) and the events its engine published."""
    client = await nats.connect(url, name=name)
    bus = EventBus()
    events: list[Event] = []
    bus.subscribe(Event, events.append, name=f"test.{name}")
    await bus.start()
    service = IncidentService(db, bus, [], cluster=client, node=name, stream=FAST)
    await service.start()
    try:
        yield service, events
    finally:
        await service.stop()
        await bus.stop()
        await client.close()


def _rows(db: Database) -> tuple[list[str | None], dict[str, int]]:
    with db.session() as session:
        raws = session.exec(select(RawAlarm.intake_id).order_by(col(RawAlarm.id))).all()
        alarms = {a.external_id: a.update_count for a in session.exec(select(StoredAlarm))}
    return list(raws), alarms


@pytest.fixture
def db(database_url: str) -> Database:
    """A migrated database shared by the nodes."""
    database = Database(database_url)
    upgrade(database.engine)
    return database


async def test_alarms_reach_the_leader_once_and_actions_follow_the_lead(
    nats_server: NatsServer, db: Database
) -> None:
    url = nats_server.url
    async with (
        api_node(url, db, "api-1") as (one, one_events),
        api_node(url, db, "api-2") as (
            two,
            _,
        ),
    ):
        with pytest.raises(EngineUnavailable, match="stopped"):  # a follower runs no engine
            await one.submit(_post(alarm("LUM-0")))
        await one.lead()
        body = alarm("LUM-1")
        answer = await two.receive(_post(body))
        assert isinstance(answer, QueuedResult) and answer.accepted and not answer.duplicate
        assert [a.external_id for a in answer.alarms] == ["LUM-1"]
        again = await two.receive(_post(body))  # a client's retry
        assert isinstance(again, QueuedResult) and again.duplicate and again.seq == answer.seq
        bad = await one.receive(_post(b'{"source": "x"}'))  # kept, rejected by the engine too
        assert isinstance(bad, QueuedResult) and not bad.accepted
        big = too_large(Channel.HTTP_JSON, b"{" * 4096, size=2_000_000, limit=1024)
        refused = await one.receive(big)
        assert isinstance(refused, QueuedResult) and not refused.accepted
        assert refused.error is not None and refused.error.startswith("payload too large")

        def handled() -> tuple[int, int]:
            stored = [e for e in one_events if isinstance(e, AlarmsStored)]
            return sum(e.total for e in stored), sum(e.rejected for e in stored)

        await until(lambda: handled() == (1, 2), what="one alarm stored, two payloads rejected")
        assert len(_rows(db)[0]) == 3

        with db.session() as session:
            row = session.exec(select(StoredAlarm)).one()
        assert row.incident_id is not None
        ack = IncidentCommand(row.incident_id, ActionName.ACKNOWLEDGE, "operator-2")
        summary = await two.act(ack)  # taken by api-2, applied by api-1's engine
        assert summary.status == "acknowledged" and summary.id == row.incident_id
        with pytest.raises(IncidentNotFound):
            await two.act(IncidentCommand(row.incident_id + 99, ActionName.ACKNOWLEDGE, "op"))

        await one.follow()  # the lead is up for grabs: actions wait, alarms are kept
        with pytest.raises(EngineUnavailable, match="no incident engine leads"):
            await two.act(IncidentCommand(row.incident_id, ActionName.NOTE, "op", text="x"))
        waiting = await one.receive(_post(alarm("LUM-2")))
        assert isinstance(waiting, QueuedResult) and waiting.accepted
        watcher = await nats.connect(url)
        assert await lag(watcher.jetstream(), FAST) == 1  # waits in the stream
        await watcher.close()
        await two.lead()
        await until(lambda: "LUM-2" in _rows(db)[1], what="the new leader stored LUM-2")
        note = IncidentCommand(row.incident_id, ActionName.NOTE, "op", text="patrol on site")
        assert (await one.act(note)).id == row.incident_id
    raws, alarms = _rows(db)
    assert len(raws) == 4 and len(set(raws)) == 4 and None not in raws
    assert alarms == {"LUM-1": 0, "LUM-2": 0}


async def test_a_new_leader_gets_what_the_old_one_never_acknowledged_at_once(
    nats_server: NatsServer, db: Database
) -> None:
    """The dead leader held three payloads unacknowledged: the next one stores them without
    waiting for the acknowledgement time (30 s) to pass, and only once."""
    url = nats_server.url
    held: list[Submission] = []
    dead = await nats.connect(url)
    try:
        publisher = AlarmPublisher(dead.jetstream(), FAST, node="api-0")
        await publisher.start()
        grabbing = StreamConsumer(dead, FAST, held.append)  # takes and never stores
        await grabbing.start()
        for n in range(3):
            await publisher.put(_post(alarm(f"LUM-{n}")))
        await until(lambda: len(held) == 3, what="the first leader took all three")
        await grabbing.stop()
        await publisher.stop()
    finally:
        await dead.close()
    async with api_node(url, db, "api-1") as (one, _):
        started = datetime.now(UTC)
        await one.lead()
        await until(lambda: len(_rows(db)[1]) == 3, timeout=10, what="the three stored")
        assert (datetime.now(UTC) - started).total_seconds() < 10
    raws, alarms = _rows(db)
    assert sorted(raws) == sorted(s.intake_id for s in held)  # the ids the stream gave them
    assert alarms == {"LUM-0": 0, "LUM-1": 0, "LUM-2": 0}


async def test_without_jetstream_posts_are_refused_and_feeds_wait(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    """NATS away: a post is refused at once (the sender posts again); an MQTT message is kept
    unacknowledged and acknowledged once JetStream is back and has it."""
    client: Client = await nats.connect(
        nats_server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2
    )
    publisher = AlarmPublisher(client.jetstream(), FAST, node="api-1")
    await publisher.start()
    acknowledged = threading.Event()
    try:
        nats_server.process.terminate()
        nats_server.process.wait(10)
        with pytest.raises(StreamUnavailable):
            await publisher.put(_post(alarm("LUM-1")))
        body = alarm("LUM-2")
        message = Submission(Channel.MQTT, body, datetime.now(UTC), on_stored=acknowledged.set)
        publisher.feed(message)
        await until(lambda: publisher.pending() == 1, what="the message waits")
        assert not acknowledged.is_set()
        with private_nats(tmp_path / "nats", port=nats_server.port):
            await until(acknowledged.is_set, timeout=20, what="acknowledged once stored")
            assert publisher.pending() == 0
            js = client.jetstream()
            info = await js.stream_info(FAST.stream)
            assert info.state.messages == 1
            kept = await js.get_msg(FAST.stream, info.state.last_seq)
            assert kept.data is not None and kept.data.endswith(b"\n" + body)
            assert json.loads(kept.data.partition(b"\n")[0])["channel"] == "mqtt"
    finally:
        await publisher.stop()
        await client.close()
