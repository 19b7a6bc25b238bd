"""Tables for raw payloads, alarms, incidents and their timelines."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from csu.db import UtcDateTime
from csu.times import UtcTime


class ExerciseMark(BaseModel):
    """What marks an alarm or incident as an exercise's, on the wire: EXERCICE and its title."""

    id: int
    title: str


def exercise_mark(exercise_id: int | None, title: str | None) -> ExerciseMark | None:
    """The mark of a row with these exercise columns; None for the real watch's."""
    return None if exercise_id is None else ExerciseMark(id=exercise_id, title=title or "")


class Exercise(SQLModel, table=True):
    """A training exercise played through the real chain; what it creates carries its id."""

    __tablename__ = "exercises"

    id: int | None = Field(default=None, primary_key=True)
    scenario: str = Field(max_length=128)
    title: str = Field(max_length=256)
    started_by: str = Field(max_length=64)
    started_at: datetime = Field(sa_type=UtcDateTime, index=True)
    ended_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    ended_by: str | None = Field(default=None, max_length=64)


class RawStatus(StrEnum):
    """What became of a received payload."""

    RECEIVED = "received"
    PARSED = "parsed"
    REJECTED = "rejected"


class RawAlarm(SQLModel, table=True):
    """A payload exactly as received, stored before it is parsed so nothing is ever lost."""

    __tablename__ = "raw_alarms"

    id: int | None = Field(default=None, primary_key=True)
    received_at: datetime = Field(sa_type=UtcDateTime, index=True)
    channel: str = Field(max_length=32, description="http.json, http.cap, http.ngsi-ld, mqtt...")
    source_hint: str | None = Field(default=None, max_length=256, description="Topic or source.")
    content_type: str | None = Field(default=None, max_length=128)
    body: bytes = Field(sa_type=sa.LargeBinary)
    status: str = Field(default=RawStatus.RECEIVED.value, max_length=16, index=True)
    error: str | None = Field(default=None, sa_type=sa.Text)
    alarm_count: int = Field(default=0)
    # In a cluster, the alarm stream's id of the payload: a message redelivered after its raw row
    # was committed (the engine died before acknowledging it) is known by it and not stored again.
    intake_id: str | None = Field(default=None, max_length=32, unique=True, index=True)
    exercise_id: int | None = Field(default=None, index=True, description="Injected for it.")


class StoredAlarm(SQLModel, table=True):
    """One alarm; the same source and external id always update this row, never add one.

    The table only: in memory an alarm row is an `incidents.records.AlarmRow`.
    """

    __tablename__ = "alarms"
    __table_args__ = (sa.UniqueConstraint("source", "external_id", name="uq_alarm_source_ext"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=128)
    external_id: str = Field(max_length=512)
    type: str = Field(max_length=64, index=True)
    severity: str = Field(max_length=16)
    status: str = Field(max_length=16)
    occurred_at: datetime = Field(sa_type=UtcDateTime, index=True)
    received_at: datetime = Field(sa_type=UtcDateTime, index=True)
    updated_at: datetime = Field(sa_type=UtcDateTime)
    lon: float | None = Field(default=None)
    lat: float | None = Field(default=None)
    location: str | None = Field(default=None, sa_type=sa.Text, description="GeoJSON geometry.")
    description: str = Field(default="", sa_type=sa.Text)
    data: str = Field(default="{}", sa_type=sa.Text)
    camera_id: str | None = Field(default=None, max_length=64)
    incident_id: int | None = Field(default=None, foreign_key="incidents.id", index=True)
    raw_id: int | None = Field(default=None, foreign_key="raw_alarms.id")
    update_count: int = Field(default=0)
    state_changes: int = Field(default=0)
    inhibited: bool = Field(default=False)
    flapping: bool = Field(default=False)
    exercise_id: int | None = Field(default=None, index=True)
    exercise_title: str | None = Field(default=None, max_length=256)


class IncidentStatus(StrEnum):
    """The incident lifecycle, in order."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


# The statuses of an incident someone still has to deal with: the queue, the walls, the crisis.
OPEN_STATUSES = frozenset(
    {IncidentStatus.NEW.value, IncidentStatus.ACKNOWLEDGED.value, IncidentStatus.IN_PROGRESS.value}
)


class IncidentFields(SQLModel):
    """The fields an incident has alike in its table (`Incident`) and in memory and on the wire
    (`incidents.events.IncidentSummary`), which add its id, cameras and checklist each their way.
    """

    title: str = Field(max_length=256)
    type: str = Field(max_length=64)
    severity: str = Field(max_length=16, index=True)
    status: str = Field(default=IncidentStatus.NEW.value, max_length=16, index=True)
    assignee: str | None = Field(default=None, max_length=64)
    opened_at: UtcTime = Field(sa_type=UtcDateTime, index=True)
    updated_at: UtcTime = Field(sa_type=UtcDateTime)
    closed_at: UtcTime | None = Field(default=None, sa_type=UtcDateTime)
    lon: float | None = Field(default=None)
    lat: float | None = Field(default=None)
    alarm_count: int = Field(default=0)
    storm: bool = Field(default=False)
    escalated: bool = Field(default=False)
    # An exercise's incident (None: the real watch's): kept apart from real alarms, the log book
    # and the walls a real incident holds. The title is the exercise's, for the EXERCICE mark.
    exercise_id: int | None = Field(default=None, index=True)
    exercise_title: str | None = Field(default=None, max_length=256)


class Incident(IncidentFields, table=True):
    """Something that happened somewhere, built from one or more alarms and video events.

    The table only: csu reads and writes it with Core SQL (`incidents.incident_rows`), and holds
    an incident as an `incidents.events.IncidentSummary`.
    """

    __tablename__ = "incidents"

    id: int | None = Field(default=None, primary_key=True)
    cameras: str = Field(
        default="[]", sa_type=sa.Text, description="Covering cameras, nearest first (JSON)."
    )
    procedure: str = Field(
        default="[]", sa_type=sa.Text, description="Checklist steps and who did them (JSON)."
    )


class TimelineKind(StrEnum):
    """The kinds of timeline entry; written only by incidents.timeline."""

    ALARM_RECEIVED = "alarm_received"
    ALARM_UPDATED = "alarm_updated"
    VIDEO_EVENT = "video_event"
    CAMERA_ATTACHED = "camera_attached"
    CLIP = "clip"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    NOTE = "note"
    STATUS_CHANGE = "status_change"
    ESCALATED = "escalated"
    PROCEDURE_STEP = "procedure_step"
    ANALYTICS_DECISION = "analytics_decision"


class TimelineEntry(SQLModel, table=True):
    """One line of an incident's story."""

    __tablename__ = "incident_timeline"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    at: datetime = Field(sa_type=UtcDateTime, index=True)
    kind: str = Field(max_length=32)
    author: str | None = Field(default=None, max_length=64)
    text: str = Field(default="", sa_type=sa.Text)
    data: str = Field(default="{}", sa_type=sa.Text)
