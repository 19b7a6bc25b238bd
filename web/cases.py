"""Cases: several camera spans and an incident's documents made into one signed export, followed
and downloaded as any export (`/api/exports/{id}`, `/api/exports/{id}/download`)."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field

from crisis.service import CaseAsk, make_case
from csu.bounds import Key, RowId
from csu.text import StorableText
from csu.times import ApiTime
from video.evidence.service import Purpose, Span
from web.deps import CurrentViewer, DbSession, ExportsDep, SiteDep, client_address
from web.exports import ExportOut, export_out

router = APIRouter(prefix="/api/cases", tags=["exports"])
MAX_SPANS = 16  # a case is a few cameras of one incident, not a site's whole day


class SpanBody(BaseModel):
    """One camera's footage over [start, end)."""

    model_config = ConfigDict(extra="forbid")

    camera_id: Key
    start: ApiTime = Field(description="Range start, ISO 8601 with a time zone.")
    end: ApiTime = Field(description="Range end (excluded), at most 24 h after start.")


class CaseBody(BaseModel):
    """What a case holds and why: spans, or an incident's covering cameras in one click."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "incident_id": 12,
                    "covering": True,
                    "reason": "Rixe place du Ralliement",
                    "requisition": "PV-49-2026-0042",
                    "recipient": "OPJ Durand",
                }
            ]
        },
    )

    incident_id: RowId | None = Field(
        default=None, description="Its timeline, notes and crisis log go in the case."
    )
    spans: list[SpanBody] = Field(default_factory=list, max_length=MAX_SPANS)
    covering: bool = Field(
        default=False, description="Add the incident's covering cameras over its time span."
    )
    start: ApiTime | None = Field(
        default=None, description="With covering: from then rather than the incident's opening."
    )
    end: ApiTime | None = Field(
        default=None, description="With covering: until then rather than its closing (or now)."
    )
    reason: StorableText = Field(default="", max_length=1000, description="Why (required by law).")
    requisition: StorableText | None = Field(
        default=None, max_length=128, description="Judicial requisition reference."
    )
    recipient: StorableText | None = Field(
        default=None, max_length=200, description="Who receives it."
    )
    purpose: Purpose = Field(
        default=Purpose.JUDICIAL,
        description="judicial (zones rendition as recorded) or public_request (faces hidden).",
    )


@router.post("", response_model=ExportOut, status_code=status.HTTP_202_ACCEPTED)
def create_case(
    body: CaseBody,
    request: Request,
    viewer: CurrentViewer,
    exports: ExportsDep,
    session: DbSession,
    site: SiteDep,
) -> ExportOut:
    """Start a case (an export of several spans with the incident's documents): the export
    right on each camera, and the access log has each span before any work."""
    ask = CaseAsk(
        reason=body.reason,
        incident_id=body.incident_id,
        spans=tuple(Span(s.camera_id, s.start, s.end) for s in body.spans),
        covering=body.covering,
        start=body.start,
        end=body.end,
        requisition=body.requisition,
        recipient=body.recipient,
        purpose=body.purpose,
    )
    job = make_case(session, exports, site, ask, viewer=viewer, client=client_address(request))
    return export_out(job, exports)
