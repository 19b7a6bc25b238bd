"""The Forum visitors' remarks over HTTP: the kiosk sends and reads, staff moderate and export.

`POST /api/forum/remarks` and `GET /api/forum/remarks` are the kiosk's (role public_display, a
confined role: its right is the Forum's); the `/api/remarks` routes are for moderators (the
remark.moderate right: supervisors and administrators), each logged in the access log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import HTTPConnection

from csu.bounds import RowId
from csu.errors import Malformed
from csu.text import StorableText
from incidents.remarks.service import Remark, RemarkService, RemarkStatus
from privacy.policy import Action
from privacy.service import Requester, Viewer
from web.deps import client_address, provided, require, require_confined

router = APIRouter(tags=["remarks"])

# A remark is at most 1000 characters and a contact 200: a body past this is no remark.
MAX_BODY_BYTES = 16 * 1024


async def _remarks(connection: HTTPConnection) -> RemarkService:
    return provided(connection, RemarkService)


RemarksDep = Annotated[RemarkService, Depends(_remarks)]
Kiosk = Annotated[Viewer, Depends(require_confined(Action.FORUM_VIEW))]
Moderator = Annotated[Viewer, Depends(require(Action.REMARK_MODERATE))]


class RemarkIn(BaseModel):
    """A visitor's remark on a place of the city; a contact is kept only with consent."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "lat": 47.4712,
                    "lon": -0.5518,
                    "text": "L'éclairage du passage sous la gare reste éteint le soir.",
                    "contact": "claire@example.org",
                    "consent": True,
                }
            ]
        },
    )

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, description="Latitude (degrees).")
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, description="Longitude (degrees).")
    text: StorableText = Field(min_length=1, max_length=1000)
    contact: StorableText | None = Field(default=None, max_length=200)
    consent: bool = Field(default=False, description="The visitor agrees their contact is kept.")


class RemarkTaken(BaseModel):
    """The remark was taken and waits for moderation."""

    id: int
    status: Literal["pending"] = "pending"


class PublicRemarkOut(BaseModel):
    """A published remark: its text, its place to about 100 m, the day it was published."""

    id: int
    text: str
    lat: float
    lon: float
    published_on: str = Field(description="YYYY-MM-DD on the site's clock.")


class RemarkOut(BaseModel):
    """A remark as moderators see it (whether a contact was left, never the contact itself)."""

    id: int
    received_at: datetime
    lat: float
    lon: float
    text: str
    has_contact: bool
    status: str
    moderated_at: datetime | None
    moderated_by: str | None
    refusal_reason: str | None


class RefusalIn(BaseModel):
    """Why a remark is refused."""

    model_config = ConfigDict(extra="forbid")

    reason: StorableText = Field(min_length=1, max_length=500)


def _out(remark: Remark) -> RemarkOut:
    assert remark.id is not None
    return RemarkOut(
        id=remark.id,
        received_at=remark.received_at,
        lat=remark.lat,
        lon=remark.lon,
        text=remark.text,
        has_contact=remark.contact is not None,
        status=remark.status,
        moderated_at=remark.moderated_at,
        moderated_by=remark.moderated_by,
        refusal_reason=remark.refusal_reason,
    )


async def _remark_body(request: Request) -> RemarkIn:
    """The body read up to its bound (413 past it), then checked as a RemarkIn (422)."""
    chunks: list[bytes] = []
    read = 0
    async for chunk in request.stream():
        read += len(chunk)
        if read > MAX_BODY_BYTES:
            raise Malformed(
                f"a remark's body is at most {MAX_BODY_BYTES} bytes",
                key="remarks.errors.body",
                limit=MAX_BODY_BYTES,
            )
        chunks.append(chunk)
    try:
        return RemarkIn.model_validate_json(b"".join(chunks))
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        ) from None


_REMARK_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": RemarkIn.model_json_schema()}},
    }
}


@router.post(
    "/api/forum/remarks",
    response_model=RemarkTaken,
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra=_REMARK_BODY,
)
async def send_remark(request: Request, kiosk: Kiosk, remarks: RemarksDep) -> RemarkTaken:
    """Leave a remark from the Forum's kiosk: 202 pending; 422 outside the city, too long or a
    contact without consent; 429 past the kiosk's (or all kiosks') rate, with Retry-After.
    Nothing of the visitor is stored but the text, the place and a consented contact."""
    body = await _remark_body(request)
    fields = (body.lat, body.lon, body.text, body.contact, body.consent)
    remark = remarks.submit(kiosk.username, fields)
    assert remark.id is not None
    return RemarkTaken(id=remark.id)


@router.get("/api/forum/remarks", response_model=list[PublicRemarkOut])
def published_remarks(_kiosk: Kiosk, remarks: RemarksDep) -> list[PublicRemarkOut]:
    """The published remarks for the kiosk, newest first: text, place to ~100 m, day only."""
    return [PublicRemarkOut(**vars(r)) for r in remarks.published()]


@router.get("/api/remarks", response_model=list[RemarkOut])
def remarks_to_moderate(
    request: Request,
    viewer: Moderator,
    remarks: RemarksDep,
    status: RemarkStatus = RemarkStatus.PENDING,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[RemarkOut]:
    """The remarks in one state (pending by default), oldest first; the listing is logged."""
    who = Requester(viewer, client_address(request))
    return [_out(r) for r in remarks.listing(status, who, limit)]


@router.get(
    "/api/remarks/export",
    response_model=None,
    responses={
        200: {
            "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "text/csv": {"schema": {"type": "string"}},
            }
        }
    },
)
def export_remarks(
    request: Request,
    viewer: Moderator,
    remarks: RemarksDep,
    format: Literal["csv", "json"] = "json",
) -> Response | list[dict[str, Any]]:
    """The pending and published remarks for the services (CSV or JSON), a contact only where
    the visitor consented; the export is logged."""
    text, rows = remarks.export(format, Requester(viewer, client_address(request)))
    if format == "json":
        return rows
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="remarques.csv"'},
    )


@router.post("/api/remarks/{remark_id}/publish", response_model=RemarkOut)
def publish_remark(
    remark_id: RowId, request: Request, viewer: Moderator, remarks: RemarksDep
) -> RemarkOut:
    """Publish a pending remark (409 if already moderated, 404 if none); logged."""
    return _out(remarks.publish(remark_id, Requester(viewer, client_address(request))))


@router.post("/api/remarks/{remark_id}/refuse", response_model=RemarkOut)
def refuse_remark(
    remark_id: RowId, body: RefusalIn, request: Request, viewer: Moderator, remarks: RemarksDep
) -> RemarkOut:
    """Refuse a pending remark for a reason (required); logged with the reason."""
    who = Requester(viewer, client_address(request))
    return _out(remarks.refuse(remark_id, body.reason, who))
