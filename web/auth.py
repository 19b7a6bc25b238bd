"""Login, logout, and a password changed at sign-in."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from csu.settings import Settings
from csu.text import StorableText
from privacy.policy import Action
from web.deps import (
    SESSION_COOKIE,
    LoginsDep,
    RightsDep,
    SessionViewer,
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


class PasswordChangeRequest(LoginRequest):
    """Credentials of a named account and the password to replace its password with."""

    new_password: str = Field(
        min_length=1, max_length=256, description="Checked by csu's password rule."
    )


class TokenResponse(BaseModel):
    """A bearer token for the API (the same value is set as the session cookie)."""

    access_token: str
    token_type: str = "bearer"


class Me(BaseModel):
    """Who is logged in, and the rights of their role (pages offer only what they may do)."""

    username: str
    role: str
    rights: list[str] = Field(description="The role's rights, e.g. 'crisis.act'.")


@router.post(
    "/login",
    response_model=TokenResponse,
    responses={
        401: {"description": "Wrong username or password."},
        403: {"description": "The password was reset: choose a new one (POST /password)."},
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
    return _session(response, granted.token, settings)


@router.post(
    "/password",
    response_model=TokenResponse,
    responses={
        401: {"description": "Wrong username or password."},
        422: {"description": "The new password breaks the password rule (`detail` says how)."},
        429: {"description": "Too many failed sign-ins (Retry-After says when to try again)."},
        503: {"description": "Too many sign-ins being checked at once (Retry-After)."},
    },
)
async def change_password(
    body: PasswordChangeRequest,
    request: Request,
    response: Response,
    logins: LoginsDep,
    settings: SettingsDep,
) -> TokenResponse:
    """Replace the password (as a sign-in, throttled alike) and open a session; the account's
    other sessions end. The one way in after an administrator's reset."""
    granted = await logins.sign_in(
        body.username, body.password, client_address(request), new_password=body.new_password
    )
    return _session(response, granted.token, settings)


def _session(response: Response, token: str, settings: Settings) -> TokenResponse:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
    )
    return TokenResponse(access_token=token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, response: Response, rights: RightsDep, viewer: SessionViewer) -> None:
    """End the current session, and the live streams and event streams opened under it."""
    token = bearer_token(request)
    if token:
        rights.logout(token, username=viewer.username)
    response.delete_cookie(SESSION_COOKIE)


@router.get("/me", response_model=Me)
def me(viewer: SessionViewer) -> Me:
    """The logged-in user."""
    rights = sorted(action.value for action in Action if viewer.has(action))
    return Me(username=viewer.username, role=viewer.user.role, rights=rights)
