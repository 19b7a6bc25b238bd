"""A camera worker's HTTP face: WHEP for the cameras it owns, opened with an API node's ticket.

Browsers reach it through a 307 from an API node, so it answers any origin (after a redirect
across origins the browser sends `Origin: null`); the ticket, not a cookie, says who is asking.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status

from csu.bounds import Key
from csu.cluster.tickets import MAX_TICKET_CHARS
from csu.identity.roles import Role
from video.live import LiveService, SessionNotFound
from video.live.remote import TicketDoor, TicketRefused
from web.deps import client_address
from web.live import SDP, open_live, read_sdp_offer

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/cameras", tags=["worker"])


@dataclass(frozen=True)
class WorkerFace:
    """What the worker's routes use: its live service, its ticket check, what it serves."""

    live: LiveService
    door: TicketDoor
    serves: Callable[[str], bool]


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
    try:
        viewer, rendition = await face.door.admit(ticket, camera_id)
    except TicketRefused as exc:
        log.warning(
            "WHEP ticket refused for %s from %s: %s", camera_id, client_address(request), exc
        )
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    if not face.serves(camera_id):
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"camera '{camera_id}' moved to another worker; ask again"
        )
    offer = await read_sdp_offer(request)
    session = await open_live(face.live, camera_id, offer, viewer, request, rendition)
    location = f"/api/cameras/{camera_id}/whep/{session.id}?ticket={ticket}"
    return Response(
        session.answer_sdp,
        status_code=status.HTTP_201_CREATED,
        media_type=SDP,
        headers={"Location": location, "Cache-Control": "no-store"},
    )


@router.delete("/{camera_id}/whep/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def whep_delete(camera_id: Key, session_id: Key, ticket: TicketParam, face: Face) -> Response:
    """End a live session opened with this ticket."""
    try:
        user = face.door.owner_of(ticket, camera_id)
    except TicketRefused as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    session = face.live.session(session_id)
    if session is None or session.camera_id != camera_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no live session '{session_id}'")
    if user != session.username:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the live session belongs to another user")
    try:
        await face.live.close(session_id, username=user, role=Role(session.role))
    except SessionNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)
