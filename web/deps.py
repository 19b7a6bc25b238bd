"""Typed request dependencies: each running service, a database session, the current viewer.

The composition root builds the services once and hands them to `provide`; a route declares the
ones it uses (`cameras: CamerasDep`), each found by its type.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, Any, TypeVar

from anyio import to_thread
from fastapi import Depends, HTTPException, Request, status
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.requests import HTTPConnection

from crisis.service import CrisisService, WallService
from csu.cluster.runtime import ClusterNode
from csu.config import SiteConfig
from csu.db import Database
from csu.errors import Forbidden
from csu.identity.logins import LoginService
from csu.metrics import Metrics
from csu.settings import Settings
from incidents.service import IncidentService
from privacy.access_log.service import AccessLog
from privacy.audit.service import AuditService
from privacy.policy import RIGHT_NAMES, Action, confined, right_term
from privacy.service import AccountAdmin, CameraRights, Viewer
from video.analytics.service import AnalyticsService
from video.bookmarks.service import BookmarkService
from video.evidence.service import ExportService
from video.live.service import LiveRedirects, LiveService
from video.onvif.service import OnvifEvents
from video.ptz.service import PtzRemote, PtzService
from video.ptz.tour.service import PtzTours
from video.recording.service import HoldService, RecordingService
from video.requisitions.service import RequisitionService
from video.service import CameraService

SESSION_COOKIE = "csu_session"
T = TypeVar("T")


def provide(app: Starlette, *services: object) -> None:
    """Make the running services available to the routes, each under its class and the classes
    it derives from (the bus of a cluster is found as an EventBus)."""
    provided: dict[type, object] = {}
    for service in services:
        for kind in type(service).__mro__[:-1]:
            provided.setdefault(kind, service)
    app.state.provided = provided


def provided(connection: HTTPConnection, kind: type[T]) -> T:
    """The running service of this type (for routes outside FastAPI's dependencies)."""
    found = _registry(connection).get(kind)
    if not isinstance(found, kind):
        raise LookupError(f"no {kind.__name__} was provided")
    return found


def _registry(connection: HTTPConnection) -> dict[type, Any]:
    registry: dict[type, Any] = connection.app.state.provided
    return registry


def _service(kind: type[T]) -> Callable[[HTTPConnection], Awaitable[T]]:
    # An async dependency: a plain `def` one costs every request a hop to the thread pool.
    async def service(connection: HTTPConnection) -> T:
        return provided(connection, kind)

    service.__name__ = f"{kind.__name__}_dependency"
    return service


def _optional(kind: type[T]) -> Callable[[HTTPConnection], Awaitable[T | None]]:
    async def service(connection: HTTPConnection) -> T | None:
        found = _registry(connection).get(kind)
        return found if isinstance(found, kind) else None

    service.__name__ = f"{kind.__name__}_if_any"
    return service


SettingsDep = Annotated[Settings, Depends(_service(Settings))]
SiteDep = Annotated[SiteConfig, Depends(_service(SiteConfig))]
MetricsDep = Annotated[Metrics, Depends(_service(Metrics))]
LoginsDep = Annotated[LoginService, Depends(_service(LoginService))]
RightsDep = Annotated[CameraRights, Depends(_service(CameraRights))]
AccessLogDep = Annotated[AccessLog, Depends(_service(AccessLog))]
AccountsDep = Annotated[AccountAdmin, Depends(_service(AccountAdmin))]
AuditDep = Annotated[AuditService, Depends(_service(AuditService))]
CamerasDep = Annotated[CameraService, Depends(_service(CameraService))]
LiveDep = Annotated[LiveService, Depends(_service(LiveService))]
RecordingsDep = Annotated[RecordingService, Depends(_service(RecordingService))]
HoldsDep = Annotated[HoldService, Depends(_service(HoldService))]
BookmarksDep = Annotated[BookmarkService, Depends(_service(BookmarkService))]
RequisitionsDep = Annotated[RequisitionService, Depends(_service(RequisitionService))]
ExportsDep = Annotated[ExportService, Depends(_service(ExportService))]
AnalyticsDep = Annotated[AnalyticsService, Depends(_service(AnalyticsService))]
IncidentsDep = Annotated[IncidentService, Depends(_service(IncidentService))]
CrisesDep = Annotated[CrisisService, Depends(_service(CrisisService))]
WallsDep = Annotated[WallService, Depends(_service(WallService))]
# Set on a cluster's API node only: the cluster, and where camera requests go instead.
ClusterDep = Annotated[ClusterNode | None, Depends(_optional(ClusterNode))]
RedirectsDep = Annotated[LiveRedirects | None, Depends(_optional(LiveRedirects))]
# Set where this process follows its cameras' ONVIF events (not on a cluster's API node).
OnvifDep = Annotated[OnvifEvents | None, Depends(_optional(OnvifEvents))]
# Set where this process runs its cameras (PTZ is commanded where the camera is).
PtzDep = Annotated[PtzService | None, Depends(_optional(PtzService))]
PtzToursDep = Annotated[PtzTours | None, Depends(_optional(PtzTours))]
# Set on a cluster's API node: PTZ requests go to the camera's worker.
PtzRemoteDep = Annotated[PtzRemote | None, Depends(_optional(PtzRemote))]


async def _database(connection: HTTPConnection) -> Database:
    return provided(connection, Database)


def get_session(db: Annotated[Database, Depends(_database)]) -> Iterator[Session]:
    """A database session committed when the route's function returns.

    Closed before the response is sent ("function" scope): a streamed answer or a slow client
    must not hold a pooled connection.
    """
    with db.session() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session, scope="function")]


