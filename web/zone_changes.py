"""Privacy-zone changes waiting for a second person: list them, confirm or refuse them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlmodel import Session

from csu.errors import InvalidValue
from csu.text import StorableText
from privacy.access_log.service import AccessLog
from privacy.service import Requester, Viewer
from privacy.zones.service import (
    ZoneChangeState,
    ZoneChangeView,
    change_view,
    changes,
    decide,
)
from video.service import CameraService
from web.deps import AccessLogDep, CamerasDep, CurrentViewer, DbSession, client_address

router = APIRouter(prefix="/api/privacy-zone-changes", tags=["privacy zones"])

ChangeId = Annotated[str, Path(max_length=64, description="The change's id.")]


def zone_space(cameras: CameraService, camera_id: str) -> Literal["picture", "map"]:
    """What a camera's zones are drawn on: its picture, or a dome's pan/tilt map."""
    view = cameras.camera(camera_id)
    return "map" if view is not None and view.config.ptz_view is not None else "picture"


def reason_given(value: str) -> str:
    """The reason without surrounding blanks; a blank one is refused."""
    if not value.strip():
        raise InvalidValue("a reason is required", key="errors.reason_required")
    return value.strip()


class DecisionIn(BaseModel):
    """Why the change is confirmed or refused."""

    model_config = ConfigDict(extra="forbid")

    reason: StorableText = Field(max_length=1000, description="Why (logged with the decision).")

    _reason = field_validator("reason")(reason_given)


@router.get("", response_model=list[ZoneChangeView])
def list_changes(
    viewer: CurrentViewer,
    session: DbSession,
    access_log: AccessLogDep,
    cameras: CamerasDep,
    state: Annotated[
        ZoneChangeState | None, Query(description="Only this state; every state when left out.")
    ] = ZoneChangeState.PENDING,
) -> list[ZoneChangeView]:
    """Changes of privacy zones, newest first (administrators and the privacy officer)."""
    found = changes(session, access_log, reader=viewer.user, state=state)
    return [change_view(c, zone_space(cameras, c.camera_id)) for c in found]


def _decide(
    change_id: str,
    body: DecisionIn,
    request: Request,
    viewer: Viewer,
    session: Session,
    access_log: AccessLog,
    cameras: CameraService,
    *,
    confirm: bool,
) -> ZoneChangeView:
    decider = Requester(viewer, client_address(request))
    decision = decide(
        session,
        access_log,
        change_id=change_id,
        decider=decider,
        confirm=confirm,
        reason=body.reason,
        zones_in_force=cameras.privacy_zones,
    )
    if decision.zones is not None:
        # Stored and logged: burned in from the next frame, as a direct edit is.
        cameras.apply_privacy_zones(decision.change.camera_id, decision.zones)
    return change_view(decision.change, zone_space(cameras, decision.change.camera_id))


@router.post("/{change_id}/confirm", response_model=ZoneChangeView)
def confirm_change(
    change_id: ChangeId,
    body: DecisionIn,
    request: Request,
    viewer: CurrentViewer,
    session: DbSession,
    access_log: AccessLogDep,
    cameras: CamerasDep,
) -> ZoneChangeView:
    """Put a pending change in force (another administrator or the privacy officer)."""
    return _decide(change_id, body, request, viewer, session, access_log, cameras, confirm=True)


@router.post("/{change_id}/refuse", response_model=ZoneChangeView)
def refuse_change(
    change_id: ChangeId,
    body: DecisionIn,
    request: Request,
    viewer: CurrentViewer,
    session: DbSession,
    access_log: AccessLogDep,
    cameras: CamerasDep,
) -> ZoneChangeView:
    """Refuse a pending change (its requester may withdraw it this way); the zones stay."""
    return _decide(change_id, body, request, viewer, session, access_log, cameras, confirm=False)
