"""The privacy officer's audit over HTTP: access-log search and activity summaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel, ValidationError

from privacy.access_log import Outcome
from privacy.audit.search import MAX_PAGE, AccessQuery
from privacy.audit.service import AccessPage
from privacy.audit.summary import ActivitySummary, SummaryBy
from web.deps import CurrentUser, Services, client_address

router = APIRouter(prefix="/api/audit", tags=["audit"])

DEFAULT_SUMMARY_DAYS = 7


def _unprocessable(exc: ValidationError | ValueError) -> HTTPException:
    if isinstance(exc, ValidationError):
        detail = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
    else:
        detail = str(exc)
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)


@router.get("/access", response_model=AccessPage)
def search_access(
    request: Request,
    actor: CurrentUser,
    services: Services,
    user: str | None = None,
    camera: str | None = None,
    action: Annotated[str | None, Query(description="exact, or a prefix ending in '*'")] = None,
    outcome: Outcome | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AccessPage:
    """Access-log entries by user, camera, action and period, newest first (privacy officer)."""
    try:
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
    except ValidationError as exc:
        raise _unprocessable(exc) from exc
    return services.audit.search(actor=actor, client=client_address(request), query=query)


class SummaryOut(BaseModel):
    """Activity per camera or per user over a period."""

    by: SummaryBy
    since: datetime
    until: datetime
    items: list[ActivitySummary]


@router.get("/summary", response_model=SummaryOut)
def activity_summary(
    request: Request,
    actor: CurrentUser,
    services: Services,
    by: SummaryBy = SummaryBy.CAMERA,
    since: datetime | None = None,
    until: datetime | None = None,
) -> SummaryOut:
    """Per-camera or per-user activity with unusual-access flags (default: the last 7 days)."""
    end = until or datetime.now(UTC)
    start = since or end - timedelta(days=DEFAULT_SUMMARY_DAYS)
    if start.tzinfo is None or end.tzinfo is None:
        raise _unprocessable(ValueError("since and until need a timezone (e.g. ...Z)"))
    if start >= end:
        raise _unprocessable(ValueError("since must be before until"))
    try:
        items = services.audit.summary(
            actor=actor, client=client_address(request), by=by, since=start, until=end
        )
    except ValueError as exc:
        raise _unprocessable(exc) from exc
    return SummaryOut(by=by, since=start, until=end, items=items)
