"""Login and logout."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from csu.text import StorableText
from web.deps import (
    SESSION_COOKIE,
    CurrentViewer,
    LoginsDep,
    RightsDep,
    SettingsDep,
    bearer_token,
    client_address,
)

router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginRequest(BaseModel):
    """Credentials of a named account."""

    # Text no database stores would fail the account lookup: refused here, naming the field.
    username: StorableText = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    """A bearer token for the API (the same value is set as the session cookie)."""

    access_token: str
    token_type: str = "bearer"


class Me(BaseModel):
    """Who is logged in."""

    username: str
    role: str


@router.post(
    "/login",
    response_model=TokenResponse,
    responses={
        401: {"description": "Wrong username or password."},
        429: {"description": "Too many failed sign-ins (Retry-After says when to try again)."},
        503: {"description": "Too many sign-ins being checked at once (Retry-After)."},
    },
)
async def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    logins: LoginsDep,
    settings: SettingsDep,
) -> TokenResponse:
    """Check the credentials (throttled after failures) and open a session."""
    granted = await logins.sign_in(body.username, body.password, client_address(request))
    response.set_cookie(
        SESSION_COOKIE,
        granted.token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
    )
    return TokenResponse(access_token=granted.token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, response: Response, rights: RightsDep, viewer: CurrentViewer) -> None:
    """End the current session, and the live streams and event streams opened under it."""
    token = bearer_token(request)
    if token:
        rights.logout(token, username=viewer.username)
    response.delete_cookie(SESSION_COOKIE)


@router.get("/me", response_model=Me)
def me(viewer: CurrentViewer) -> Me:
    """The logged-in user."""
    return Me(username=viewer.username, role=viewer.user.role)
