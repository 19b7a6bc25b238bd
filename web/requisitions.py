"""The requisitions register over HTTP: supervisors record and follow judicial requisitions and
right-of-access requests, the privacy officer reads them; every change (and every refusal) is in
the access log."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from csu.bounds import RowId
from csu.text import StorableText
from csu.times import ApiTime
from privacy.service import Requester, Viewer
from video.requisitions.service import (
    ExportMade,
    Handover,
    NewRequisition,
    RequestedSpan,
    Requisition,
    RequisitionChange,
    RequisitionKind,
    RequisitionStatus,
    is_late,
)
from web.deps import CurrentViewer, RequisitionsDep, SiteDep, client_address

router = APIRouter(prefix="/api/requisitions", tags=["requisitions"])


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class SpanIn(BaseModel):
    """One camera's footage asked for, over [start, end)."""

    model_config = ConfigDict(extra="forbid")

    camera_id: str = Field(min_length=1, max_length=64)
    start: ApiTime
    end: ApiTime

    _times = field_validator("start", "end")(_utc)


class RequisitionIn(BaseModel):
    """A requisition as received from a judicial authority (authority, officer), or a
    right-of-access request from a person (kind access: requester; legal basis gdpr_art15 or
    lil_art104; the deadline is the law's, one month from receipt, so none is given)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reference": "PV-49-2026-0042",
                    "authority": "Parquet du tribunal judiciaire d'Angers",
                    "officer": "OPJ Durand",
                    "received_at": "2026-11-26T09:00:00+01:00",
                    "legal_basis": "Art. 77-1-1 du code de procédure pénale",
                    "requested": [
                        {
                            "camera_id": "cam-ralliement-1",
                            "start": "2026-11-25T20:30:00+01:00",
                            "end": "2026-11-25T22:00:00+01:00",
                        }
                    ],
                    "deadline": "2026-12-03T18:00:00+01:00",
                },
                {
                    "kind": "access",
                    "reference": "DA-2026-0007",
                    "requester": "Mme Claire Martin",
                    "received_at": "2026-11-26T09:00:00+01:00",
                    "legal_basis": "gdpr_art15",
                    "requested": [
                        {
                            "camera_id": "cam-ralliement-1",
                            "start": "2026-11-25T17:40:00+01:00",
                            "end": "2026-11-25T17:50:00+01:00",
                        }
                    ],
                },
            ]
        },
    )

    kind: RequisitionKind = RequisitionKind.JUDICIAL
    reference: StorableText = Field(min_length=1, max_length=128)
    authority: StorableText | None = Field(default=None, min_length=1, max_length=200)
    officer: StorableText | None = Field(default=None, min_length=1, max_length=128)
    requester: StorableText | None = Field(
        default=None, min_length=1, max_length=200, description="The person (access requests)."
    )
    received_at: ApiTime
    legal_basis: StorableText = Field(min_length=1, max_length=2000)
    requested: list[SpanIn] = Field(default_factory=list, max_length=100)
    deadline: ApiTime | None = None

    _times = field_validator("received_at", "deadline")(
        lambda value: None if value is None else _utc(value)
    )


class HandoverIn(BaseModel):
    """How the footage was handed over."""

    model_config = ConfigDict(extra="forbid")

    recipient: StorableText = Field(min_length=1, max_length=128)
    handed_over_at: ApiTime
    medium: StorableText = Field(min_length=1, max_length=128, description="USB key, DVD...")
    receipt: StorableText | None = Field(default=None, max_length=128)

    _times = field_validator("handed_over_at")(_utc)


class RequisitionUpdate(BaseModel):
    """A new status (a refusal with its reason) and/or the hand-over."""

    model_config = ConfigDict(extra="forbid")

    status: RequisitionStatus | None = None
    refusal_reason: StorableText | None = Field(default=None, min_length=1, max_length=2000)
    handover: HandoverIn | None = None


class SpanOut(BaseModel):
    """A requested span as stored."""

    camera_id: str
    start: datetime
    end: datetime


class HoldRef(BaseModel):
    """A legal hold placed for the requisition."""

    id: int
    camera_id: str
    start: datetime
    end: datetime
    active: bool


class ExportRef(BaseModel):
    """A finished export that names the requisition, as the access log has it."""

    id: str
    camera_id: str
    start: datetime | None
    end: datetime | None
    purpose: str
    rendition: str
    recipient: str | None
    user: str | None
    at: datetime


class RequisitionOut(BaseModel):
    """A requisition as the register keeps it; `late`: past its deadline, still unanswered."""

    id: int
    kind: RequisitionKind
    reference: str
    authority: str | None
    officer: str | None
    requester: str | None
    received_at: datetime
    legal_basis: str
    requested: list[SpanOut]
    deadline: datetime | None
    status: RequisitionStatus
    refusal_reason: str | None
    recipient: str | None
    handed_over_at: datetime | None
    medium: str | None
    receipt: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    late: bool


class RequisitionDetail(RequisitionOut):
    """A requisition with the legal holds and the finished exports made for it."""

    holds: list[HoldRef]
    exports: list[ExportRef]


def _out(req: Requisition) -> RequisitionOut:
    late = is_late(RequisitionStatus(req.status), req.deadline, datetime.now(UTC))
    return RequisitionOut.model_validate({**req.model_dump(), "late": late})


def _export_ref(made: ExportMade) -> ExportRef:
    return ExportRef(
        id=made.export_id,
        camera_id=made.camera_id,
        start=made.start,
        end=made.end,
        purpose=made.purpose,
        rendition=made.rendition,
        recipient=made.recipient,
        user=made.user,
        at=made.at,
    )


def _actor(request: Request, viewer: Viewer) -> Requester:
    return Requester(viewer, client_address(request))


def _detail(req: Requisition, requisitions: RequisitionsDep) -> RequisitionDetail:
    assert req.id is not None
    holds = [
        HoldRef(
            id=h.id or 0,
            camera_id=h.camera_id,
            start=h.start,
            end=h.end,
            active=h.released_at is None,
        )
        for h in requisitions.holds_for(req.id)
    ]
    exports = [_export_ref(made) for made in requisitions.exports_for(req)]
    return RequisitionDetail(**_out(req).model_dump(), holds=holds, exports=exports)


@router.post("", response_model=RequisitionDetail, status_code=status.HTTP_201_CREATED)
def create_requisition(
    body: RequisitionIn,
    request: Request,
    viewer: CurrentViewer,
    requisitions: RequisitionsDep,
    site: SiteDep,
) -> RequisitionDetail:
    """Record a requisition or an access request as received (supervisors; logged first); an
    access request's deadline is counted on the site's clock."""
    new = NewRequisition(
        reference=body.reference,
        authority=body.authority,
        officer=body.officer,
        received_at=body.received_at,
        legal_basis=body.legal_basis,
        requested=tuple(RequestedSpan(s.camera_id, s.start, s.end) for s in body.requested),
        deadline=body.deadline,
        kind=body.kind,
        requester=body.requester,
    )
    made = requisitions.create(new, _actor(request, viewer), zone=site.site.tzinfo)
    return _detail(made, requisitions)


@router.get("", response_model=list[RequisitionOut])
def list_requisitions(
    request: Request,
    viewer: CurrentViewer,
    requisitions: RequisitionsDep,
    status: RequisitionStatus | None = None,
    kind: RequisitionKind | None = None,
) -> list[RequisitionOut]:
    """The register, newest received first, maybe of one status and/or kind (judicial, access)
    (supervisors, privacy officer)."""
    found = requisitions.search(_actor(request, viewer), status=status, kind=kind)
    return [_out(r) for r in found]


@router.get("/{requisition_id}", response_model=RequisitionDetail)
def read_requisition(
    requisition_id: RowId, request: Request, viewer: CurrentViewer, requisitions: RequisitionsDep
) -> RequisitionDetail:
    """One requisition with the legal holds placed for it."""
    return _detail(requisitions.get(requisition_id, _actor(request, viewer)), requisitions)


@router.patch("/{requisition_id}", response_model=RequisitionDetail)
def update_requisition(
    requisition_id: RowId,
    body: RequisitionUpdate,
    request: Request,
    viewer: CurrentViewer,
    requisitions: RequisitionsDep,
) -> RequisitionDetail:
    """Move the status (refused with its reason, delivered with the hand-over) or record the
    hand-over (supervisors; logged first with the record before and after)."""
    handover = None
    if body.handover is not None:
        h = body.handover
        handover = Handover(h.recipient, h.handed_over_at, h.medium, h.receipt)
    change = RequisitionChange(body.status, body.refusal_reason, handover)
    updated = requisitions.update(requisition_id, change, _actor(request, viewer))
    return _detail(updated, requisitions)