def bearer_token(request: HTTPConnection) -> str | None:
    """The token from `Authorization: Bearer`, else from the session cookie (HTTP or WebSocket)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE)


async def viewer_for(connection: HTTPConnection, *, kiosk: bool = False) -> Viewer | None:
    """The Viewer behind the request's token (HTTP or WebSocket), or None; None as well for a
    kiosk's account (policy's `confined`) unless the route is made for one (`kiosk`).

    A token seen in the last seconds costs nothing; otherwise its rights are read on a worker
    thread, in a database session closed before the request goes on.
    """
    token = bearer_token(connection)
    if not token:
        return None
    rights = provided(connection, CameraRights)
    viewer = rights.cached(token) or await to_thread.run_sync(rights.resolve, token)
    if viewer is not None and confined(viewer.role) and not kiosk:
        return None
    return viewer


async def get_session_viewer(request: Request) -> Viewer:
    """The authenticated user of any role, a kiosk's included, or 401: for the routes about the
    session itself (who am I, logout) and those made for a kiosk's right."""
    viewer = await viewer_for(request, kiosk=True)
    if viewer is None:
        token = bearer_token(request)
        detail = "not authenticated" if token is None else "session expired or invalid"
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
        )
    return viewer


async def get_viewer(request: Request) -> Viewer:
    """The authenticated user and the cameras they may use now, or 401 (once per request); a
    kiosk's account (policy's `confined`) gets 403 here: every general route refuses it."""
    viewer = await get_session_viewer(request)
    if confined(viewer.role):
        raise Forbidden("this public display account opens the Forum only", key="errors.forum_only")
    return viewer


CurrentViewer = Annotated[Viewer, Depends(get_viewer)]
SessionViewer = Annotated[Viewer, Depends(get_session_viewer)]


def require_confined(action: Action) -> Callable[[Viewer], Awaitable[Viewer]]:
    """A dependency for a kiosk's route: any role carrying the right, confined ones included."""

    async def check(viewer: SessionViewer) -> Viewer:
        return checked(viewer, action)

    return check


def client_address(request: Request) -> str | None:
    """The peer address, for the access log."""
    return request.client.host if request.client else None


def require(action: Action) -> Callable[[Viewer], Awaitable[Viewer]]:
    """A dependency that lets the request through only for roles with the right."""

    async def check(viewer: CurrentViewer) -> Viewer:
        return checked(viewer, action)

    return check


def checked(viewer: Viewer, action: Action) -> Viewer:
    """The viewer, if their role carries the right; else 403 naming it."""
    if not viewer.has(action):
        raise Forbidden(
            f"no {RIGHT_NAMES[action]} right", key="errors.no_right", right=right_term(action)
        )
    return viewer
