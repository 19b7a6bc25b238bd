"""The incident engine in its own process: answers, errors, events, clips, a kill -9, a stop."""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import signal
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from csu.bus import EventBus
from csu.config import AlarmSourceConfig
from csu.db import Database
from csu.events import Event
from csu.migrate import upgrade
from incidents.alarms import AlarmParseError
from incidents.clips import Clip, ClipPolicy
from incidents.commands import ActionName, CommandError, IncidentCommand, IncidentNotFound
from incidents.correlation import DEFAULT_RULES
from incidents.engine import IntakeResult
from incidents.engine_child import EngineSpec, crossing
from incidents.engine_process import EngineProcess, EngineUnavailable
from incidents.events import AlarmsStored, IncidentChanged, IncidentSummary
from incidents.lifecycle import TransitionError
from incidents.models import IncidentStatus, RawAlarm, RawStatus, StoredAlarm
from incidents.service import IncidentService, list_alarms
from tests.conftest import require_service
from tests.incidents.test_engine import CAMERA, alarm, sub


class Harness:
    """An engine process on a migrated database, with what it published and handed over."""

    def __init__(self, url: str, *, clips: ClipPolicy | None = None) -> None:
        self.db = Database(url)
        upgrade(self.db.engine)
        self.events: list[Event] = []
        self.clips: list[Clip] = []
        spec = EngineSpec(url, DEFAULT_RULES, [CAMERA], clips=clips, send_clips=clips is not None)
        self.engine = EngineProcess(spec, self.events.append, self.clips.append)
        self.engine.start()

    def send(self, body: bytes) -> IntakeResult:
        return self.engine.submit(sub(body)).result(timeout=20)

    def close(self) -> None:
        self.engine.stop()
        self.db.dispose()


@pytest.fixture
def harness(database_url: str) -> Iterator[Harness]:
    """A started engine process on an empty database."""
    h = Harness(database_url)
    yield h
    h.close()


def until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait for the predicate, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_an_alarm_comes_back_with_its_ids_and_its_events(harness: Harness) -> None:
    """The answer carries the stored ids; AlarmsStored and IncidentChanged reach the parent."""
    result = harness.send(alarm("PROC-1"))
    assert result.accepted and result.raw_id > 0
    summary = result.alarms[0]
    assert summary.created and summary.external_id == "PROC-1" and summary.incident_id
    with harness.db.session() as s:
        row = s.get(StoredAlarm, summary.id)
        assert row is not None and row.incident_id == summary.incident_id
        raw = s.get(RawAlarm, result.raw_id)
        assert raw is not None and raw.status == RawStatus.PARSED.value
    until(lambda: len(harness.events) >= 2)
    stored = [e for e in harness.events if isinstance(e, AlarmsStored)]
    changed = [e for e in harness.events if isinstance(e, IncidentChanged)]
    assert [a.id for a in stored[0].alarms] == [summary.id] and stored[0].total == 1
    assert changed[0].change == "opened" and changed[0].incident.id == summary.incident_id
    assert changed[0].incident.cameras == [CAMERA.camera_id]


def test_a_bad_payload_is_a_rejected_answer(harness: Harness) -> None:
    """A parse error is an answer, not an exception: stored raw, with the reason."""
    result = harness.send(alarm("PROC-BAD", severity="apocalyptic"))
    assert not result.accepted and "severity" in (result.error or "")
    with harness.db.session() as s:
        raw = s.get(RawAlarm, result.raw_id)
        assert raw is not None and raw.status == RawStatus.REJECTED.value
        assert raw.error == result.error


