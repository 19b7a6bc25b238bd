"""Every HTTP and WebSocket route of csu, in the order they are matched."""

from __future__ import annotations

from fastapi import FastAPI

from web import (
    admin,
    admin_cameras,
    alarm_sources,
    alarms,
    audit,
    auth,
    bookmarks,
    cameras,
    cases,
    cluster,
    desk,
    events_ws,
    exercises,
    exports,
    forum,
    holds,
    i18n,
    incidents,
    live,
    logbook,
    oversight_pages,
    pages,
    playback,
    preferences,
    privacy_zones,
    ptz,
    ptz_tours,
    recordings,
    remarks,
    reports,
    requisitions,
    signage,
    system,
    zone_changes,
)
from web.analytics import router as analytics_router
from web.crisis import router as crisis_router
from web.errors import PROBLEM_RESPONSES
from web.wall_display import router as wall_display_router
from web.walls import router as walls_router

# Alarm intake first: routes are matched in order, and it is the path a storm hammers.
ROUTERS = (
    alarms.router,
    alarm_sources.router,
    system.router,
    cluster.router,
    auth.router,
    preferences.router,
    cameras.router,
    signage.router,
    desk.router,
    privacy_zones.router,
    ptz.router,
    ptz_tours.router,
    live.router,
    live.ice_router,
    playback.router,
    exports.router,
    cases.router,
    incidents.router,
    events_ws.router,
    logbook.router,
    walls_router,
    wall_display_router,
    crisis_router,
    exercises.router,
    audit.router,
    analytics_router,
    admin.router,
    admin_cameras.router,
    recordings.router,
    holds.router,
    requisitions.router,
    reports.router,
    bookmarks.router,
    zone_changes.router,
    remarks.router,
    forum.router,
    pages.router,
    i18n.router,
    oversight_pages.router,
)


def include_routes(app: FastAPI) -> None:
    """Add every router and the static files to the app."""
    app.router.routes.extend(alarms.intake_routes())  # first: matched before any router
    for router in ROUTERS:
        app.include_router(router, responses=PROBLEM_RESPONSES)
    pages.mount_static(app)
