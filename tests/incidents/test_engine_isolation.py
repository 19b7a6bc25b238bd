"""A payload the database refuses fails alone: the engine's guard behind the adapters' own.

The adapters refuse text no database stores (tests/web/test_alarm_poison.py); here that check is
turned off, as for a hole nobody has found yet, so that the database itself refuses the rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import select

from csu.db import Database
from incidents.alarms.adapters import fields
from incidents.correlation import Correlator
from incidents.engine import IncidentEngine, IntakeResult
from incidents.events import AlarmsStored
from incidents.models import RawAlarm, StoredAlarm
from incidents.parsing import Channel
from incidents.store import insert_raw_ids
from tests.incidents.test_engine import alarm, sub

LONE_SURROGATE = b"Feeder \\ud800 down"  # JSON text: decodes, cannot be encoded again


def poisoned(ext: str) -> bytes:
    """An alarm whose description no database can store."""
    body = json.loads(alarm(ext))
    body["description"] = "@@"
    return json.dumps(body).encode().replace(b"@@", LONE_SURROGATE)


@pytest.fixture
def unguarded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The adapters let unstorable text through."""
    monkeypatch.setattr(fields, "unstorable", lambda document: None)


@pytest.fixture
def engine(db: Database) -> Iterator[tuple[IncidentEngine, list[AlarmsStored]]]:
    """An engine not yet started (what is queued before start goes as one batch)."""
    events: list[AlarmsStored] = []
    eng = IncidentEngine(
        db, lambda e: events.append(e) if isinstance(e, AlarmsStored) else None, Correlator()
    )
    yield eng, events
    eng.stop()


def _raws(db: Database) -> dict[int, RawAlarm]:
    with db.session() as s:
        return {r.id or 0: r for r in s.exec(select(RawAlarm))}


def _stored(db: Database) -> list[str]:
    with db.session() as s:
        return sorted(s.exec(select(StoredAlarm.external_id)))


@pytest.mark.usefixtures("unguarded")
def test_a_refused_payload_is_answered_alone(
    db: Database, engine: tuple[IncidentEngine, list[AlarmsStored]]
) -> None:
    """30 payloads in one batch, 3 of which the database refuses: 27 stored, 3 rejected."""
    eng, events = engine
    bodies = [poisoned(f"x{n}") if n % 10 == 4 else alarm(f"a{n}") for n in range(30)]
    futures = [eng.submit(sub(body)) for body in bodies]
    eng.start()
    results: list[IntakeResult] = [f.result(timeout=30) for f in futures]
    refused = [r for r in results if not r.accepted]
    assert [r.raw_id for r in refused] == [r.raw_id for n, r in enumerate(results) if n % 10 == 4]
    for result in refused:
        assert result.error is not None
        assert result.error.startswith("could not be stored: UnicodeEncodeError: ")
    assert all(r.accepted and len(r.alarms) == 1 for n, r in enumerate(results) if n % 10 != 4)
    assert _stored(db) == sorted(f"a{n}" for n in range(30) if n % 10 != 4)
    raws = _raws(db)
    assert {i for i, r in raws.items() if r.status == "rejected"} == {r.raw_id for r in refused}
    assert {r.status for r in raws.values()} == {"parsed", "rejected"}
    assert sum(e.total for e in events) == 27 and sum(e.rejected for e in events) == 3


@pytest.mark.usefixtures("unguarded")
def test_a_feed_s_batch_keeps_its_good_payloads(
    db: Database, engine: tuple[IncidentEngine, list[AlarmsStored]]
) -> None:
    """20 messages from an MQTT feed in one batch, nobody awaiting an answer, two of which the
    database refuses: the other 18 are stored (and acknowledged), the two marked rejected with
    the database's reason (acknowledged too: they are kept, and sending them again would not
    change them)."""
    eng, events = engine
    acknowledged: list[int] = []
    bodies = [poisoned(f"m{n}") if n in (3, 15) else alarm(f"m{n}") for n in range(20)]
    for n, body in enumerate(bodies):
        eng.feed(sub(body, Channel.MQTT, on_stored=lambda n=n: acknowledged.append(n)))
    eng.start()
    assert eng.recover_unparsed().result(timeout=30) == 0  # queued after: the batch is done
    assert sorted(acknowledged) == list(range(20))
    assert _stored(db) == sorted(f"m{n}" for n in range(20) if n not in (3, 15))
    raws = _raws(db)
    rejected = {r.body: r.error for r in raws.values() if r.status == "rejected"}
    assert set(rejected) == {bodies[3], bodies[15]}
    for error in rejected.values():
        assert (error or "").startswith("could not be stored: UnicodeEncodeError")
    assert sum(e.total for e in events) == 18 and sum(e.rejected for e in events) == 2


@pytest.mark.usefixtures("unguarded")
def test_recovery_at_start_rejects_what_cannot_be_stored_and_starts(
    db: Database, engine: tuple[IncidentEngine, list[AlarmsStored]]
) -> None:
    """Rows left 'received' by a crash, one unstorable: start() returns, the rest is parsed."""
    eng, _events = engine
    with db.session() as session:
        good, bad, also_good = insert_raw_ids(
            session,
            [sub(alarm("r1"), Channel.MQTT), sub(poisoned("r2")), sub(alarm("r3"))],
        )
    eng.start()
    raws = _raws(db)
    assert raws[good].status == raws[also_good].status == "parsed"
    assert raws[bad].status == "rejected"
    assert (raws[bad].error or "").startswith("could not be stored: UnicodeEncodeError")
    assert _stored(db) == ["r1", "r3"]


def test_a_database_outage_is_no_payload_s_fault(
    db: Database,
    engine: tuple[IncidentEngine, list[AlarmsStored]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database failing as such (not a value it refuses) rejects nothing: the callers hear
    of it and the payloads stay 'received', for the next recovery to parse."""
    eng, _events = engine
    eng.start()

    def unreachable(*args: object) -> None:
        raise sa.exc.OperationalError("UPDATE raw_alarms", {}, Exception("server closed"))

    monkeypatch.setattr("incidents.engine.mark_raws", unreachable)
    futures = [eng.submit(sub(alarm(f"o{n}"))) for n in range(3)]
    for future in futures:
        with pytest.raises(sa.exc.OperationalError):
            future.result(timeout=30)
    assert {r.status for r in _raws(db).values()} == {"received"}
    monkeypatch.undo()
    assert eng.recover_unparsed().result(timeout=30) == 3
    assert _stored(db) == ["o0", "o1", "o2"]
