"""Database work of the incident engine's writer thread: raw payloads, alarms, incidents."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from incidents.alarms import Alarm, alarm_type
from incidents.correlation import AlarmFacts
from incidents.events import AlarmSummary, IncidentSummary
from incidents.geo import LonLat, centroid
from incidents.models import Incident, IncidentStatus, RawAlarm, RawStatus, StoredAlarm
from incidents.parsing import Submission

Key = tuple[str, str]
_CHUNK = 400


def _table(model: type[SQLModel]) -> sa.Table:
    table = sa.inspect(model).local_table
    assert isinstance(table, sa.Table)
    return table


_RAW = _table(RawAlarm)
_ALARMS = _table(StoredAlarm)
# One statement a batch (SQLAlchemy's insertmanyvalues): ids come back in parameter order.
_INSERT_RAW = sa.insert(_RAW).returning(_RAW.c.id, sort_by_parameter_order=True)
_INSERT_ALARMS = sa.insert(_ALARMS).returning(_ALARMS.c.id, sort_by_parameter_order=True)
_MARK_RAW = (
    sa.update(_RAW)
    .where(_RAW.c.id == sa.bindparam("b_id"))
    .values(
        status=sa.bindparam("b_status"),
        error=sa.bindparam("b_error"),
        alarm_count=sa.bindparam("b_count"),
    )
)
_PLACE_ALARMS = (
    sa.update(_ALARMS)
    .where(_ALARMS.c.id == sa.bindparam("b_id"))
    .values(
        incident_id=sa.bindparam("b_incident"),
        inhibited=sa.bindparam("b_inhibited"),
        status=sa.bindparam("b_status"),
        updated_at=sa.bindparam("b_updated"),
    )
)


@dataclass(eq=False, slots=True)
class NewAlarm:
    """A row of `alarms` that the writer inserts itself, many at once (see `insert_alarms`).

    It has StoredAlarm's fields without being an ORM object: building a SQLModel table object
    costs more than parsing the alarm, and a batch writes its new rows in one statement.
    """

    source: str
    external_id: str
    type: str
    severity: str
    status: str
    occurred_at: datetime
    received_at: datetime
    updated_at: datetime
    lon: float | None
    lat: float | None
    location: str | None
    description: str
    data: str
    camera_id: str | None
    raw_id: int | None
    id: int | None = None
    incident_id: int | None = None
    update_count: int = 0
    state_changes: int = 0
    inhibited: bool = False
    flapping: bool = False


AlarmRow = StoredAlarm | NewAlarm
_ALARM_COLUMNS = tuple(c.name for c in _ALARMS.columns if c.name != "id")


def insert_raw(session: Session, submissions: Sequence[Submission]) -> list[RawAlarm]:
    """Store each payload as received; returns the rows with their ids."""
    rows = [
        RawAlarm(
            received_at=s.received_at,
            channel=s.channel.value,
            source_hint=s.source_hint,
            content_type=s.content_type,
            body=s.body,
        )
        for s in submissions
    ]
    session.add_all(rows)
    session.flush()
    return rows


def insert_raw_ids(session: Session, submissions: Sequence[Submission]) -> list[int]:
    """Store each payload as received, in one statement; returns their ids in order."""
    rows = [
        {
            "received_at": s.received_at,
            "channel": s.channel.value,
            "source_hint": s.source_hint,
            "content_type": s.content_type,
            "body": s.body,
            "status": RawStatus.RECEIVED.value,
            "error": None,
            "alarm_count": 0,
        }
        for s in submissions
    ]
    if not rows:
        return []
    return [int(i) for i in session.connection().execute(_INSERT_RAW, rows).scalars()]


def mark_raws(session: Session, marks: Sequence[tuple[int, str | None, int]]) -> None:
    """`mark_raw` for many payloads at once: (raw_id, error, alarm_count) each."""
    params = [
        {
            "b_id": raw_id,
            "b_status": (RawStatus.REJECTED if error else RawStatus.PARSED).value,
            "b_error": error,
            "b_count": count,
        }
        for raw_id, error, count in marks
    ]
    if params:
        session.connection().execute(_MARK_RAW, params)


def mark_raw(session: Session, raw_id: int, *, error: str | None, alarm_count: int) -> None:
    """Record whether the payload parsed, and into how many alarms."""
    status = RawStatus.REJECTED if error else RawStatus.PARSED
    session.execute(
        sa.update(RawAlarm)
        .where(col(RawAlarm.id) == raw_id)
        .values(status=status.value, error=error, alarm_count=alarm_count)
    )


def existing_alarms(session: Session, keys: Iterable[Key]) -> dict[Key, StoredAlarm]:
    """The stored alarms for these (source, external_id) keys."""
    wanted = list(dict.fromkeys(keys))
    found: dict[Key, StoredAlarm] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        query = select(StoredAlarm).where(
            sa.tuple_(col(StoredAlarm.source), col(StoredAlarm.external_id)).in_(chunk)
        )
        found.update({(a.source, a.external_id): a for a in session.exec(query)})
    return found


def alarm_position(alarm: Alarm) -> LonLat | None:
    """A point for the alarm: its Point, or the centre of its Polygon."""
    if alarm.location is None:
        return None
    geometry = alarm.location.model_dump()
    if geometry["type"] == "Point":
        lon, lat = geometry["coordinates"][:2]
        return LonLat(lon, lat)
    ring = geometry["coordinates"][0]
    return centroid([LonLat(p[0], p[1]) for p in ring[:-1] or ring])


def new_alarm(alarm: Alarm, *, raw_id: int | None, now: datetime) -> NewAlarm:
    """The row for an alarm never seen before, to insert with `insert_alarms`."""
    position = alarm_position(alarm)
    return NewAlarm(
        source=alarm.source,
        external_id=alarm.external_id,
        type=alarm.type,
        severity=alarm.severity.value,
        status=alarm.status.value,
        occurred_at=alarm.occurred_at,
        received_at=now,
        updated_at=now,
        lon=position.lon if position else None,
        lat=position.lat if position else None,
        location=alarm.location.model_dump_json() if alarm.location else None,
        description=alarm.description,
        data=json.dumps(alarm.data, sort_keys=True, default=str),
        camera_id=alarm.camera_id,
        raw_id=raw_id,
    )


def new_alarm_row(alarm: Alarm, *, raw_id: int | None, now: datetime) -> StoredAlarm:
    """A row for an alarm never seen before."""
    fresh = new_alarm(alarm, raw_id=raw_id, now=now)
    return StoredAlarm(**{name: getattr(fresh, name) for name in _ALARM_COLUMNS})


def insert_alarms(session: Session, rows: Sequence[NewAlarm]) -> None:
    """Insert new alarm rows in one statement and give each its id."""
    if not rows:
        return
    params = [{name: getattr(row, name) for name in _ALARM_COLUMNS} for row in rows]
    ids = session.connection().execute(_INSERT_ALARMS, params).scalars()
    for row, row_id in zip(rows, ids, strict=True):
        row.id = int(row_id)


def place_alarms(session: Session, rows: Sequence[NewAlarm]) -> None:
    """Write what correlation decided for inserted rows: incident, inhibition (and a cancel)."""
    params = [
        {
            "b_id": row.id,
            "b_incident": row.incident_id,
            "b_inhibited": row.inhibited,
            "b_status": row.status,
            "b_updated": row.updated_at,
        }
        for row in rows
    ]
    if params:
        session.connection().execute(_PLACE_ALARMS, params)


def update_alarm_row(row: AlarmRow, alarm: Alarm, *, raw_id: int | None, now: datetime) -> bool:
    """Apply a re-sent alarm to its row; True when its status changed."""
    changed = row.status != alarm.status.value
    fresh = new_alarm(alarm, raw_id=raw_id, now=now)
    for name in ("type", "severity", "status", "occurred_at", "lon", "lat", "location"):
        setattr(row, name, getattr(fresh, name))
    row.description, row.data, row.raw_id = fresh.description, fresh.data, raw_id
    row.updated_at = now
    row.update_count += 1
    row.state_changes += int(changed)
    return changed


def aware(moment: datetime) -> datetime:
    """A stored time as aware UTC (SQLite hands back naive datetimes)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def facts_of(row: AlarmRow) -> AlarmFacts:
    """What correlation needs from a stored alarm."""
    assert row.id is not None
    position = LonLat(row.lon, row.lat) if row.lon is not None and row.lat is not None else None
    return AlarmFacts(row.id, row.source, row.type, aware(row.occurred_at), position, row.camera_id)


