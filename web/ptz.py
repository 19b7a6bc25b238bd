"""PTZ control of a camera: its state, and commands by the one who holds it.

Served by the process that runs the camera; a cluster's API node passes each request on to the
worker that owns it (video.ptz.remote) and answers with that worker's answer as it came.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request, Response

from csu.bounds import Key
from csu.errors import Unavailable
from video.ptz.service import Done, Forwarded, PtzCommand, PtzService, PtzState
from web.deps import CurrentViewer, PtzDep, PtzRemoteDep, client_address

router = APIRouter(prefix="/api/cameras", tags=["ptz"])


def _ptz(ptz: PtzService | None) -> PtzService:
    if ptz is None:
        raise Unavailable(
            "PTZ is served by the process that runs the cameras, not this node",
            key="errors.ptz.not_here",
        )
    return ptz


@router.get("/{camera_id}/ptz", response_model=PtzState)
async def ptz_state(
    camera_id: Key, request: Request, viewer: CurrentViewer, ptz: PtzDep, remote: PtzRemoteDep
) -> PtzState | Response:
    """Capabilities, presets, position and who holds the camera (right `video.ptz`)."""
    client = client_address(request)
    if remote is not None:
        return relayed(await remote.state(viewer, camera_id, client=client))
    return await _ptz(ptz).state(viewer, camera_id, client=client)


@router.post("/{camera_id}/ptz", response_model=Done)
async def ptz_command(
    camera_id: Key,
    command: Annotated[PtzCommand, Body()],
    request: Request,
    viewer: CurrentViewer,
    ptz: PtzDep,
    remote: PtzRemoteDep,
) -> Done | Response:
    """One command: move (speeds in [-1, 1]), stop, absolute, relative, preset, home,
    save_preset (supervisor) or release; 409 while someone else holds the camera."""
    client = client_address(request)
    if remote is not None:
        return relayed(await remote.command(viewer, camera_id, command, client=client))
    return await _ptz(ptz).command(viewer, camera_id, command, client=client)


def relayed(answer: Forwarded) -> Response:
    """The owning worker's answer as it came (a cluster's API node)."""
    headers = {"Cache-Control": "no-store"}
    if answer.retry_after is not None:
        headers["Retry-After"] = answer.retry_after
    return Response(
        answer.body, status_code=answer.status, media_type="application/json", headers=headers
    )
