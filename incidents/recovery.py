"""What the incident engine takes back from the database: at start, and after a failed batch.

Open incidents come back into the correlator's memory; payloads stored raw but never parsed (a
process died in between) are parsed again in place. Neither may stop csu from starting: a payload
that cannot be parsed or stored is rejected with the reason, as any other.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from incidents.alarms.errors import shown
from incidents.correlation import OpenIncident
from incidents.geo import LonLat
from incidents.incident_rows import IncidentRows
from incidents.models import Exercise, RawAlarm, RawStatus, StoredAlarm, exercise_mark
from incidents.parsing import Channel, Submission
from incidents.records import StoredPayload, prepared


def open_incidents(session: Session, rows: IncidentRows) -> Iterator[OpenIncident]:
    """The open incidents as correlation sees them (their rows loaded into `rows`)."""
    incidents = rows.load_open(session.connection())
    if not incidents:
        return
    # One line per incident, source and type, not one per alarm: a storm's incident holds
    # tens of thousands of alarms, and a failed batch reloads all of this.
    alarm = StoredAlarm.__table__.c  # type: ignore[attr-defined]
    groups = session.execute(
        sa.select(
            alarm.incident_id,
            alarm.source,
            alarm.type,
            sa.func.max(alarm.occurred_at),
            sa.func.min(alarm.id),
        )
        .where(alarm.incident_id.in_([i.id for i in incidents]))
        .group_by(alarm.incident_id, alarm.source, alarm.type)
    ).all()
    by_incident: dict[int, list[tuple[str, str, datetime, int]]] = {}
    for incident_id, source, type_, last, first_id in groups:
        by_incident.setdefault(incident_id, []).append((source, type_, last, first_id))
    for incident in incidents:
        found = by_incident.get(incident.id, [])
        anchor = (
            LonLat(incident.lon, incident.lat)
            if incident.lon is not None and incident.lat is not None
            else None
        )
        first = min(found, key=lambda g: g[3], default=None)
        yield OpenIncident(
            incident.id,
            anchor,
            incident.opened_at,
            max((g[2] for g in found), default=incident.opened_at),
            types={g[1] for g in found},
            groups={(g[0], g[1]) for g in found},
            storm_source=first[0] if incident.storm and first is not None else None,
            exercise_id=incident.exercise_id,
        )


def unparsed(session: Session, *, after: int, limit: int) -> list[tuple[RawAlarm, str | None]]:
    """Payloads stored raw and never parsed, oldest first, with ids above `after`, each with
    the title of the exercise that injected it (None: a real payload)."""
    query = (
        select(RawAlarm, Exercise.title)
        .join(Exercise, col(Exercise.id) == col(RawAlarm.exercise_id), isouter=True)
        .where(col(RawAlarm.status) == RawStatus.RECEIVED.value)
        .where(col(RawAlarm.id) > after)
        .order_by(col(RawAlarm.id))
        .limit(limit)
    )
    return [(raw, title) for raw, title in session.exec(query)]


def reparsed(raw: RawAlarm, now: datetime, exercise_title: str | None = None) -> StoredPayload:
    """A stored payload parsed again; one whose channel this csu does not know is rejected."""
    assert raw.id is not None
    try:
        channel = Channel(raw.channel)
    except ValueError:
        return StoredPayload(raw.id, error=f"unknown channel {shown(raw.channel)}")
    submission = Submission(
        channel=channel,
        body=raw.body,
        received_at=raw.received_at,
        content_type=raw.content_type,
        source_hint=raw.source_hint,
        exercise=exercise_mark(raw.exercise_id, exercise_title),
    )
    return prepared(submission, raw.id, now)


def failure_reason(exc: BaseException) -> str:
    """Why a payload could not be stored: the database driver's first line, else the error's."""
    reason = getattr(exc, "orig", None) or exc
    lines = str(reason).strip().splitlines()
    return f"{type(reason).__name__}: {lines[0]}" if lines else type(reason).__name__
