"""Legal holds: place, list and release (logged before they take effect)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from csu.bounds import RowId
from csu.text import StorableText
from csu.times import ApiTime
from privacy.service import Requester, Viewer
from video.recording.service import HoldRequest, LegalHold
from web.deps import CamerasDep, CurrentViewer, HoldsDep, RequisitionsDep, client_address

router = APIRouter(prefix="/api/holds", tags=["holds"])


class HoldIn(BaseModel):
    """A judicial requisition to keep a camera's footage over [start, end)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "camera_id": "cam-ralliement-1",
                    "start": "2026-11-25T20:30:00+01:00",
                    "end": "2026-11-25T22:00:00+01:00",
                    "requisition": "PV-49-2026-0042",
                    "officer": "OPJ Durand",
                    "reason": "Assault place du Ralliement: footage asked by the prosecutor",
                }
            ]
        },
    )

    camera_id: str = Field(min_length=1, max_length=64)
    start: ApiTime
    end: ApiTime
    requisition: StorableText = Field(
        min_length=1, max_length=128, description="Requisition reference."
    )
    officer: StorableText = Field(
        min_length=1, max_length=128, description="Requesting judicial officer."
    )
    reason: StorableText = Field(min_length=1, max_length=2000, description="Why, as the law asks.")
    requisition_id: RowId | None = Field(
        default=None, description="The requisition of the register this hold is placed for."
    )

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ReleaseIn(BaseModel):
    """Why a hold ends."""

    model_config = ConfigDict(extra="forbid")

    reason: StorableText = Field(min_length=1, max_length=2000)


class HoldOut(BaseModel):
    """A legal hold as stored."""

    id: int
    camera_id: str
    start: datetime
    end: datetime
    requisition: str
    officer: str
    reason: str
    placed_by: str
    placed_at: datetime
    released_at: datetime | None
    released_by: str | None
    release_reason: str | None
    requisition_id: int | None
    active: bool


def _out(hold: LegalHold) -> HoldOut:
    assert hold.id is not None
    return HoldOut(
        id=hold.id,
        camera_id=hold.camera_id,
        start=hold.start,
        end=hold.end,
        requisition=hold.requisition,
        officer=hold.officer,
        reason=hold.reason,
        placed_by=hold.placed_by,
        placed_at=hold.placed_at,
        released_at=hold.released_at,
        released_by=hold.released_by,
        release_reason=hold.release_reason,
        requisition_id=hold.requisition_id,
        active=hold.released_at is None,
    )


def _actor(request: Request, viewer: Viewer) -> Requester:
    return Requester(viewer, client_address(request))


@router.post("", response_model=HoldOut, status_code=status.HTTP_201_CREATED)
def place_hold(
    body: HoldIn,
    request: Request,
    viewer: CurrentViewer,
    holds: HoldsDep,
    cameras: CamerasDep,
    requisitions: RequisitionsDep,
) -> HoldOut:
    """Keep footage past retention for a requisition (supervisor or admin; logged first)."""
    cameras.known(body.camera_id)
    if body.requisition_id is not None:
        requisitions.known(body.requisition_id)
    hold_request = HoldRequest(
        body.camera_id,
        body.start,
        body.end,
        body.requisition,
        body.officer,
        body.reason,
        body.requisition_id,
    )
    hold = holds.place(hold_request, _actor(request, viewer))
    return _out(hold)


@router.get("", response_model=list[HoldOut])
def list_holds(
    request: Request,
    viewer: CurrentViewer,
    holds: HoldsDep,
    active: bool = False,
) -> list[HoldOut]:
    """Legal holds on the cameras this user may hold, newest first."""
    return [_out(h) for h in holds.holds(_actor(request, viewer), active_only=active)]


@router.post("/{hold_id}/release", response_model=HoldOut)
def release_hold(
    hold_id: RowId,
    body: ReleaseIn,
    request: Request,
    viewer: CurrentViewer,
    holds: HoldsDep,
) -> HoldOut:
    """End a hold; its footage falls back under retention (logged first)."""
    hold = holds.release(hold_id, body.reason, _actor(request, viewer))
    return _out(hold)
