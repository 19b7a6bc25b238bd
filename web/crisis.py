"""Crises over HTTP: open by hand, the log of decisions and actions, close, the printable report."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from crisis.events import CrisisSummary
from crisis.service import CrisisLogKind, crisis_detail, current, list_all
from csu.bounds import RowId
from csu.text import StorableText
from csu.times import UtcTime
from privacy.policy import Action
from privacy.service import Viewer
from web.deps import CrisesDep, DbSession, require

router = APIRouter(prefix="/api/crises", tags=["crisis"])

Reader = Annotated[Viewer, Depends(require(Action.CRISIS_READ))]
Actor = Annotated[Viewer, Depends(require(Action.CRISIS_ACT))]
# Names are written raw into the crisis log and its frozen report: text no database stores is
# refused here, or every later close of the crisis would fail on PostgreSQL.
Username = Annotated[StorableText, Field(min_length=1, max_length=64)]


class CrisisIn(BaseModel):
    """A crisis opened by hand."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"title": "Crue de la Maine", "incidents": [1]}]},
    )

    title: StorableText = Field(min_length=1, max_length=256)
    incidents: list[RowId] = Field(default_factory=list, max_length=100)
    participants: list[Username] = Field(default_factory=list, max_length=100)


class LogIn(BaseModel):
    """A decision or an action of the crisis cell."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["decision", "action"] = "decision"
    text: StorableText = Field(min_length=1, max_length=4000)
    incident_id: RowId | None = Field(
        default=None, description="The incident it concerns (attached to the crisis if not yet)."
    )


class LogOut(BaseModel):
    """One line of the crisis log."""

    at: UtcTime
    author: str | None
    kind: str
    text: str
    incident_id: int | None


class CrisisOut(CrisisSummary):
    """A crisis with its log."""

    log: list[LogOut]


class ParticipantIn(BaseModel):
    """Someone joining the crisis cell."""

    username: Username


class IncidentIn(BaseModel):
    """An incident to attach to the crisis."""

    incident_id: RowId


class CloseIn(BaseModel):
    """Why the crisis ends: its summary, the last line of its log and of its report."""

    text: StorableText | None = Field(default=None, max_length=4000)


@router.get("", response_model=list[CrisisSummary])
def get_crises_list(session: DbSession, _user: Reader) -> list[CrisisSummary]:
    """Crises, newest first."""
    return list_all(session)


@router.get("/current", response_model=CrisisSummary | None)
def get_current(session: DbSession, _user: Reader) -> CrisisSummary | None:
    """The open crisis, or null."""
    return current(session)


@router.post("", response_model=CrisisSummary, status_code=status.HTTP_201_CREATED)
async def open_crisis(body: CrisisIn, user: Actor, crises: CrisesDep) -> CrisisSummary:
    """Open a crisis by hand (409 while another is open)."""
    return await crises.open(
        title=body.title,
        by=user.username,
        incidents=body.incidents,
        participants=body.participants,
    )


@router.get("/{crisis_id}", response_model=CrisisOut)
def get_crisis(crisis_id: RowId, session: DbSession, _user: Reader) -> CrisisOut:
    """A crisis with its log."""
    detail = crisis_detail(session, crisis_id)
    log = [
        LogOut(at=e.at, author=e.author, kind=e.kind, text=e.text, incident_id=e.incident_id)
        for e in detail.log
    ]
    return CrisisOut(**detail.crisis.model_dump(), log=log)


@router.post("/{crisis_id}/log", response_model=CrisisSummary, status_code=201)
async def write_log(crisis_id: RowId, body: LogIn, user: Actor, crises: CrisesDep) -> CrisisSummary:
    """Log a decision or an action, about an incident if named (its author joins the
    participants)."""
    return await crises.write(
        crisis_id,
        by=user.username,
        kind=CrisisLogKind(body.kind),
        text=body.text,
        incident_id=body.incident_id,
    )


@router.post("/{crisis_id}/participants", response_model=CrisisSummary)
async def add_participant(
    crisis_id: RowId, body: ParticipantIn, user: Actor, crises: CrisesDep
) -> CrisisSummary:
    """Add someone to the crisis cell."""
    return await crises.join(crisis_id, username=body.username, by=user.username)


@router.post("/{crisis_id}/incidents", response_model=CrisisSummary)
async def attach_incident(
    crisis_id: RowId, body: IncidentIn, user: Actor, crises: CrisesDep
) -> CrisisSummary:
    """Attach an incident to the crisis (the crisis walls show its cameras)."""
    return await crises.link(crisis_id, incident_id=body.incident_id, by=user.username)


@router.post("/{crisis_id}/close", response_model=CrisisSummary)
async def close_crisis(
    crisis_id: RowId, body: CloseIn, user: Actor, crises: CrisesDep
) -> CrisisSummary:
    """Close the crisis; its report is frozen at /api/crises/{id}/report."""
    return await crises.close(crisis_id, by=user.username, text=body.text)


@router.get(
    "/{crisis_id}/report",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}},
)
def get_report(
    crisis_id: RowId, session: DbSession, _user: Reader, crises: CrisesDep
) -> HTMLResponse:
    """The printable report (a draft while the crisis is open)."""
    return HTMLResponse(crises.report(session, crisis_id))
