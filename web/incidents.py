"""Incidents: list, detail with timeline, and operators' actions."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field

from csu.identity.models import User
from incidents.analytics_alarms import AnalyticsAlarmView, analytics_views
from incidents.commands import ActionName, CommandError, IncidentCommand, IncidentNotFound
from incidents.engine_process import EngineUnavailable
from incidents.events import IncidentSummary
from incidents.models import IncidentStatus
from incidents.service import incident_detail, list_incidents
from incidents.store import alarm_summary, incident_summary
from privacy.policy import Action
from web.deps import DbSession, Services, require

router = APIRouter(prefix="/api/incidents", tags=["incidents"])

Reader = Annotated[User, Depends(require(Action.INCIDENT_READ))]
Actor = Annotated[User, Depends(require(Action.INCIDENT_ACT))]


class TimelineOut(BaseModel):
    """One timeline entry."""

    at: datetime
    kind: str
    author: str | None
    text: str
    data: dict[str, Any]


class ProcedureStep(BaseModel):
    """A checklist step."""

    text: str
    done: bool
    by: str | None
    at: str | None


class IncidentOut(IncidentSummary):
    """An incident with its story, its alarms and its checklist."""

    timeline: list[TimelineOut]
    alarms: list[dict[str, Any]]
    analytics: list[AnalyticsAlarmView]
    procedure: list[ProcedureStep]


class ActionIn(BaseModel):
    """An operator's action on an incident."""

    action: Literal[
        "acknowledge", "note", "assign", "status", "escalate", "step", "confirm", "dismiss"
    ]
    text: str | None = Field(default=None, max_length=4000)
    assignee: str | None = Field(default=None, max_length=64)
    status: IncidentStatus | None = None
    step: int | None = Field(default=None, ge=0)
    done: bool = True
    alarm_id: int | None = Field(
        default=None, ge=1, description="confirm/dismiss: one analytics alarm (default: all)."
    )


@router.get("", response_model=list[IncidentSummary])
def get_incidents(
    session: DbSession, _user: Reader, status: IncidentStatus | None = None
) -> list[IncidentSummary]:
    """Incidents, most recently changed first."""
    return [incident_summary(i) for i in list_incidents(session, status=status)]


@router.get("/{incident_id}", response_model=IncidentOut)
def get_incident(incident_id: int, session: DbSession, _user: Reader) -> IncidentOut:
    """One incident with its timeline."""
    detail = incident_detail(session, incident_id)
    if detail is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no incident {incident_id}")
    summary = incident_summary(detail.incident)
    return IncidentOut(
        **summary.model_dump(),
        timeline=[
            TimelineOut(at=e.at, kind=e.kind, author=e.author, text=e.text, data=json.loads(e.data))
            for e in detail.timeline
        ],
        alarms=[alarm_summary(a, created=False).model_dump(mode="json") for a in detail.alarms],
        analytics=analytics_views(detail.alarms),
        procedure=[ProcedureStep(**step) for step in json.loads(detail.incident.procedure)],
    )


@router.post("/{incident_id}/actions", response_model=IncidentSummary)
async def post_action(
    incident_id: int, body: ActionIn, user: Actor, services: Services
) -> IncidentSummary:
    """Acknowledge, note, assign, change status, escalate or tick a checklist step."""
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
    )
    try:
        return await services.incidents.act(command)
    except IncidentNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except CommandError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except EngineUnavailable as exc:  # restarting: whether the action was applied is unknown
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, str(exc), headers={"Retry-After": "1"}
        ) from None