def new_incident(row: AlarmRow, *, now: datetime, storm: bool) -> Incident:
    """An incident opened by this alarm, with its type's procedure checklist."""
    entry = alarm_type(row.type)
    title = f"Alarm storm from {row.source}" if storm else f"{entry.label}: {row.description}"
    steps = [{"text": text, "done": False, "by": None, "at": None} for text in entry.procedure]
    return Incident(
        title=title[:256],
        type=row.type,
        severity=row.severity,
        opened_at=row.occurred_at,
        updated_at=now,
        lon=row.lon,
        lat=row.lat,
        procedure=json.dumps(steps),
        storm=storm,
    )


def open_incidents(session: Session) -> list[Incident]:
    """Incidents that still take alarms."""
    statuses = [
        IncidentStatus.NEW.value,
        IncidentStatus.ACKNOWLEDGED.value,
        IncidentStatus.IN_PROGRESS.value,
    ]
    return list(session.exec(select(Incident).where(col(Incident.status).in_(statuses))))


def incident_summary(incident: Incident) -> IncidentSummary:
    """The incident as consoles show it."""
    assert incident.id is not None
    return IncidentSummary(
        id=incident.id,
        title=incident.title,
        type=incident.type,
        severity=incident.severity,
        status=incident.status,
        assignee=incident.assignee,
        opened_at=incident.opened_at,
        updated_at=incident.updated_at,
        lon=incident.lon,
        lat=incident.lat,
        alarm_count=incident.alarm_count,
        cameras=json.loads(incident.cameras),
        storm=incident.storm,
        escalated=incident.escalated,
    )


def alarm_summary(row: AlarmRow, *, created: bool) -> AlarmSummary:
    """The alarm as consoles list it."""
    assert row.id is not None
    return AlarmSummary(
        id=row.id,
        source=row.source,
        external_id=row.external_id,
        type=row.type,
        severity=row.severity,
        status=row.status,
        occurred_at=row.occurred_at,
        description=row.description,
        incident_id=row.incident_id,
        created=created,
        inhibited=row.inhibited,
    )