def test_command_errors_arrive_as_their_own_types(harness: Harness) -> None:
    """IncidentNotFound and CommandError cross with type and message; a good action answers."""
    incident_id = harness.send(alarm("PROC-CMD")).alarms[0].incident_id
    assert incident_id is not None

    def act(**kw: object) -> Future[IncidentSummary]:
        return harness.engine.command(IncidentCommand(user="operator", **kw))  # type: ignore[arg-type]

    with pytest.raises(IncidentNotFound, match="no incident 999999"):
        act(incident_id=999999, action=ActionName.NOTE, text="x").result(timeout=20)
    with pytest.raises(CommandError, match="cannot go from new to closed"):
        act(incident_id=incident_id, action=ActionName.STATUS, status=IncidentStatus.CLOSED).result(
            timeout=20
        )
    summary = act(incident_id=incident_id, action=ActionName.ACKNOWLEDGE).result(timeout=20)
    assert summary.status == "acknowledged"
    until(lambda: any(getattr(e, "change", None) == "acknowledge" for e in harness.events))


def test_exceptions_cross_as_themselves_or_as_text() -> None:
    """What pickles keeps its type and message; what does not becomes a RuntimeError."""
    for exc in (TransitionError("cannot go from new to closed"), AlarmParseError("severity: bad")):
        back = pickle.loads(pickle.dumps(crossing(exc)))
        assert type(back) is type(exc) and str(back) == str(exc)

    class Local(Exception):  # a class pickle cannot find by name
        pass

    back = crossing(Local("disk full"))
    assert type(back) is RuntimeError and str(back) == "Local: disk full"


def test_clips_reach_the_parent(database_url: str) -> None:
    """A recording camera's clip is handed to the parent's sink once committed."""
    h = Harness(database_url, clips=ClipPolicy({CAMERA.camera_id: (10.0, 30.0)}))
    try:
        result = h.send(alarm("PROC-CLIP"))
        incident_id, occurred = result.alarms[0].incident_id, result.alarms[0].occurred_at
        assert incident_id is not None
        until(lambda: len(h.clips) == 1)
        start, end = occurred - timedelta(seconds=10), occurred + timedelta(seconds=30)
        assert h.clips == [Clip(incident_id, CAMERA.camera_id, start, end)]
    finally:
        h.close()


def test_the_forkserver_preloads_the_engine(harness: Harness) -> None:
    """The child was forked from a server that had imported the engine already."""
    assert harness.engine.preloaded
    assert harness.engine.pid is not None and harness.engine.pid != os.getpid()


def test_pending_counts_what_the_child_has_not_done(harness: Harness) -> None:
    """Queued, in flight and in the child's writer all count; zero once all is answered."""
    futures = [harness.engine.submit(sub(alarm(f"PEND-{n}"))) for n in range(2000)]
    assert harness.engine.pending() > 0
    for future in futures:
        assert future.result(timeout=60).accepted
    until(lambda: harness.engine.pending() == 0, timeout=5)


def _stuck_raw(db: Database, ext: str) -> None:
    """A payload stored but never parsed: what a crash between the two transactions leaves."""
    with db.session() as s:
        s.add(
            RawAlarm(
                received_at=datetime.now(UTC),
                channel="http.json",
                content_type="application/json",
                body=alarm(ext),
            )
        )


def test_kill_9_fails_the_waiting_and_loses_nothing_stored(harness: Harness) -> None:
    """Mid-stream kill: waiting requests fail clearly, the child is back, every raw row parsed."""
    engine, first_pid = harness.engine, harness.engine.pid
    assert first_pid is not None
    _stuck_raw(harness.db, "STUCK-1")
    futures = [engine.submit(sub(alarm(f"KILL-{n}"))) for n in range(6000)]
    until(lambda: sum(f.done() for f in futures) >= 500)
    os.kill(first_pid, signal.SIGKILL)
    outcomes = [_outcome(f) for f in futures]
    answered = [o for o in outcomes if isinstance(o, IntakeResult)]
    failed = [o for o in outcomes if isinstance(o, BaseException)]
    assert answered and failed, "the kill should land mid-stream"
    assert all(isinstance(e, EngineUnavailable) for e in failed)
    assert {str(e) for e in failed} == {"incident engine restarting"}
    until(lambda: engine.available)
    assert engine.pid != first_pid and engine.restarts == 1
    # The new child re-parsed what was stored unparsed, the planted row included.
    until(lambda: _unparsed(harness.db) == 0)
    assert harness.send(alarm("AFTER-KILL")).accepted
    with harness.db.session() as s:
        stored = {a.external_id for a in s.exec(select(StoredAlarm))}
        bodies = [json.loads(r.body)["external_id"] for r in s.exec(select(RawAlarm))]
    assert {a.alarms[0].external_id for a in answered} <= stored
    assert set(bodies) <= stored and "STUCK-1" in stored


