"""Camera listing."""

from __future__ import annotations

from functools import partial
from typing import Literal

from anyio import to_thread
from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from csu.bounds import Key
from csu.config import Polygon
from csu.text import StorableText
from privacy.policy import Action
from privacy.zones.service import Editor, ZoneChangeView, as_plain, change_view, edit_zones
from video.service import CameraView, take_snapshot
from web.deps import (
    AccessLogDep,
    CamerasDep,
    CurrentViewer,
    DbSession,
    RedirectsDep,
    client_address,
)
from web.live import redirect_live
from web.zone_changes import reason_given

# Seeing a camera's zones reveals no picture; viewers and zone editors may read them.
ZONE_READERS = (Action.LIVE_VIEW, Action.SNAPSHOT, Action.PRIVACY_ZONE_EDIT)

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


class ZonesBody(BaseModel):
    """Privacy zones: polygons of 3 to 64 [x, y] points in normalised image coordinates."""

    model_config = ConfigDict(extra="forbid")

    zones: tuple[Polygon, ...] = Field(max_length=64)
    reason: StorableText = Field(max_length=1000, description="Why (logged with before and after).")

    _reason = field_validator("reason")(reason_given)


class ZonesOut(BaseModel):
    """The zones in force on a camera."""

    camera_id: str
    zones: list[list[list[float]]]


class ZoneEditOut(ZonesOut):
    """What an edit did: applied at once, or pending until a second person confirms it."""

    state: Literal["applied", "pending"]
    change: ZoneChangeView | None = Field(description="The pending change, when one was made.")


@router.get("/{camera_id}/privacy-zones", response_model=ZonesOut)
def get_privacy_zones(camera_id: Key, viewer: CurrentViewer, cameras: CamerasDep) -> ZonesOut:
    """The camera's privacy zones (for anyone who may see the camera or edit its zones)."""
    cameras.known(camera_id)
    if not any(viewer.may(a, camera_id) for a in ZONE_READERS):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"no right on camera '{camera_id}'")
    return ZonesOut(camera_id=camera_id, zones=cameras.privacy_zones(camera_id))


@router.put(
    "/{camera_id}/privacy-zones",
    response_model=ZoneEditOut,
    responses={202: {"model": ZoneEditOut, "description": "Stored pending a second person."}},
)
def put_privacy_zones(
    camera_id: Key,
    body: ZonesBody,
    request: Request,
    response: Response,
    viewer: CurrentViewer,
    session: DbSession,
    cameras: CamerasDep,
    access_log: AccessLogDep,
) -> ZoneEditOut:
    """Replace the zones: added coverage applies now; removed coverage waits for confirmation.

    Logged with reason, before and after; applied zones are burned in from the next frame.
    """
    cameras.known(camera_id)
    editor = Editor(viewer, client_address(request))
    edit = edit_zones(
        session,
        access_log,
        editor=editor,
        camera_id=camera_id,
        before=cameras.privacy_zones(camera_id),
        after=as_plain(body.zones),
        reason=body.reason,
    )
    if edit.pending is not None:
        response.status_code = status.HTTP_202_ACCEPTED
        change = change_view(edit.pending)
        return ZoneEditOut(camera_id=camera_id, zones=edit.zones, state="pending", change=change)
    cameras.apply_privacy_zones(camera_id, edit.zones)
    return ZoneEditOut(camera_id=camera_id, zones=edit.zones, state="applied", change=None)
