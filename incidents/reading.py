"""What a reader sees of alarms and incidents: pages of alarms (or of payloads kept as rejected),
incidents, and one incident in full, each within the cameras the reader may see."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlmodel import Session

from csu.db import Database
from csu.times import UtcTime
from incidents.analytics_decisions import AnalyticsAlarmView, analytics_views
from incidents.commands import IncidentNotFound
from incidents.events import AlarmSummary, IncidentSummary
from incidents.incident_rows import INCIDENTS, load_incident, read_incidents
from incidents.models import OPEN_STATUSES, TimelineEntry
from incidents.records import ALARMS, AlarmRow, read_alarms
from incidents.rejected import RejectedPayload, list_rejected
from incidents.store import alarm_summary
from incidents.timeline import timeline
from incidents.timeline_view import TimelineItem, TimelineView, alarm_refs, timeline_items
from incidents.visibility import alarm_visible, entry_visible, shown_incident
from privacy.policy import EVERY_CAMERA, CameraScope


@dataclass(frozen=True)
class IncidentDetail:
    """An incident with its timeline and alarms."""

    incident: IncidentSummary
    timeline: list[TimelineEntry]
    alarms: list[AlarmRow]


def list_alarms(
    session: Session,
    *,
    source: str | None = None,
    type_: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
    seen: CameraScope = EVERY_CAMERA,
    before_id: int | None = None,
) -> tuple[list[AlarmRow], int]:
    """Stored alarms newest first, and how many match in all; of the cameras `seen` (or none)."""
    conditions = []
    if seen.cameras is not None:
        camera = ALARMS.c.camera_id
        conditions.append(sa.or_(camera.is_(None), camera.in_(sorted(seen.cameras))))
    if source:
        conditions.append(ALARMS.c.source == source)
    if type_:
        conditions.append(ALARMS.c.type == type_)
    if since:
        conditions.append(ALARMS.c.received_at >= since)
    counted = sa.select(sa.func.count()).select_from(ALARMS).where(*conditions)
    total = session.execute(counted).scalar_one()
    if before_id is not None:  # a later page: the count is of them all
        conditions.append(ALARMS.c.id < before_id)
    query = sa.select(ALARMS).where(*conditions).order_by(ALARMS.c.id.desc()).limit(limit)
    return read_alarms(session.connection(), query), int(total)


def list_incidents(
    session: Session,
    *,
    status: str | None = None,
    limit: int = 200,
    seen: CameraScope = EVERY_CAMERA,
) -> list[IncidentSummary]:
    """Incidents, most recently changed first: those on a camera `seen`, or on none."""
    query = sa.select(INCIDENTS)
    if status:
        query = query.where(INCIDENTS.c.status == status)
    if seen.cameras is not None:
        # In the database, not after the limit: a reader of one camera must not find their
        # incidents crowded out by two hundred of other cameras'. Ids are JSON strings there.
        cameras = INCIDENTS.c.cameras
        named = [cameras.contains(json.dumps(c), autoescape=True) for c in sorted(seen.cameras)]
        query = query.where(sa.or_(cameras == "[]", *named))
    query = query.order_by(INCIDENTS.c.updated_at.desc()).limit(limit)
    return read_incidents(session.connection(), query)


def is_assignee(db: Database, username: str, camera_id: str) -> bool:
    """Whether an open incident on the camera is assigned to the user (PTZ take-over)."""
    cameras = INCIDENTS.c.cameras
    query = (
        sa.select(INCIDENTS.c.id)
        .where(
            INCIDENTS.c.assignee == username,
            INCIDENTS.c.status.in_(sorted(OPEN_STATUSES)),
            cameras.contains(json.dumps(camera_id), autoescape=True),
        )
        .limit(1)
    )
    with db.session() as session:
        return session.execute(query).first() is not None


def incident_detail(session: Session, incident_id: int) -> IncidentDetail | None:
    """One incident with its timeline and alarms."""
    incident = load_incident(session.connection(), incident_id)
    if incident is None:
        return None
    query = sa.select(ALARMS).where(ALARMS.c.incident_id == incident_id).order_by(ALARMS.c.id)
    alarms = read_alarms(session.connection(), query)
    return IncidentDetail(incident, timeline(session, incident_id), alarms)


class StoredAlarm(BaseModel):
    """A stored alarm."""

    alarm: AlarmSummary
    location: dict[str, Any] | None
    data: dict[str, Any]
    received_at: UtcTime
    update_count: int
    flapping: bool


class RejectedAlarm(BaseModel):
    """A payload that could not be parsed, kept as received."""

    raw_id: int
    received_at: UtcTime
    channel: str
    source_hint: str | None
    content_type: str | None
    error: str | None
    body: str = Field(
        description="The body as text (invalid UTF-8 replaced), its start only when body_truncated."
    )
    body_bytes: int = Field(description="The whole body's size.")
    body_truncated: bool = Field(
        description="True when only the start is shown: the whole"
        " body is at /api/alarms/rejected/{raw_id}/body."
    )


class AlarmPage(BaseModel):
    """A page of alarms, newest first, with the count of all that match."""

    total: int
    items: list[StoredAlarm] | list[RejectedAlarm]
    next_before_id: int | None = Field(
        default=None, description="Pass as before_id for the next page; null on the last."
    )


class IncidentView(IncidentSummary):
    """An incident with its story, its alarms and its checklist."""

    timeline: list[TimelineItem]
    alarms: list[dict[str, Any]]
    analytics: list[AnalyticsAlarmView]


def alarm_page(
    session: Session,
    *,
    seen: CameraScope,
    source: str | None = None,
    type_: str | None = None,
    since: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> AlarmPage:
    """Stored alarms of the cameras `seen` (or of none), newest first, a page at a time."""
    rows, total = list_alarms(
        session,
        source=source,
        type_=type_,
        since=since,
        before_id=before_id,
        limit=limit,
        seen=seen,
    )
    items = [
        StoredAlarm(
            alarm=alarm_summary(r, created=r.update_count == 0),
            location=json.loads(r.location) if r.location else None,
            data=json.loads(r.data),
            received_at=r.received_at,
            update_count=r.update_count,
            flapping=r.flapping,
        )
        for r in rows
    ]
    return AlarmPage(total=total, items=items, next_before_id=_next([r.id for r in rows], limit))


def rejected_page(
    session: Session,
    *,
    since: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> AlarmPage:
    """Payloads kept as rejected, newest first, each body cut short, a page at a time."""
    raws, total = list_rejected(session, since=since, before_id=before_id, limit=limit)
    items = [_rejected(r) for r in raws]
    return AlarmPage(total=total, items=items, next_before_id=_next([r.id for r in raws], limit))


def incidents_seen(
    session: Session, *, seen: CameraScope, status: str | None = None
) -> list[IncidentSummary]:
    """Incidents, most recently changed first, on the cameras `seen` (or on none), naming only
    those cameras."""
    incidents = list_incidents(session, status=status, seen=seen)
    shown = (shown_incident(seen, i) for i in incidents)
    return [i for i in shown if i is not None]


def incident_view(
    session: Session, incident_id: int, *, seen: CameraScope, view: TimelineView = "all"
) -> IncidentView:
    """One incident with its timeline (`view`: grouped, people only or all), alarms and
    checklist, as far as they concern the cameras `seen`; IncidentNotFound when there is none,
    or none the reader may see."""
    detail = incident_detail(session, incident_id)
    summary = shown_incident(seen, detail.incident) if detail else None
    if detail is None or summary is None:
        raise IncidentNotFound(
            f"no incident {incident_id}", key="errors.incidents.unknown", incident=incident_id
        )
    alarms = [a for a in detail.alarms if alarm_visible(seen, a.camera_id)]
    hidden = {a.id for a in detail.alarms if a.id is not None} - {a.id for a in alarms}
    entries = [(e, json.loads(e.data)) for e in detail.timeline]
    items = [
        TimelineItem(at=e.at, kind=e.kind, author=e.author, text=e.text, data=data)
        for e, data in entries
        if entry_visible(seen, data, hidden)
    ]
    return IncidentView(
        **summary.model_dump(),
        timeline=timeline_items(items, alarm_refs(alarms), view),
        alarms=[alarm_summary(a, created=False).model_dump(mode="json") for a in alarms],
        analytics=analytics_views(alarms),
    )


def _next(ids: Sequence[int | None], limit: int) -> int | None:
    """The id to page on from, when the page is full (there may be more)."""
    return ids[-1] if len(ids) == limit and ids else None


def _rejected(raw: RejectedPayload) -> RejectedAlarm:
    return RejectedAlarm(
        raw_id=raw.id,
        received_at=raw.received_at,
        channel=raw.channel,
        source_hint=raw.source_hint,
        content_type=raw.content_type,
        error=raw.error,
        body=raw.body.decode("utf-8", errors="replace"),
        body_bytes=raw.body_bytes,
        body_truncated=len(raw.body) < raw.body_bytes,
    )
