"""Incidents: list, detail with timeline, and operators' actions."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from csu.bounds import Position, RowId
from csu.identity.models import User
from csu.text import StorableText
from csu.times import UtcTime
from incidents.analytics_alarms import AnalyticsAlarmView, analytics_views
from incidents.commands import ActionName, IncidentCommand
from incidents.events import IncidentSummary
from incidents.models import IncidentStatus
from incidents.service import incident_detail, list_incidents
from incidents.store import alarm_summary
from incidents.visibility import alarm_visible, entry_visible, shown_incident
from privacy.policy import Action
from web.deps import CurrentViewer, DbSession, Services, require

router = APIRouter(prefix="/api/incidents", tags=["incidents"])

Reader = Annotated[User, Depends(require(Action.INCIDENT_READ))]
Actor = Annotated[User, Depends(require(Action.INCIDENT_ACT))]


class TimelineOut(BaseModel):
    """One timeline entry."""

    at: UtcTime
    kind: str
    author: str | None
    text: str
    data: dict[str, Any]


class IncidentOut(IncidentSummary):
    """An incident with its story, its alarms and its checklist."""

    timeline: list[TimelineOut]
    alarms: list[dict[str, Any]]
    analytics: list[AnalyticsAlarmView]


class ActionIn(BaseModel):
    """An operator's action on an incident."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"action": "acknowledge"},
                {"action": "note", "text": "Patrol 12 on its way"},
                {"action": "escalate", "text": "Water in the underpass"},
            ]
        }
    )

    action: Literal[
        "acknowledge", "note", "assign", "status", "escalate", "step", "confirm", "dismiss"
    ]
    text: StorableText | None = Field(default=None, max_length=4000)
    assignee: StorableText | None = Field(default=None, max_length=64)
    status: IncidentStatus | None = None
    step: Position | None = None
    done: bool = True
    alarm_id: RowId | None = Field(
        default=None, description="confirm/dismiss: one analytics alarm (default: all)."
    )


@router.get("", response_model=list[IncidentSummary])
def get_incidents(
    session: DbSession, _user: Reader, viewer: CurrentViewer, status: IncidentStatus | None = None
) -> list[IncidentSummary]:
    """Incidents, most recently changed first: those on the reader's cameras or on none."""
    incidents = list_incidents(session, status=status, seen=viewer.seen)
    shown = (shown_incident(viewer.seen, i) for i in incidents)
    return [i for i in shown if i is not None]


@router.get("/{incident_id}", response_model=IncidentOut)
def get_incident(
    incident_id: RowId, session: DbSession, _user: Reader, viewer: CurrentViewer
) -> IncidentOut:
    """One incident with its timeline, as far as it concerns the reader's cameras."""
    detail = incident_detail(session, incident_id)
    summary = shown_incident(viewer.seen, detail.incident) if detail else None
    if detail is None or summary is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no incident {incident_id}")
    scope = viewer.seen
    alarms = [a for a in detail.alarms if alarm_visible(scope, a.camera_id)]
    hidden = {a.id for a in detail.alarms if a.id is not None} - {a.id for a in alarms}
    entries = [(e, json.loads(e.data)) for e in detail.timeline]
    return IncidentOut(
        **summary.model_dump(),
        timeline=[
            TimelineOut(at=e.at, kind=e.kind, author=e.author, text=e.text, data=data)
            for e, data in entries
            if entry_visible(scope, data, hidden)
        ],
        alarms=[alarm_summary(a, created=False).model_dump(mode="json") for a in alarms],
        analytics=analytics_views(alarms),
    )


@router.post("/{incident_id}/actions", response_model=IncidentSummary)
async def post_action(
    incident_id: RowId, body: ActionIn, user: Actor, viewer: CurrentViewer, services: Services
) -> IncidentSummary:
    """Acknowledge, note, assign, change status, escalate, tick a checklist step, or decide on
    an analytics alert (which needs the snapshot right on its camera)."""
    command = IncidentCommand(
        incident_id=incident_id,
        action=ActionName(body.action),
        user=user.username,
        text=body.text,
        assignee=body.assignee,
        status=body.status,
        step=body.step,
        done=body.done,
        alarm_id=body.alarm_id,
        seen=viewer.seen,
        pictures=viewer.scope(Action.SNAPSHOT),
    )
    summary = await services.incidents.act(command)
    return shown_incident(viewer.seen, summary) or summary
