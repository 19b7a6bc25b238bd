"""The log book export."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Response, status

from csu.identity.models import User
from csu.times import ApiTime
from incidents.logbook import logbook_rows, to_csv, to_html
from privacy.policy import Action
from web.deps import DbSession, Services, require

router = APIRouter(prefix="/api/logbook", tags=["incidents"])
MAX_PERIOD = timedelta(days=31)


@router.get("", response_class=Response)
def get_logbook(
    start: ApiTime,
    end: ApiTime,
    session: DbSession,
    services: Services,
    _user: Annotated[User, Depends(require(Action.INCIDENT_READ))],
    format: Literal["csv", "html"] = "csv",
) -> Response:
    """The main courante between start and end (ISO times with offsets), CSV or printable HTML."""
    if start.tzinfo is None or end.tzinfo is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "start and end need a UTC offset"
        )
    if not start < end <= start + MAX_PERIOD:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "end must follow start, within 31 days"
        )
    tz = services.site.site.tzinfo
    rows = logbook_rows(session, start=start, end=end, tz=tz)
    name = f"main-courante-{start.astimezone(tz):%Y%m%d-%H%M}"
    if format == "csv":
        return Response(
            to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    page = to_html(rows, site=services.site.site.name, start=start, end=end, tz=tz)
    # A standalone printable page with its own <style> and no script at all.
    policy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    return Response(
        page, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": policy}
    )
