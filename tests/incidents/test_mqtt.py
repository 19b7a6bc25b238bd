"""MQTT feeds against real Mosquitto brokers: the shared one, and one restarted mid-stream."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import aiomqtt
import pytest

from csu.bus import EventBus
from csu.config import AlarmSourceConfig
from csu.db import Database
from csu.migrate import upgrade
from incidents.mqtt import MqttFeed
from incidents.parsing import Submission
from incidents.service import IncidentService, list_alarms
from tests.conftest import require_service

pytestmark = pytest.mark.slow


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def payload(n: int, run: str) -> bytes:
    """A lamp-off alarm; each has its own external id."""
    return json.dumps(
        {
            "source": "hypervisor-mqtt",
            "external_id": f"{run}-{n}",
            "type": "lighting.lamp_off",
            "occurred_at": datetime.now(UTC).isoformat(),
            "location": {"type": "Point", "coordinates": [-0.55 + n * 1e-4, 47.47]},
        }
    ).encode()


class Broker:
    """A Mosquitto of our own, with persistence, that a test may stop and start."""

    def __init__(self) -> None:
        self.port = _free_port()
        # Started as root, Mosquitto drops to its own user, which must reach and write this folder
        # (pytest's tmp_path sits under a private 0700 folder).
        workdir = Path(tempfile.mkdtemp(prefix="csu-mosquitto-"))
        workdir.chmod(0o777)
        self.workdir = workdir
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
            f"persistence true\npersistence_location {workdir}/\nautosave_interval 1\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        self.proc = subprocess.Popen(["mosquitto", "-c", str(self.conf)], stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not _port_open(self.port):
            assert time.monotonic() < deadline, "mosquitto did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop gracefully, so it saves its sessions."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def broker() -> Iterator[Broker]:
    """A private broker on a free port."""
    if shutil.which("mosquitto") is None:
        require_service("mosquitto binary")
    b = Broker()
    b.start()
    yield b
    b.stop()
    shutil.rmtree(b.workdir, ignore_errors=True)


@pytest.fixture
async def stack(database_url: str) -> AsyncIterator[tuple[Database, EventBus]]:
    """A migrated database and a started bus."""
    db = Database(database_url)
    upgrade(db.engine)
    bus = EventBus()
    await bus.start()
    yield db, bus
    await bus.stop()
    db.dispose()


async def _publish(port: int, topic: str, bodies: list[bytes]) -> None:
    async with aiomqtt.Client("127.0.0.1", port) as client:
        for body in bodies:
            await client.publish(topic, body, qos=1)


async def _stored(db: Database, expected: int, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    total = 0
    while time.monotonic() < deadline:
        with db.session() as s:
            total = list_alarms(s, source="hypervisor-mqtt", limit=1)[1]
        if total >= expected:
            break
        await asyncio.sleep(0.1)
    return total


async def _until(predicate, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)


async def test_alarms_through_the_local_mosquitto(stack: tuple[Database, EventBus]) -> None:
    """500 JSON alarms published at 127.0.0.1:1883 are all stored."""
    if not _port_open(1883):
        require_service("Mosquitto at 127.0.0.1:1883")
    db, bus = stack
    run = uuid.uuid4().hex[:8]
    topic = f"hyperviseur/alarms/{run}"
    # A source id of its own: the feed's MQTT client id derives from it, and the shared broker
    # would knock out another run's client with the same id.
    source = AlarmSourceConfig(
        id=f"hypervisor-{run}", kind="mqtt", url="mqtt://127.0.0.1:1883", topic=f"{topic}/#"
    )
    service = IncidentService(db, bus, [], sources=[source])
    await service.start()
    try:
        await _until(lambda: service.feeds[0].status.connected)
        await _publish(1883, f"{topic}/lighting", [payload(n, run) for n in range(500)])
        assert await _stored(db, 500) == 500
        await _until(lambda: service.feeds[0].status.received == 500)  # reported every 0.25 s
    finally:
        await service.stop()


async def test_broker_restart_mid_stream_loses_nothing(
    stack: tuple[Database, EventBus], broker: Broker
) -> None:
    """Half the alarms, a broker restart, the other half published while csu reconnects."""
    db, bus = stack
    run = uuid.uuid4().hex[:8]
    source = AlarmSourceConfig(
        id="hypervisor", kind="mqtt", url=f"mqtt://127.0.0.1:{broker.port}", topic="alarms/#"
    )
    service = IncidentService(db, bus, [], sources=[source])
    await service.start()
    feed = service.feeds[0]
    try:
        await _until(lambda: feed.status.connected)
        await _publish(broker.port, "alarms/a", [payload(n, run) for n in range(100)])
        assert await _stored(db, 100) == 100
        broker.stop()
        await _until(lambda: not feed.status.connected)
        broker.start()
        # Published before csu is back: the broker's persisted session queues them for csu.
        await _publish(broker.port, "alarms/b", [payload(n, run) for n in range(100, 200)])
        await _until(lambda: feed.status.connected, timeout=40)
        assert await _stored(db, 200) == 200
    finally:
        await service.stop()


class _Crashing:
    """An engine that takes messages and dies before storing any: csu crashing mid-storm."""

    def __init__(self) -> None:
        self.taken: list[Submission] = []

    def pending(self) -> int:
        return 0

    def feed(self, submission: Submission) -> None:
        self.taken.append(submission)


@pytest.mark.parametrize(("ack", "kept"), [("stored", 60), ("received", 0)])
async def test_acknowledged_only_once_stored(
    stack: tuple[Database, EventBus], broker: Broker, ack: str, kept: int
) -> None:
    """With ack 'stored', what a crashed csu took but never stored comes back from the broker.

    The 'received' run is the control: acknowledged on receipt, the same messages are gone.
    """
    db, bus = stack
    run = uuid.uuid4().hex[:8]
    source = AlarmSourceConfig.model_validate(
        {
            "id": "hypervisor",
            "kind": "mqtt",
            "url": f"mqtt://127.0.0.1:{broker.port}",
            "topic": "alarms/#",
            "ack": ack,
        }
    )
    crashing = _Crashing()
    doomed = MqttFeed(source, crashing)
    doomed.start()
    await _until(lambda: doomed.status.connected)
    await _publish(broker.port, "alarms/a", [payload(n, run) for n in range(60)])
    # Mosquitto hands a client 20 unacknowledged messages at a time; the rest wait in it.
    await _until(lambda: len(crashing.taken) >= (20 if ack == "stored" else 60))
    await asyncio.to_thread(doomed.stop)
    service = IncidentService(db, bus, [], sources=[source])
    await service.start()
    try:
        await _until(lambda: service.feeds[0].status.connected)
        if kept:
            assert await _stored(db, kept) == kept
        await asyncio.sleep(1.0)  # anything the broker still had would have arrived by now
        with db.session() as s:
            assert list_alarms(s, source="hypervisor-mqtt", limit=1)[1] == kept
    finally:
        await service.stop()
