"""Camera listing."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from csu.identity import service as identity
from privacy.policy import Action, camera_allowed
from video.service import CameraView
from web.deps import CurrentUser, DbSession, Services, role_of

router = APIRouter(prefix="/api/cameras", tags=["cameras"])


class Location(BaseModel):
    """WGS84 position."""

    lat: float
    lon: float


class ViewCone(BaseModel):
    """Where the camera looks."""

    bearing_deg: float
    fov_deg: float
    range_m: float


class CameraOut(BaseModel):
    """A camera as consoles list it."""

    id: str
    name: str
    status: str
    status_reason: str | None
    fps: float
    location: Location | None
    view: ViewCone | None
    retention_days: int


def _out(view: CameraView) -> CameraOut:
    c = view.config
    return CameraOut(
        id=c.id,
        name=c.name,
        status=view.health.state.value,
        status_reason=view.health.reason,
        fps=round(view.health.fps, 1),
        location=Location(lat=c.location.lat, lon=c.location.lon) if c.location else None,
        view=(
            ViewCone(bearing_deg=c.view.bearing_deg, fov_deg=c.view.fov_deg, range_m=c.view.range_m)
            if c.view
            else None
        ),
        retention_days=c.retention_days,
    )


@router.get("", response_model=list[CameraOut])
def list_cameras(user: CurrentUser, session: DbSession, services: Services) -> list[CameraOut]:
    """The cameras this user may know of, with status and location."""
    granted = identity.active_camera_ids(session, user=user)
    role = role_of(user)
    return [
        _out(v)
        for v in services.cameras.cameras()
        if camera_allowed(role, Action.CAMERA_LIST, v.config.id, granted)
    ]
