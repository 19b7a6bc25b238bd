"""Database work of the incident engine's writer thread: raw payloads, alarms, incidents."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from incidents.alarms import Alarm, alarm_type
from incidents.correlation import AlarmFacts
from incidents.events import AlarmSummary, IncidentSummary
from incidents.geo import LonLat, centroid
from incidents.models import Incident, IncidentStatus, RawAlarm, RawStatus, StoredAlarm
from incidents.parsing import Submission

Key = tuple[str, str]
_CHUNK = 400


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


def new_alarm_row(alarm: Alarm, *, raw_id: int | None, now: datetime) -> StoredAlarm:
    """A row for an alarm never seen before."""
    position = alarm_position(alarm)
    return StoredAlarm(
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


def update_alarm_row(row: StoredAlarm, alarm: Alarm, *, raw_id: int | None, now: datetime) -> bool:
    """Apply a re-sent alarm to its row; True when its status changed."""
    changed = row.status != alarm.status.value
    fresh = new_alarm_row(alarm, raw_id=raw_id, now=now)
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


def facts_of(row: StoredAlarm) -> AlarmFacts:
    """What correlation needs from a stored alarm."""
    assert row.id is not None
    position = LonLat(row.lon, row.lat) if row.lon is not None and row.lat is not None else None
    return AlarmFacts(row.id, row.source, row.type, aware(row.occurred_at), position, row.camera_id)


def new_incident(row: StoredAlarm, *, now: datetime, storm: bool) -> Incident:
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


def alarm_summary(row: StoredAlarm, *, created: bool) -> AlarmSummary:
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
