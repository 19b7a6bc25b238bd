"""The MQTT intake: feeds in threads beside the engine, and nodes sharing one feed (MQTT 5)."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiomqtt
import pytest
from sqlmodel import col, select

from csu.bus import EventBus
from csu.config import AlarmSourceConfig
from csu.db import Database
from csu.migrate import upgrade
from incidents.events import AlarmsStored
from incidents.models import RawAlarm, RawStatus, StoredAlarm
from incidents.mqtt import feed_client_id, subscription
from incidents.service import IncidentService
from tests.conftest import require_service
from tests.incidents.test_mqtt import (
    Broker,
    _port_open,
    _publish,
    _stored,
    _until,
    broker,
    payload,
    stack,
)

pytestmark = pytest.mark.slow
__all__ = ["broker", "stack"]  # fixtures


def _source(port: int, ack: str = "stored") -> AlarmSourceConfig:
    return AlarmSourceConfig.model_validate(
        {
            "id": "hypervisor",
            "kind": "mqtt",
            "url": f"mqtt://127.0.0.1:{port}",
            "topic": "alarms/#",
            "ack": ack,
        }
    )


async def test_parsed_beside_the_engine_and_announced(
    stack: tuple[Database, EventBus], broker: Broker
) -> None:
    """Good and bad payloads: alarms stored, correlated and announced; the bad one kept."""
    db, bus = stack
    announced: list[AlarmsStored] = []

    async def keep(event: AlarmsStored) -> None:
        announced.append(event)

    bus.subscribe(AlarmsStored, keep, name="test.announced")
    run = uuid.uuid4().hex[:8]
    service = IncidentService(db, bus, [], sources=[_source(broker.port)])
    await service.start()
    try:
        await _until(lambda: service.feeds[0].status.connected)
        await _publish(broker.port, "alarms/a", [payload(n, run) for n in range(50)] + [b"{oops"])
        assert await _stored(db, 50) == 50
        await _until(lambda: sum(e.total + e.rejected for e in announced) >= 51)
        assert service.feeds[0].status.received == 51
    finally:
        await service.stop()
    with db.session() as session:
        rejected = list(
            session.exec(select(RawAlarm).where(col(RawAlarm.status) == RawStatus.REJECTED.value))
        )
    assert [r.body for r in rejected] == [b"{oops"]
    assert rejected[0].error is not None and "not valid JSON" in rejected[0].error


def test_a_shared_source_subscribes_through_its_group_under_a_client_id_per_node() -> None:
    plain = _source(1883)
    shared = plain.model_copy(update={"share_group": "csu-api"})
    assert subscription(plain) == "alarms/#" and feed_client_id(plain, "api-1") == "csu-hypervisor"
    assert subscription(shared) == "$share/csu-api/alarms/#"
    assert feed_client_id(shared, "api-1") == "csu-hypervisor-api-1"
    assert feed_client_id(shared) == f"csu-hypervisor-{socket.gethostname()}"


@pytest.fixture
def two_databases(tmp_path: Path) -> Iterator[list[Database]]:
    """Two migrated SQLite databases: each node stores what it receives in its own."""
    dbs = [Database(f"sqlite:///{tmp_path / f'node-{n}.db'}") for n in (1, 2)]
    for db in dbs:
        upgrade(db.engine)
    yield dbs
    for db in dbs:
        db.dispose()


async def _forget_sessions(client_ids: list[str]) -> None:
    """Clear the nodes' persistent sessions from the shared broker (a clean start ends them)."""
    for client_id in client_ids:
        async with aiomqtt.Client(
            "127.0.0.1", 1883, identifier=client_id, protocol=aiomqtt.ProtocolVersion.V5
        ):
            pass


def _external_ids(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.exec(select(StoredAlarm.external_id)))


async def test_two_nodes_in_a_share_group_split_one_feed(two_databases: list[Database]) -> None:
    """MQTT 5 shared subscription on the local Mosquitto: two nodes in one group, 400 alarms
    published; every alarm is stored exactly once across the two, and each node stored some."""
    if not _port_open(1883):
        require_service("Mosquitto at 127.0.0.1:1883")
    run = uuid.uuid4().hex[:8]
    topic = f"csu-test/shared/{run}"
    source = AlarmSourceConfig(
        id=f"shared-{run}",
        kind="mqtt",
        url="mqtt://127.0.0.1:1883",
        topic=f"{topic}/#",
        ack="stored",
        share_group=f"csu-{run}",
    )
    bus = EventBus()
    await bus.start()
    nodes = [
        IncidentService(db, bus, [], sources=[source], node=f"api-{n}")
        for n, db in enumerate(two_databases, 1)
    ]
    client_ids = [node.feeds[0].client_id for node in nodes]
    assert client_ids == [f"csu-shared-{run}-api-1", f"csu-shared-{run}-api-2"]
    try:
        for node in nodes:
            await node.start()
        await _until(lambda: all(node.feeds[0].status.connected for node in nodes))
        await _publish(1883, f"{topic}/lighting", [payload(n, run) for n in range(400)])
        counts = [0, 0]
        for _ in range(200):
            counts = [len(_external_ids(db)) for db in two_databases]
            if sum(counts) >= 400:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # anything delivered twice would have arrived by now
        stored = [_external_ids(db) for db in two_databases]
    finally:
        for node in nodes:
            await node.stop()
        await bus.stop()
        await _forget_sessions(client_ids)
    assert sorted(stored[0] + stored[1]) == sorted(f"{run}-{n}" for n in range(400))
    assert all(len(ids) > 0 for ids in stored), [len(ids) for ids in stored]
    assert [node.feeds[0].status.received for node in nodes] == [len(ids) for ids in stored]
