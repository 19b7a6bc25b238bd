"""Administration over HTTP: accounts and their camera authorisations, and the cameras' settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel

from csu.bounds import Key
from privacy.policy import Action
from privacy.service import AccountOut, GrantChange, NewAccount, Viewer
from web.deps import (
    AccountsDep,
    AnalyticsDep,
    CamerasDep,
    CurrentViewer,
    client_address,
    require,
)

router = APIRouter(prefix="/api", tags=["administration"])

Admin = Annotated[Viewer, Depends(require(Action.USER_ADMIN))]


@router.get("/users", response_model=list[AccountOut])
def list_users(_admin: Admin, accounts: AccountsDep) -> list[AccountOut]:
    """Every account with its role, state and camera authorisations (with expiry)."""
    return accounts.accounts()


@router.post("/users", response_model=AccountOut, status_code=status.HTTP_201_CREATED)
def create_user(
    body: NewAccount, request: Request, actor: CurrentViewer, accounts: AccountsDep
) -> AccountOut:
    """Create a named account; the creation is logged before the account exists."""
    return accounts.create(actor=actor.user, client=client_address(request), account=body)


@router.put("/users/{username}/grants", response_model=AccountOut)
def set_grants(
    username: Key, body: GrantChange, request: Request, actor: CurrentViewer, accounts: AccountsDep
) -> AccountOut:
    """Replace the account's camera authorisations; logged with before and after first."""
    return accounts.set_grants(
        actor=actor.user, client=client_address(request), username=username, change=body
    )


@router.post("/users/{username}/deactivate", response_model=AccountOut)
def deactivate_user(
    username: Key, request: Request, actor: CurrentViewer, accounts: AccountsDep
) -> AccountOut:
    """Close the account and end its sessions; logged first."""
    return accounts.deactivate(actor=actor.user, client=client_address(request), username=username)


class CameraAnalyticsState(BaseModel):
    """Whether the camera is analysed, and under which authorisation."""

    configured: bool
    running: bool
    legal_basis: str | None
    ends_at: datetime | None
    error: str | None


class CameraAdminOut(BaseModel):
    """A camera's settings as administration sees them (its stream address is never shown)."""

    id: str
    name: str
    enabled: bool
    status: str
    status_reason: str | None
    fps: float
    retention_days: int
    zones: list[list[list[float]]]
    analytics: CameraAnalyticsState


@router.get("/admin/cameras", response_model=list[CameraAdminOut])
def admin_cameras(
    _admin: Admin, cameras: CamerasDep, analytics: AnalyticsDep
) -> list[CameraAdminOut]:
    """Every camera with its retention, privacy zones in force and analytics state."""
    analysed = {a.camera_id: a for a in analytics.cameras()}
    found = []
    for view in cameras.cameras():
        c = view.config
        state = analysed.get(c.id)
        found.append(
            CameraAdminOut(
                id=c.id,
                name=c.name,
                enabled=c.enabled,
                status=view.health.state.value,
                status_reason=view.health.reason,
                fps=round(view.health.fps, 1),
                retention_days=c.retention_days,
                zones=cameras.privacy_zones(c.id),
                analytics=CameraAnalyticsState(
                    configured=state is not None,
                    running=state.running if state else False,
                    legal_basis=state.legal_basis if state else None,
                    ends_at=state.ends_at if state else None,
                    error=state.stats.error if state and state.stats else None,
                ),
            )
        )
    return found
