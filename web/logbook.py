"""The log book export."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from csu.i18n import SiteClock
from csu.times import ApiTime
from incidents.service import TimelineView, logbook
from privacy.policy import Action
from privacy.service import Viewer
from web.deps import DbSession, SiteDep, require

router = APIRouter(prefix="/api/logbook", tags=["incidents"])


@router.get("", response_class=Response)
def get_logbook(
    start: ApiTime,
    end: ApiTime,
    session: DbSession,
    site_config: SiteDep,
    _viewer: Annotated[Viewer, Depends(require(Action.INCIDENT_READ))],
    format: Literal["csv", "html"] = "csv",
    view: Annotated[
        TimelineView,
        Query(
            description="grouped: an incident's repeated alarms of one type as one line that "
            "counts and spans them; people: what people wrote only; all: every entry."
        ),
    ] = "grouped",
) -> Response:
    """The main courante between start and end (ISO times with offsets), CSV or printable HTML."""
    site = site_config.site
    clock = SiteClock(site.language, site.timezone)
    document = logbook(
        session, start=start, end=end, clock=clock, site=site.name, fmt=format, view=view
    )
    name = f"main-courante-{start.astimezone(site.tzinfo):%Y%m%d-%H%M}"
    if format == "csv":
        return Response(
            document,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    # A standalone printable page with its own <style> and no script at all.
    policy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    return Response(
        document,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": policy},
    )
