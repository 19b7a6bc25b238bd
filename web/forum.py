"""The Forum's read API: the public, delayed view of the city for the kiosk (role
public_display), with nothing in it that names a place finer than a district, a person, a camera
or a recent time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from csu.config import MapConfig
from incidents.service import ForumState, forum_state
from privacy.policy import Action
from privacy.service import Viewer
from web.deps import DbSession, SettingsDep, SiteDep, require_confined

router = APIRouter(prefix="/api/forum", tags=["forum"])

ForumViewer = Annotated[Viewer, Depends(require_confined(Action.FORUM_VIEW))]


@router.get("/state", response_model=ForumState)
def state(
    _viewer: ForumViewer,
    session: DbSession,
    settings: SettingsDep,
    site: SiteDep,
    response: Response,
) -> ForumState:
    """The eight services per district and the day's activity, as they were a delay ago."""
    # Cached as long as the rounding step lasts at most: the view changes only at its steps.
    response.headers["Cache-Control"] = "private, max-age=60"
    return forum_state(
        session,
        datetime.now(UTC),
        delay=timedelta(minutes=settings.forum_delay_minutes),
        timezone=site.site.timezone,
    )


@router.get("/map", response_model=MapConfig)
def site_map(_viewer: ForumViewer, site: SiteDep) -> MapConfig:
    """How to draw the city's map (the site's tiles or streets), as the consoles draw it."""
    return site.map
