"""The MQTT intake process: stores raw beside the engine, restarted when it dies."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid

import pytest
from sqlmodel import col, select

from csu.bus import EventBus
from csu.config import AlarmSourceConfig
from csu.db import Database
from incidents.events import AlarmsStored
from incidents.models import RawAlarm, RawStatus
from incidents.service import IncidentService
from tests.incidents.test_mqtt import Broker, _publish, _stored, _until, broker, payload, stack

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
        await _until(lambda: service.feeds[0].status.received == 51)  # reported every 0.25 s
    finally:
        await service.stop()
    with db.session() as session:
        rejected = list(
            session.exec(
                select(RawAlarm).where(col(RawAlarm.status) == RawStatus.REJECTED.value)
            )
        )
    assert [r.body for r in rejected] == [b"{oops"]
    assert rejected[0].error is not None and "not valid JSON" in rejected[0].error


async def test_intake_killed_mid_stream_is_restarted_and_loses_nothing(
    stack: tuple[Database, EventBus], broker: Broker
) -> None:
    """kill -9 of the intake process while alarms flow: acknowledged only once stored, so the
    broker sends again what the dead process held, and the restarted one stores it."""
    db, bus = stack
    run = uuid.uuid4().hex[:8]
    service = IncidentService(db, bus, [], sources=[_source(broker.port)])
    await service.start()
    try:
        await _until(lambda: service.feeds[0].status.connected)
        pid = service.intake.pid
        assert pid is not None
        publishing = asyncio.create_task(
            # Fewer than the 1,000 messages Mosquitto queues for a client that is away.
            _publish(broker.port, "alarms/a", [payload(n, run) for n in range(900)])
        )
        await _until(lambda: service.feeds[0].status.received >= 200)
        os.kill(pid, signal.SIGKILL)
        await publishing
        await _until(lambda: service.intake.pid not in (None, pid), timeout=30)
        assert await _stored(db, 900, timeout=60) == 900
    finally:
        await service.stop()
    assert service.intake.restarts >= 1
