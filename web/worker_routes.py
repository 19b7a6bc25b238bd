"""A camera worker's HTTP face: WHEP, snapshots, playback and PTZ for the cameras it owns, each
opened with an API node's ticket.

Browsers reach it through a 307 from an API node, so it answers any origin (after a redirect
across origins the browser sends `Origin: null`); the ticket, not a cookie, says who is asking.
PTZ requests, and those on a camera's preset tour, come from the API node itself, which forwards
them (video.ptz.remote).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from csu.bounds import Key
from csu.times import ApiTime
from privacy.access_log.service import AccessLog
from privacy.policy import Action
from video.evidence.service import check_playback
from video.live.service import MAX_TICKET_CHARS, LiveService, TicketDoor
from video.ptz.service import Done, PtzCommand, PtzService, PtzState
from video.ptz.tour.service import PtzTours, TourAction, TourPlan, TourView
from video.recording.service import RecordingService
from video.service import CameraService, take_snapshot
from web.deps import client_address
from web.live import SDP, answer_offer
from web.playback import playback_response

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/cameras", tags=["worker"])


@dataclass(frozen=True)
class WorkerFace:
    """What the worker's routes use: its cameras and recordings, its ticket check."""

    live: LiveService
    door: TicketDoor
    serves: Callable[[str], bool]
    cameras: CameraService
    access_log: AccessLog
    recordings: RecordingService
    ptz: PtzService
    tours: PtzTours


def get_face(request: Request) -> WorkerFace:
    """The worker's running services."""
    face: WorkerFace = request.app.state.worker
    return face


Face = Annotated[WorkerFace, Depends(get_face)]
TicketParam = Annotated[str, Query(max_length=MAX_TICKET_CHARS, description="signed ticket")]


@router.post(
    "/{camera_id}/whep",
    status_code=status.HTTP_201_CREATED,
    response_class=Response,
    responses={201: {"content": {SDP: {}}}},
)
async def whep_offer(camera_id: Key, ticket: TicketParam, request: Request, face: Face) -> Response:
    """Answer a WHEP offer that carries a valid ticket (logged before the picture flows)."""
    viewer, rendition = await face.door.admit(ticket, camera_id, client=client_address(request))
    if not face.serves(camera_id):
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"camera '{camera_id}' moved to another worker; ask again"
        )
    return await answer_offer(face.live, camera_id, viewer, request, rendition, ticket=ticket)


@router.delete("/{camera_id}/whep/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def whep_delete(camera_id: Key, session_id: Key, ticket: TicketParam, face: Face) -> Response:
    """End a live session opened with this ticket."""
    user = face.door.owner_of(ticket, camera_id)
    await face.live.close(session_id, camera_id=camera_id, username=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{camera_id}/snapshot.jpg",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
async def snapshot(camera_id: Key, ticket: TicketParam, request: Request, face: Face) -> Response:
    """The latest masked frame of a camera this worker serves (logged before it is sent)."""
    client = client_address(request)
    viewer, rendition = await face.door.admit(ticket, camera_id, Action.SNAPSHOT, client=client)
    if not face.serves(camera_id):
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"camera '{camera_id}' moved to another worker; ask again"
        )
    jpeg = await to_thread.run_sync(
        partial(
            take_snapshot,
            face.cameras,
            face.access_log,
            viewer=viewer,
            camera_id=camera_id,
            rendition=rendition,
            client=client,
        )
    )
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.get(
    "/{camera_id}/playback.mp4",
    response_class=StreamingResponse,
    responses={200: {"content": {"video/mp4": {}}}},
)
async def get_playback(
    camera_id: Key,
    start: Annotated[ApiTime, Query()],
    end: Annotated[ApiTime, Query()],
    ticket: TicketParam,
    request: Request,
    face: Face,
    reason: Annotated[str, Query(max_length=1000)] = "",
) -> StreamingResponse:
    """The part of a recorded range kept on this worker's disk (logged with its reason)."""
    check_playback(start, end, reason)
    client = client_address(request)
    viewer, _ = await face.door.admit(ticket, camera_id, Action.PLAYBACK, client=client)
    segments = await to_thread.run_sync(
        partial(face.recordings.index.between, camera_id, start, end, here_only=True)
    )
    return await playback_response(
        face.access_log, segments, viewer, camera_id, (start, end), reason=reason, client=client
    )


@router.get("/{camera_id}/ptz", response_model=PtzState)
async def ptz_state(camera_id: Key, ticket: TicketParam, request: Request, face: Face) -> PtzState:
    """The PTZ state of a camera this worker serves, for the user of an API node's ticket."""
    client = client_address(request)
    viewer, client = await face.door.forwarded(ticket, camera_id, Action.PTZ, client=client)
    return await face.ptz.state(viewer, camera_id, client=client)


@router.post("/{camera_id}/ptz", response_model=Done)
async def ptz_command(
    camera_id: Key,
    command: Annotated[PtzCommand, Body()],
    ticket: TicketParam,
    request: Request,
    face: Face,
) -> Done:
    """A PTZ command on a camera this worker serves, by the user of an API node's ticket (the
    camera's arbiter is here: 409 while someone else holds it)."""
    client = client_address(request)
    viewer, client = await face.door.forwarded(ticket, camera_id, Action.PTZ, client=client)
    return await face.ptz.command(viewer, camera_id, command, client=client)


@router.get("/{camera_id}/ptz/tour", response_model=TourView)
async def get_tour(camera_id: Key, ticket: TicketParam, request: Request, face: Face) -> TourView:
    """The tour of a camera this worker serves and where it stands, for a ticket's user."""
    client = client_address(request)
    viewer, client = await face.door.forwarded(ticket, camera_id, Action.PTZ, client=client)
    return await face.tours.view(viewer, camera_id, client=client)


@router.put("/{camera_id}/ptz/tour", response_model=TourView)
async def put_tour(
    camera_id: Key,
    plan: Annotated[TourPlan, Body()],
    ticket: TicketParam,
    request: Request,
    face: Face,
) -> TourView:
    """Set the tour's stops (checked against the camera's presets; a running tour follows
    them), for the user of a `video.ptz_tour` ticket."""
    client = client_address(request)
    viewer, client = await face.door.forwarded(ticket, camera_id, Action.PTZ_TOUR, client=client)
    return await face.tours.define(viewer, camera_id, plan, client=client)


@router.delete("/{camera_id}/ptz/tour", response_model=TourView)
async def delete_tour(
    camera_id: Key, ticket: TicketParam, request: Request, face: Face
) -> TourView:
    """Forget the tour, ending its run here if it runs, for a `video.ptz_tour` ticket's user."""
    client = client_address(request)
    viewer, client = await face.door.forwarded(ticket, camera_id, Action.PTZ_TOUR, client=client)
    return await face.tours.remove(viewer, camera_id, client=client)


@router.post("/{camera_id}/ptz/tour", response_model=TourView)
async def tour_action(
    camera_id: Key,
    action: Annotated[TourAction, Body()],
    ticket: TicketParam,
    request: Request,
    face: Face,
) -> TourView:
    """Start the tour here or stop it, for the user of a `video.ptz_tour` ticket."""
    client = client_address(request)
    viewer, client = await face.door.forwarded(ticket, camera_id, Action.PTZ_TOUR, client=client)
    return await face.tours.act(viewer, camera_id, action, client=client)
