"""Camera listing and snapshots (their privacy zones: web.privacy_zones)."""

from __future__ import annotations

from functools import partial

from anyio import to_thread
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from csu.bounds import Key
from privacy.policy import Action
from video.service import CameraView, take_snapshot
from web.deps import AccessLogDep, CamerasDep, CurrentViewer, RedirectsDep, client_address
from web.live import redirect_live

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
    ptz: bool = Field(
        description="Reached through ONVIF: its PTZ is at /ptz (a 409 there for a fixed camera)."
    )


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
        ptz=c.enabled and c.onvif is not None,
    )


@router.get("", response_model=list[CameraOut])
def list_cameras(viewer: CurrentViewer, cameras: CamerasDep) -> list[CameraOut]:
    """The cameras this user may know of, with status and location."""
    return [_out(v) for v in cameras.cameras() if viewer.sees(v.config.id)]


@router.get(
    "/{camera_id}/snapshot.jpg",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
async def snapshot(
    camera_id: Key,
    request: Request,
    viewer: CurrentViewer,
    cameras: CamerasDep,
    access_log: AccessLogDep,
    redirects: RedirectsDep,
) -> Response:
    """The latest masked frame as JPEG (logged before it is sent); on a cluster's API node,
    307 to the camera's worker with a ticket."""
    cameras.known(camera_id)
    if redirects is not None:
        return await redirect_live(
            redirects, cameras, camera_id, viewer, request, action=Action.SNAPSHOT
        )
    # Reading the right, logging and JPEG encoding block: off the event loop.
    jpeg = await to_thread.run_sync(
        partial(
            take_snapshot,
            cameras,
            access_log,
            viewer=viewer,
            camera_id=camera_id,
            rendition=viewer.rendition(),
            client=client_address(request),
        )
    )
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})
