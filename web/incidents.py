"""Incidents: list, detail with timeline, and operators' actions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from csu.bounds import Position, RowId
from csu.text import StorableText
from incidents.service import (
    ActionName,
    IncidentCommand,
    IncidentPage,
    IncidentQuery,
    IncidentStatus,
    IncidentSummary,
    IncidentView,
    TimelineView,
    incident_view,
    incidents_seen,
    search_incidents,
    shown_incident,
)
from privacy.policy import Action
from privacy.service import Viewer
from web.deps import DbSession, IncidentsDep, require

router = APIRouter(prefix="/api/incidents", tags=["incidents"])

Reader = Annotated[Viewer, Depends(require(Action.INCIDENT_READ))]
Actor = Annotated[Viewer, Depends(require(Action.INCIDENT_ACT))]


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
    session: DbSession, viewer: Reader, status: IncidentStatus | None = None
) -> list[IncidentSummary]:
    """Incidents, most recently changed first: those on the reader's cameras or on none."""
    return incidents_seen(session, seen=viewer.seen, status=status)


@router.get("/search", response_model=IncidentPage)
def search(
    session: DbSession, viewer: Reader, query: Annotated[IncidentQuery, Query()]
) -> IncidentPage:
    """Incidents, open or closed, by time, place, type or service, camera, status and text."""
    return search_incidents(session, query, seen=viewer.seen)


@router.get("/{incident_id}", response_model=IncidentView)
def get_incident(
    incident_id: RowId,
    session: DbSession,
    viewer: Reader,
    view: Annotated[
        TimelineView,
        Query(
            description="grouped: repeated alarms folded into one line (kind alarm_group, its "
            "alarm ids in group.alarm_ids); people: notes, decisions, acknowledgements, "
            "escalations only; all: every entry as written."
        ),
    ] = "grouped",
) -> IncidentView:
    """One incident with its timeline, as far as it concerns the reader's cameras."""
    return incident_view(session, incident_id, seen=viewer.seen, view=view)


@router.post("/{incident_id}/actions", response_model=IncidentSummary)
async def post_action(
    incident_id: RowId, body: ActionIn, viewer: Actor, incidents: IncidentsDep
) -> IncidentSummary:
    """Acknowledge, note, assign, change status, escalate, tick a checklist step, or decide on
    an analytics alert (which needs the snapshot right on its camera)."""
    command = IncidentCommand(
        incident_id=incident_id,
        action=ActionName(body.action),
        user=viewer.username,
        text=body.text,
        assignee=body.assignee,
        status=body.status,
        step=body.step,
        done=body.done,
        alarm_id=body.alarm_id,
        seen=viewer.seen,
        pictures=viewer.scope(Action.SNAPSHOT),
    )
    summary = await incidents.act(command)
    return shown_incident(viewer.seen, summary) or summary
