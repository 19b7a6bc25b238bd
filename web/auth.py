"""Login and logout."""

from __future__ import annotations

from datetime import timedelta

from anyio import to_thread
from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from csu.identity import service as identity
from csu.identity.events import LoginFailed, LoginSucceeded
from web.deps import SESSION_COOKIE, CurrentUser, Services, bearer_token, client_address

router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginRequest(BaseModel):
    """Credentials of a named account."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    """A bearer token for the API (the same value is set as the session cookie)."""

    access_token: str
    token_type: str = "bearer"


class Me(BaseModel):
    """Who is logged in."""

    username: str
    role: str


@router.post("/login", response_model=TokenResponse)
async def login(
    body: LoginRequest, request: Request, response: Response, services: Services
) -> TokenResponse:
    """Check the credentials, publish the outcome, and open a session."""
    client = client_address(request)
    token = await to_thread.run_sync(_login, services, body)
    if token is None:
        services.metrics.logins.labels("failure").inc()
        services.bus.publish(
            LoginFailed(username=body.username, client=client, reason="bad credentials")
        )
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    access_token, role = token
    services.metrics.logins.labels("success").inc()
    services.bus.publish(LoginSucceeded(username=body.username, role=role, client=client))
    response.set_cookie(
        SESSION_COOKIE,
        access_token,
        max_age=int(services.settings.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=services.settings.cookie_secure,
    )
    return TokenResponse(access_token=access_token)


def _login(services: Services, body: LoginRequest) -> tuple[str, str] | None:
    # Argon2 verification takes tens of milliseconds: it runs on a worker thread.
    with services.db.session() as session:
        user = identity.authenticate(session, username=body.username, password=body.password)
        if user is None:
            return None
        lifetime = timedelta(hours=services.settings.session_hours)
        return identity.issue_token(session, user=user, lifetime=lifetime), user.role


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, response: Response, services: Services, user: CurrentUser) -> None:
    """End the current session, and the live streams and event streams opened under it."""
    token = bearer_token(request)
    if token:
        services.rights.logout(token, username=user.username)
    response.delete_cookie(SESSION_COOKIE)


@router.get("/me", response_model=Me)
def me(user: CurrentUser) -> Me:
    """The logged-in user."""
    return Me(username=user.username, role=user.role)
