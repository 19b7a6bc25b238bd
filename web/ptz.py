"""PTZ control of a camera: its state, and commands by the one who holds it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request

from csu.bounds import Key
from csu.errors import Unavailable
from video.ptz.service import Done, PtzCommand, PtzService, PtzState
from web.deps import CurrentViewer, PtzDep, client_address

router = APIRouter(prefix="/api/cameras", tags=["ptz"])


def _ptz(ptz: PtzService | None) -> PtzService:
    if ptz is None:
        raise Unavailable("PTZ is served by the process that runs the cameras, not this node")
    return ptz


@router.get("/{camera_id}/ptz", response_model=PtzState)
async def ptz_state(
    camera_id: Key, request: Request, viewer: CurrentViewer, ptz: PtzDep
) -> PtzState:
    """Capabilities, presets, position and who holds the camera (right `video.ptz`)."""
    return await _ptz(ptz).state(viewer, camera_id, client=client_address(request))


@router.post("/{camera_id}/ptz", response_model=Done)
async def ptz_command(
    camera_id: Key,
    command: Annotated[PtzCommand, Body()],
    request: Request,
    viewer: CurrentViewer,
    ptz: PtzDep,
) -> Done:
    """One command: move (speeds in [-1, 1]), stop, absolute, relative, preset, home,
    save_preset (supervisor) or release; 409 while someone else holds the camera."""
    return await _ptz(ptz).command(viewer, camera_id, command, client=client_address(request))
