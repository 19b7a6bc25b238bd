"""The engine's bulk writes: a batch's ids, raw marks, incident rows kept, fed payloads; and
its start and stop."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from csu.db import Database
from incidents.commands import ActionName, IncidentCommand
from incidents.correlation import Correlator
from incidents.engine import EngineUnavailable, IncidentEngine
from incidents.events import IncidentChanged
from incidents.models import RawAlarm, RawStatus, StoredAlarm
from incidents.parsing import Channel, Submission
from incidents.service import incident_detail
from incidents.store import insert_raw_ids, mark_raws
from tests.incidents.test_engine import alarm, sub


def _raws(db: Database, n: int) -> list[int]:
    with db.session() as session:
        return insert_raw_ids(session, [sub(alarm(f"r{i}")) for i in range(n)])


def test_raw_ids_come_back_in_order_and_read_back_as_written(db: Database) -> None:
    first = _raws(db, 3)
    second = _raws(db, 500)
    assert first == sorted(first) and len(set(first)) == 3
    assert second == list(range(first[-1] + 1, first[-1] + 501))
    with db.session() as session:
        row = session.get(RawAlarm, second[7])
        assert row is not None
    assert b'"external_id": "r7"' in row.body
    assert row.status == RawStatus.RECEIVED.value and row.channel == "http.json"
    assert row.received_at.replace(tzinfo=UTC) <= datetime.now(UTC)


def test_marks_runs_of_single_alarms_and_the_rest_one_by_one(db: Database) -> None:
    ids = _raws(db, 8)
    marks: list[tuple[int, str | None, int]] = [(i, None, 1) for i in ids[:3]]  # a run
    marks += [(ids[3], "location: required", 0), (ids[4], None, 2), (ids[5], None, 1)]
    marks += [(ids[7], None, 1)]  # a run of one after a gap; ids[6] stays received
    mark_raws_in(db, marks)
    with db.session() as session:
        rows = {r.id: r for r in session.exec(select(RawAlarm))}
    assert [rows[i].status for i in ids] == [
        "parsed", "parsed", "parsed", "rejected", "parsed", "parsed", "received", "parsed",
    ]  # fmt: skip
    assert rows[ids[3]].error == "location: required" and rows[ids[4]].alarm_count == 2
    assert rows[ids[0]].alarm_count == 1 and rows[ids[7]].alarm_count == 1


def mark_raws_in(db: Database, marks: list[tuple[int, str | None, int]]) -> None:
    """Mark in one transaction."""
    with db.session() as session:
        mark_raws(session, marks)


def test_fed_payloads_join_incidents_like_submissions(db: Database) -> None:
    """A feed's payloads (nobody awaiting an answer) are stored raw, parsed, correlated; one
    that does not parse is kept, rejected."""
    events: list[object] = []
    engine = IncidentEngine(db, events.append, Correlator())
    engine.start()
    try:
        first = engine.submit(sub(alarm("a1"))).result(timeout=10)
        for i in (2, 3):
            engine.feed(sub(alarm(f"a{i}"), Channel.MQTT))
        engine.feed(Submission(channel=Channel.MQTT, body=b"{", received_at=datetime.now(UTC)))
        engine.command(
            IncidentCommand(incident_id=1, action=ActionName.NOTE, user="op", text="seen")
        ).result(timeout=10)  # runs after the fed payloads: they are in
    finally:
        engine.stop()
    incident_id = first.alarms[0].incident_id
    assert incident_id is not None
    with db.session() as session:
        detail = incident_detail(session, incident_id)
        raws = list(session.exec(select(RawAlarm).order_by(col(RawAlarm.id))))
        stored = list(session.exec(select(StoredAlarm)))
    assert detail is not None and detail.incident.alarm_count == 3
    assert sorted(a.external_id for a in stored) == ["a1", "a2", "a3"]
    assert [r.channel for r in raws] == ["http.json", "mqtt", "mqtt", "mqtt"]
    assert [r.status for r in raws] == ["parsed", "parsed", "parsed", "rejected"]
    assert raws[3].body == b"{" and "not valid JSON" in (raws[3].error or "")
    changed = [e for e in events if isinstance(e, IncidentChanged)]
    assert changed[-1].incident.alarm_count == 3  # the command saw the batch's count


def test_a_command_then_a_batch_keep_both_changes(db: Database) -> None:
    engine = IncidentEngine(db, lambda _e: None, Correlator())
    engine.start()
    try:
        first = engine.submit(sub(alarm("b1"))).result(timeout=10)
        incident_id = first.alarms[0].incident_id
        assert incident_id is not None
        engine.command(
            IncidentCommand(incident_id=incident_id, action=ActionName.ESCALATE, user="op")
        ).result(timeout=10)
        engine.submit(sub(alarm("b2"))).result(timeout=10)
    finally:
        engine.stop()
    with db.session() as session:
        detail = incident_detail(session, incident_id)
    assert detail is not None
    assert detail.incident.escalated and detail.incident.alarm_count == 2


def test_payloads_left_unparsed_are_parsed_in_place(db: Database) -> None:
    """Rows an intake stored (and acknowledged) before dying are parsed where they lie."""
    engine = IncidentEngine(db, lambda _e: None, Correlator())
    engine.start()
    try:
        with db.session() as session:
            raw_ids = insert_raw_ids(session, [sub(alarm("o1"), Channel.MQTT), sub(b"[")])
        assert engine.recover_unparsed().result(timeout=10) == 2
        assert engine.recover_unparsed().result(timeout=10) == 0
    finally:
        engine.stop()
    with db.session() as session:
        raws = {r.id: r for r in session.exec(select(RawAlarm))}
        stored = list(session.exec(select(StoredAlarm)))
    assert set(raws) == set(raw_ids)  # no new raw row: parsed in place
    assert raws[raw_ids[0]].status == "parsed" and raws[raw_ids[1]].status == "rejected"
    assert [(a.external_id, a.raw_id) for a in stored] == [("o1", raw_ids[0])]


def test_pending_counts_what_waits_for_the_writer(db: Database) -> None:
    """What a feed reads the backlog by: fed payloads and actions not yet taken."""
    engine = IncidentEngine(db, lambda event: None, Correlator())
    for i in range(3):
        engine.feed(sub(alarm(f"p{i}"), Channel.MQTT))
    engine.command(IncidentCommand(incident_id=1, action=ActionName.NOTE, user="op", text="x"))
    assert engine.pending() == 4
    engine.start()
    try:
        engine.recover_unparsed().result(timeout=10)  # queued after the batch: it is done
        assert engine.pending() == 0
    finally:
        engine.stop()
    with db.session() as session:
        stored = session.exec(select(StoredAlarm.external_id)).all()
    assert sorted(stored) == ["p0", "p1", "p2"]


def test_stop_drains_then_refuses(db: Database) -> None:
    """Everything queued before stop is answered; what comes after fails at once, and a fed
    payload is not stored (unacknowledged, the broker keeps it for the next start)."""
    engine = IncidentEngine(db, lambda event: None, Correlator())
    engine.start()
    futures = [engine.submit(sub(alarm(f"s{n}"))) for n in range(1000)]
    engine.stop()
    engine.stop()  # twice is once
    assert all(f.result(timeout=0).accepted for f in futures)
    late = engine.submit(sub(alarm("late")))
    with pytest.raises(EngineUnavailable, match="incident engine stopped"):
        late.result(timeout=0)
    action = engine.command(IncidentCommand(incident_id=1, action=ActionName.NOTE, user="op"))
    with pytest.raises(EngineUnavailable):
        action.result(timeout=0)
    acknowledged: list[bool] = []
    engine.feed(sub(alarm("fed-late"), Channel.MQTT, on_stored=lambda: acknowledged.append(True)))
    assert engine.pending() == 0 and acknowledged == []
    with db.session() as session:
        assert session.exec(select(sa.func.count()).select_from(RawAlarm)).one() == 1000


def test_a_database_it_cannot_reach_fails_the_start() -> None:
    """start() raises the driver's error: csu does not come up without its database."""
    unreachable = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    engine = IncidentEngine(unreachable, lambda event: None, Correlator())
    try:
        with pytest.raises(sa.exc.OperationalError):
            engine.start()
    finally:
        engine.stop()
        unreachable.dispose()
