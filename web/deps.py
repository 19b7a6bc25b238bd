"""Typed request dependencies: the services, a database session, the current user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlmodel import Session
from starlette.requests import HTTPConnection

from csu.identity import service as identity
from csu.identity.models import User
from csu.identity.roles import Role
from privacy.guard import RIGHT_NAMES
from privacy.policy import Action, role_allows
from privacy.renditions import Rendition, rendition_for
from web.services import AppServices

SESSION_COOKIE = "csu_session"


def get_services(request: Request) -> AppServices:
    """The app's running services."""
    services: AppServices = request.app.state.services
    return services


Services = Annotated[AppServices, Depends(get_services)]


def get_session(services: Services) -> Iterator[Session]:
    """A database session committed when the request succeeds."""
    with services.db.session() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]


def bearer_token(request: HTTPConnection) -> str | None:
    """The token from `Authorization: Bearer`, else from the session cookie (HTTP or WebSocket)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE)


def get_current_user(request: Request, session: DbSession) -> User:
    """The authenticated user, or 401."""
    token = bearer_token(request)
    user = identity.user_for_token(session, token=token) if token else None
    if user is None:
        detail = "not authenticated" if token is None else "session expired or invalid"
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
        )
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def client_address(request: Request) -> str | None:
    """The peer address, for the access log."""
    return request.client.host if request.client else None


def rendition_of(user: User) -> Rendition:
    """The rendition policy gives this user; the client never chooses."""
    return rendition_for(anonymised_viewer=user.anonymised_view)


def role_of(user: User) -> Role:
    """The user's role as the enum."""
    return Role(user.role)


def require(action: Action) -> Callable[[User], User]:
    """A dependency that lets the request through only for roles with the right."""

    def check(user: CurrentUser) -> User:
        if not role_allows(role_of(user), action):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"no {RIGHT_NAMES[action]} right")
        return user

    return check
