"""A camera's privacy zones: read them, replace them (four eyes for what unmasks).

A fixed camera's zones are in normalised picture coordinates. A dome's (a camera with
`ptz_view`) are on its pan/tilt map: they are read with the dome's pose now and each zone's
outline on its picture at that pose, and new ones are drawn on its picture and sent with the
pose they were drawn at, to be kept on the map.
"""

from __future__ import annotations

from typing import Literal, Self

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from csu.bounds import Key
from csu.config import Polygon
from csu.errors import Forbidden, Invalid, InvalidValue
from csu.text import StorableText
from privacy.policy import Action
from privacy.service import Requester
from privacy.zones.service import (
    DomeZones,
    PicturePose,
    ZoneChangeView,
    as_plain,
    change_view,
    edit_zones,
    outlines,
    with_drawn,
)
from web.deps import AccessLogDep, CamerasDep, CurrentViewer, DbSession, client_address
from web.zone_changes import reason_given, zone_space

# Seeing a camera's zones reveals no picture; viewers and zone editors may read them.
ZONE_READERS = (Action.LIVE_VIEW, Action.SNAPSHOT, Action.PRIVACY_ZONE_EDIT)

router = APIRouter(prefix="/api/cameras", tags=["privacy zones"])

Outline = list[list[float]]


class Pose(BaseModel):
    """Where a dome's picture looks: the picture a zone is drawn on, or the one shown now."""

    model_config = ConfigDict(extra="forbid")

    pan_deg: float = Field(ge=-360, le=360, description="Pan, degrees.")
    tilt_deg: float = Field(ge=-90, le=90, description="Elevation, degrees (0 level).")
    fov_deg: float = Field(gt=0, lt=180, description="Horizontal field of view, degrees.")
    aspect: float = Field(ge=0.1, le=10, description="The picture's width over its height.")

    def picture_pose(self) -> PicturePose:
        """The pose as privacy's projection takes it."""
        return PicturePose(self.pan_deg, self.tilt_deg, self.fov_deg, self.aspect)


class ZonesBody(BaseModel):
    """Privacy zones: polygons of 3 to 64 [x, y] points, 0..1 (see `zones`)."""

    model_config = ConfigDict(extra="forbid")

    zones: tuple[Polygon, ...] = Field(
        max_length=64,
        description="The zones to keep: in normalised picture coordinates, or for a dome on its"
        " pan/tilt map (those it keeps unchanged).",
    )
    drawn: tuple[Polygon, ...] = Field(
        default=(),
        max_length=64,
        description="A dome's new zones, drawn in normalised picture coordinates at `pose`.",
    )
    pose: Pose | None = Field(default=None, description="Where the picture `drawn` is on looked.")
    reason: StorableText = Field(max_length=1000, description="Why (logged with before and after).")

    _reason = field_validator("reason")(reason_given)

    @model_validator(mode="after")
    def _posed(self) -> Self:
        if self.drawn and self.pose is None:
            raise InvalidValue(
                "zones drawn on a picture need the pose the picture was taken at",
                key="errors.zones.pose_needed",
            )
        return self


class ZonesOut(BaseModel):
    """The zones in force on a camera; for a dome, where it looks and the zones seen there."""

    camera_id: str
    zones: list[list[list[float]]]
    space: Literal["picture", "map"] = Field(
        description="picture: normalised picture coordinates; map: the dome's pan/tilt map"
        " (x across its pan range, y down its tilt range)."
    )
    pose: Pose | None = Field(
        default=None, description="A dome's pose now when it is still (null otherwise)."
    )
    pose_unknown: str | None = Field(default=None, description="Why a dome's pose is null.")
    outlines: list[Outline | None] | None = Field(
        default=None,
        description="Each zone's outline on the dome's picture at `pose`, normalised (null: not"
        " in view).",
    )


class ZoneEditOut(BaseModel):
    """What an edit did: applied at once, or pending until a second person confirms it."""

    camera_id: str
    zones: list[list[list[float]]] = Field(description="The zones in force now.")
    space: Literal["picture", "map"] = Field(description="As in the zones read.")
    state: Literal["applied", "pending"]
    change: ZoneChangeView | None = Field(description="The pending change, when one was made.")
    notes: list[str] = Field(default=[], description="What converting a drawing had to say.")


@router.get("/{camera_id}/privacy-zones", response_model=ZonesOut)
def get_privacy_zones(camera_id: Key, viewer: CurrentViewer, cameras: CamerasDep) -> ZonesOut:
    """The camera's privacy zones (for anyone who may see the camera or edit its zones)."""
    config = cameras.known(camera_id).config
    if not any(viewer.may(a, camera_id) for a in ZONE_READERS):
        raise Forbidden(
            f"no right on camera '{camera_id}'", key="errors.no_camera_right", camera=camera_id
        )
    zones = cameras.privacy_zones(camera_id)
    if config.ptz_view is None:
        return ZonesOut(camera_id=camera_id, zones=zones, space="picture")
    dome = cameras.dome_pose(camera_id)
    if dome.pose is None:
        return ZonesOut(camera_id=camera_id, zones=zones, space="map", pose_unknown=dome.unknown)
    p = dome.pose
    return ZonesOut(
        camera_id=camera_id,
        zones=zones,
        space="map",
        pose=Pose(pan_deg=p.pan, tilt_deg=p.tilt, fov_deg=p.fov, aspect=p.aspect),
        outlines=outlines(zones, config.ptz_view, p),
    )


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

    A dome's new zones come drawn on its picture, with the pose it was taken at, and are kept
    on its map. Logged with reason, before and after; applied zones are burned in from the next
    frame.
    """
    view = cameras.known(camera_id).config.ptz_view
    if view is None and body.drawn:
        raise Invalid(
            f"camera '{camera_id}' is fixed: its zones are in picture coordinates, in `zones`",
            key="errors.zones.fixed_camera",
            camera=camera_id,
        )
    after = DomeZones(as_plain(body.zones), [])
    if view is not None and body.pose is not None and body.drawn:
        after = with_drawn(body.zones, body.drawn, view, body.pose.picture_pose())
    edit = edit_zones(
        session,
        access_log,
        editor=Requester(viewer, client_address(request)),
        camera_id=camera_id,
        before=cameras.privacy_zones(camera_id),
        after=after.zones,
        reason=body.reason,
    )
    space = zone_space(cameras, camera_id)
    if edit.pending is not None:
        response.status_code = status.HTTP_202_ACCEPTED
        change = change_view(edit.pending, space)
        return ZoneEditOut(
            camera_id=camera_id,
            zones=edit.zones,
            space=space,
            state="pending",
            change=change,
            notes=after.notes,
        )
    cameras.apply_privacy_zones(camera_id, edit.zones)
    return ZoneEditOut(
        camera_id=camera_id,
        zones=edit.zones,
        space=space,
        state="applied",
        change=None,
        notes=after.notes,
    )
