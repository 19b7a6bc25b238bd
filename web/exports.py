"""Evidence exports: ask for one (logged before the work starts), follow its state, then
download it as one zip (logged with requisition and recipient before the first byte)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from csu.bounds import Key
from csu.text import StorableText
from csu.times import ApiTime
from video.evidence.service import ExportJob, ExportRequest, ExportService, Purpose
from web.deps import CurrentViewer, ExportsDep, client_address

router = APIRouter(prefix="/api/exports", tags=["exports"])
MAX_LISTED = 100


class ExportBody(BaseModel):
    """What to export and why."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "camera_id": "cam-ralliement-1",
                    "start": "2026-11-25T21:00:00+01:00",
                    "end": "2026-11-25T21:10:00+01:00",
                    "reason": "Theft reported rue Lenepveu",
                    "requisition": "PV-49-2026-0042",
                    "recipient": "OPJ Durand",
                }
            ]
        },
    )

    camera_id: Key
    start: ApiTime = Field(description="Range start, ISO 8601 with a time zone.")
    end: ApiTime = Field(description="Range end (excluded), at most 24 h after start.")
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


class SpanOut(BaseModel):
    """One camera span of a case."""

    camera_id: str
    start: datetime
    end: datetime


class ExportOut(BaseModel):
    """An export (or a case: several spans and documents in one signed folder) and where it
    stands; `camera_id`, `start` and `end` are a case's first span."""

    id: str
    case: bool = False
    incident_id: int | None = None
    spans: list[SpanOut] = Field(default_factory=list, description="Every span, first first.")
    state: str
    camera_id: str
    start: datetime
    end: datetime
    purpose: str
    rendition: str
    requisition: str | None
    recipient: str | None
    progress: int = Field(description="Percent done; 100 once signed and ready to download.")
    created_at: datetime
    folder: str | None
    files: list[str]
    footage_start: datetime | None
    footage_end: datetime | None
    error: str | None


def export_out(job: ExportJob, exports: ExportService) -> ExportOut:
    """The export as the API shows it, with its progress."""
    r = job.request
    return ExportOut(
        id=job.id,
        case=r.case,
        incident_id=r.incident_id,
        spans=[SpanOut(camera_id=s.camera_id, start=s.start, end=s.end) for s in r.spans],
        state=job.state.value,
        camera_id=r.camera_id,
        start=r.start,
        end=r.end,
        purpose=r.purpose.value,
        rendition=job.rendition,
        requisition=r.requisition,
        recipient=r.recipient,
        progress=exports.progress(job),
        created_at=job.created_at,
        folder=str(job.folder) if job.folder else None,
        files=list(job.files),
        footage_start=job.footage_start,
        footage_end=job.footage_end,
        error=job.error,
    )


@router.post("", response_model=ExportOut, status_code=status.HTTP_202_ACCEPTED)
def create_export(
    body: ExportBody, request: Request, viewer: CurrentViewer, exports: ExportsDep
) -> ExportOut:
    """Start an export; the access log has it (with span and reason) before any work."""
    job = exports.ask(
        ExportRequest(
            camera_id=body.camera_id,
            start=body.start,
            end=body.end,
            user=viewer.username,
            reason=body.reason.strip(),
            requisition=body.requisition,
            recipient=body.recipient,
            purpose=body.purpose,
        ),
        viewer=viewer,
        client=client_address(request),
    )
    return export_out(job, exports)


@router.get("", response_model=list[ExportOut])
def list_exports(
    viewer: CurrentViewer,
    exports: ExportsDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 20,
) -> list[ExportOut]:
    """The newest exports of the cameras the user may export, newest first, with their progress
    (empty for a user without the export right)."""
    return [export_out(job, exports) for job in exports.recent(viewer=viewer, limit=limit)]


@router.get("/{export_id}", response_model=ExportOut)
def get_export(
    export_id: Key, request: Request, viewer: CurrentViewer, exports: ExportsDep
) -> ExportOut:
    """An export's state, folder and files (for users with the export right on its camera, on
    every camera of a case)."""
    job = exports.job_for(export_id, viewer=viewer, client=client_address(request))
    return export_out(job, exports)


@router.get(
    "/{export_id}/download",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}, "description": "The signed folder."}},
)
def download_export(
    export_id: Key,
    request: Request,
    viewer: CurrentViewer,
    exports: ExportsDep,
    requisition: Annotated[
        StorableText, Query(max_length=128, description="The requisition it answers (required).")
    ] = "",
    recipient: Annotated[
        StorableText, Query(max_length=200, description="Who receives it (required).")
    ] = "",
) -> StreamingResponse:
    """A finished export's folder as one zip, streamed (for users with the export right on its
    camera, on every camera of a case); both requisition and recipient are required, and logged
    (once per span of a case) before the first byte."""
    delivery = exports.download(
        export_id,
        requisition=requisition,
        recipient=recipient,
        viewer=viewer,
        client=client_address(request),
    )
    # A sync iterator: Starlette asks for each block on its thread pool, never on the loop.
    return StreamingResponse(
        delivery.blocks,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{delivery.filename}"'},
    )
