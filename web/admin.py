"""Administration over HTTP: accounts and their camera authorisations, and the cameras' settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel

from csu.bounds import Key
from privacy.policy import Action
from privacy.service import (
    AccountChange,
    AccountOut,
    GrantChange,
    NewAccount,
    PasswordReset,
    RoleChange,
    TrainingChange,
    UntrainedAuthorisation,
    Viewer,
)
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
    """Make the account's camera authorisations exactly these, each with its own expiry (the
    others are unchanged by a change to one); logged with before, after and the reason first."""
    return accounts.set_grants(
        actor=actor.user, client=client_address(request), username=username, change=body
    )


@router.put("/users/{username}/role", response_model=AccountOut)
def set_role(
    username: Key, body: RoleChange, request: Request, actor: CurrentViewer, accounts: AccountsDep
) -> AccountOut:
    """Give the account another role; its sessions, and the streams opened under them, end."""
    return accounts.set_role(
        actor=actor.user, client=client_address(request), username=username, change=body
    )


@router.put("/users/{username}/training", response_model=AccountOut)
def set_training(
    username: Key,
    body: TrainingChange,
    request: Request,
    actor: CurrentViewer,
    accounts: AccountsDep,
) -> AccountOut:
    """Record the day the agent followed data-protection training (null clears it); logged with
    before, after and the reason first."""
    return accounts.set_training(
        actor=actor.user, client=client_address(request), username=username, change=body
    )


class UntrainedOut(BaseModel):
    """An account's cameras granted by one administrator while it has no training on record."""

    account: str
    role: str
    active: bool
    cameras: list[str]
    granted_by: str | None
    granted_at: datetime


@router.get("/users/untrained", response_model=list[UntrainedOut])
def untrained(_admin: Admin, accounts: AccountsDep) -> list[UntrainedOut]:
    """The authorisations in force now whose agent has no data-protection training on record."""
    return [_untrained_out(row) for row in accounts.untrained()]


def _untrained_out(row: UntrainedAuthorisation) -> UntrainedOut:
    return UntrainedOut(
        account=row.account,
        role=row.role.value,
        active=row.active,
        cameras=list(row.cameras),
        granted_by=row.granted_by,
        granted_at=row.granted_at,
    )


@router.post("/users/{username}/password-reset", response_model=PasswordReset)
def reset_password(
    username: Key,
    body: AccountChange,
    request: Request,
    actor: CurrentViewer,
    accounts: AccountsDep,
) -> PasswordReset:
    """A one-time password for the account, shown this once; its user must choose a new one
    at the next sign-in, and its sessions end now."""
    return accounts.reset_password(
        actor=actor.user, client=client_address(request), username=username, change=body
    )


@router.post("/users/{username}/deactivate", response_model=AccountOut)
def deactivate_user(
    username: Key,
    body: AccountChange,
    request: Request,
    actor: CurrentViewer,
    accounts: AccountsDep,
) -> AccountOut:
    """Close the account and end its sessions; logged with the reason first."""
    return accounts.deactivate(
        actor=actor.user, client=client_address(request), username=username, change=body
    )


@router.post("/users/{username}/reactivate", response_model=AccountOut)
def reactivate_user(
    username: Key,
    body: AccountChange,
    request: Request,
    actor: CurrentViewer,
    accounts: AccountsDep,
) -> AccountOut:
    """Open a deactivated account again; logged with the reason first."""
    return accounts.reactivate(
        actor=actor.user, client=client_address(request), username=username, change=body
    )


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
