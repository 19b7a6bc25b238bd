"""The privacy officer's audit over HTTP: access-log search and activity summaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from csu.bounds import Key, Position
from csu.times import ApiTime
from privacy.audit.service import (
    MAX_PAGE,
    AccessPage,
    AccessQuery,
    ActivitySummary,
    ExportFormat,
    Outcome,
    SummaryBy,
    VerificationStatus,
)
from web.deps import AuditDep, CurrentViewer, client_address

router = APIRouter(prefix="/api/audit", tags=["audit"])

DEFAULT_SUMMARY_DAYS = 7
EXPORT_TYPES = {ExportFormat.CSV: "text/csv", ExportFormat.JSONL: "application/x-ndjson"}


@router.get("/access", response_model=AccessPage)
def search_access(
    request: Request,
    actor: CurrentViewer,
    audit: AuditDep,
    user: Key | None = None,
    camera: Key | None = None,
    action: Annotated[Key | None, Query(description="exact, or a prefix ending in '*'")] = None,
    outcome: Outcome | None = None,
    since: ApiTime | None = None,
    until: ApiTime | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Position = 0,
) -> AccessPage:
    """Access-log entries by user, camera, action and period, newest first (privacy officer)."""
    query = AccessQuery(
        user=user,
        camera_id=camera,
        action=action,
        outcome=outcome,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return audit.search(actor=actor.user, client=client_address(request), query=query)


class SummaryOut(BaseModel):
    """Activity per camera or per user over a period."""

    by: SummaryBy
    since: datetime
    until: datetime
    items: list[ActivitySummary]


@router.get("/summary", response_model=SummaryOut)
def activity_summary(
    request: Request,
    actor: CurrentViewer,
    audit: AuditDep,
    by: SummaryBy = SummaryBy.CAMERA,
    since: ApiTime | None = None,
    until: ApiTime | None = None,
) -> SummaryOut:
    """Per-camera or per-user activity with unusual-access flags (default: the last 7 days)."""
    end = until or datetime.now(UTC)
    start = since or end - timedelta(days=DEFAULT_SUMMARY_DAYS)
    items = audit.summary(
        actor=actor.user, client=client_address(request), by=by, since=start, until=end
    )
    return SummaryOut(by=by, since=start, until=end, items=items)


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}},
)
def export_access_log(
    request: Request,
    actor: CurrentViewer,
    audit: AuditDep,
    format: ExportFormat = ExportFormat.CSV,
    since: ApiTime | None = None,
    until: ApiTime | None = None,
) -> StreamingResponse:
    """The access log in [since, until) as CSV or JSON Lines; the export is logged first."""
    lines = audit.export(
        actor=actor.user, client=client_address(request), since=since, until=until, fmt=format
    )
    name = f"access-log-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.{format.value}"
    return StreamingResponse(
        lines,
        media_type=EXPORT_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/verify", response_model=VerificationStatus)
async def verify_chain(
    request: Request, actor: CurrentViewer, audit: AuditDep, fresh: bool = False
) -> VerificationStatus:
    """The last verification of the hash chain and its signatures; `fresh=true` runs a new one."""
    client = client_address(request)
    # Verification reads the whole log: it runs on a worker thread, never on the event loop.
    return await to_thread.run_sync(
        lambda: audit.verification(actor=actor.user, client=client, fresh=fresh)
    )