def _outcome(future: Future[IntakeResult]) -> IntakeResult | BaseException:
    try:
        return future.result(timeout=60)
    except Exception as exc:
        return exc


def _unparsed(db: Database) -> int:
    with db.session() as s:
        rows = s.exec(select(RawAlarm).where(col(RawAlarm.status) == RawStatus.RECEIVED.value))
        return len(list(rows))


def test_stop_drains_then_refuses(database_url: str) -> None:
    """Everything queued before stop is answered; the child exits 0; later requests fail."""
    h = Harness(database_url)
    futures = [h.engine.submit(sub(alarm(f"STOP-{n}"))) for n in range(1000)]
    proc = h.engine._proc
    started = time.monotonic()
    h.close()
    assert time.monotonic() - started < 10
    assert all(f.result(timeout=0).accepted for f in futures)
    assert proc is not None and proc.exitcode == 0
    late = h.engine.submit(sub(alarm("STOP-LATE")))
    with pytest.raises(EngineUnavailable, match="incident engine stopped"):
        late.result(timeout=1)


def test_a_child_that_cannot_start_is_an_error() -> None:
    """A database the child cannot open: start raises with the child's reason."""
    spec = EngineSpec("postgresql+psycopg://nobody@127.0.0.1:1/none", DEFAULT_RULES, [])
    engine = EngineProcess(spec, lambda _e: None)
    with pytest.raises(RuntimeError, match="OperationalError"):
        engine.start()


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
async def test_mqtt_feed_runs_in_the_child(database_url: str) -> None:
    """An alarm published to Mosquitto is stored by the child; its event reaches the web bus."""
    if not _port_open(1883):
        require_service("Mosquitto at 127.0.0.1:1883")
    import aiomqtt

    db = Database(database_url)
    upgrade(db.engine)
    bus = EventBus()
    await bus.start()
    seen: list[AlarmsStored] = []

    async def collect(event: AlarmsStored) -> None:
        seen.append(event)

    bus.subscribe(AlarmsStored, collect, name="test.alarms-stored")
    run = uuid.uuid4().hex[:8]
    topic = f"csu-test/engine-process/{run}"
    source = AlarmSourceConfig(
        id=f"proc-{run}", kind="mqtt", url="mqtt://127.0.0.1:1883", topic=f"{topic}/#"
    )
    service = IncidentService(db, bus, [], sources=[source], engine="process")
    await service.start()
    try:
        body = json.loads(alarm(f"MQTT-{run}"))
        # The feed subscribes in the child; publish until its first alarm is stored.
        deadline = time.monotonic() + 20
        async with aiomqtt.Client("127.0.0.1", 1883) as client:
            while not _stored_ext(db, f"MQTT-{run}"):
                assert time.monotonic() < deadline, "the child's feed stored nothing"
                await client.publish(f"{topic}/lighting", json.dumps(body).encode(), qos=1)
                await asyncio.sleep(0.5)
        while not any(a.external_id == f"MQTT-{run}" for e in seen for a in e.alarms):
            assert time.monotonic() < deadline, "AlarmsStored did not reach the parent's bus"
            await asyncio.sleep(0.05)
        # The feed's status lives in the grandchild; the web process sees it all the same.
        (feed,) = service.feeds
        while not (feed.status.connected and feed.status.received >= 1):
            assert time.monotonic() < deadline, f"feed status not relayed: {feed.status}"
            await asyncio.sleep(0.05)
        assert feed.status.source_id == f"proc-{run}" and feed.status.last_error is None
    finally:
        await service.stop()
        await bus.stop()
        db.dispose()


def _stored_ext(db: Database, ext: str) -> bool:
    with db.session() as s:
        rows, _ = list_alarms(s, source="hypervisor", limit=1000)
        return any(r.external_id == ext for r in rows)
