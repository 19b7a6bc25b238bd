"""Typed request dependencies: the services, a database session, the current user and rights."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, HTTPException, Request, status
from sqlmodel import Session
from starlette.requests import HTTPConnection

from privacy.policy import RIGHT_NAMES, Action
from privacy.service import Viewer
from web.services import AppServices

SESSION_COOKIE = "csu_session"


def get_services(request: Request) -> AppServices:
    """The app's running services."""
    services: AppServices = request.app.state.services
    return services


Services = Annotated[AppServices, Depends(get_services)]


def get_session(services: Services) -> Iterator[Session]:
    """A database session committed when the route's function returns.

    Closed before the response is sent ("function" scope): a streamed answer or a slow client
    must not hold a pooled connection.
    """
    with services.db.session() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session, scope="function")]


def bearer_token(request: HTTPConnection) -> str | None:
    """The token from `Authorization: Bearer`, else from the session cookie (HTTP or WebSocket)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE)


async def viewer_for(connection: HTTPConnection) -> Viewer | None:
    """The Viewer behind the request's token (HTTP or WebSocket), or None.

    A token seen in the last seconds costs nothing; otherwise its rights are read on a worker
    thread, in a database session closed before the request goes on.
    """
    services: AppServices = connection.app.state.services
    token = bearer_token(connection)
    if not token:
        return None
    return services.rights.cached(token) or await to_thread.run_sync(services.rights.resolve, token)


async def get_viewer(request: Request) -> Viewer:
    """The authenticated user and the cameras they may use now, or 401 (once per request)."""
    viewer = await viewer_for(request)
    if viewer is None:
        token = bearer_token(request)
        detail = "not authenticated" if token is None else "session expired or invalid"
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
        )
    return viewer


CurrentViewer = Annotated[Viewer, Depends(get_viewer)]


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
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"no {RIGHT_NAMES[action]} right")
    return viewer
