"""What a wall display uses: its page, its layout feed, and live video in the wall's rendition.

A display signs in as a named display account (role crisis: it watches, it operates nothing).
The rendition its camera tiles get is the stricter of the account's and the wall's: a wall
configured `anonymised` shows anonymised video whoever is signed in on it, because its video comes
through the wall's own WHEP endpoint, never through the viewer's choice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, WebSocket, status
from fastapi.responses import HTMLResponse
from starlette.websockets import WebSocketDisconnect

from crisis.wall_state import WallFeed, WallState
from crisis.walls import UnknownWall, WallService
from csu.identity import service as identity
from csu.identity.models import User
from csu.identity.roles import Role
from privacy.policy import Action, role_allows
from privacy.renditions import rendition_for
from video.live import CameraNotFound, InvalidOffer, RenditionUnavailable
from web.deps import Services, bearer_token, client_address, require
from web.live import SDP, Granted, Live, read_sdp_offer
from web.pages import page

router = APIRouter(tags=["walls"])

Reader = Annotated[User, Depends(require(Action.WALL_READ))]


def message(state: WallState) -> str:
    """The layout message every display of the wall receives."""
    return json.dumps({"type": "layout", **state.model_dump(mode="json")})


@router.get("/wall/{wall_id}", response_class=HTMLResponse, include_in_schema=False)
def wall_page(wall_id: str, services: Services) -> Response:
    """The kiosk page of a wall (it signs in and follows the layout by itself)."""
    if services.site.wall(wall_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no wall '{wall_id}'")
    return page("wall")


def _may_read_walls(websocket: WebSocket) -> bool:
    services = websocket.app.state.services
    token = bearer_token(websocket)
    if not token:
        return False
    with services.db.session() as session:
        user = identity.user_for_token(session, token=token)
        return user is not None and role_allows(Role(user.role), Action.WALL_READ)


@router.websocket("/api/walls/{wall_id}/ws")
async def wall_feed(websocket: WebSocket, wall_id: str) -> None:
    """The wall's layout now, then every new version; send "resync" to get the current again."""
    walls: WallService = websocket.app.state.services.walls
    if not await asyncio.to_thread(_may_read_walls, websocket):
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="not authenticated")
        return
    try:
        walls.state(wall_id)
    except UnknownWall as exc:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason=str(exc))
        return
    await websocket.accept()
    with walls.follow(wall_id) as feed:
        reader = asyncio.create_task(_read(websocket, feed, walls, wall_id))
        try:
            await _send_states(websocket, feed, reader)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await reader


async def _send_states(websocket: WebSocket, feed: WallFeed, reader: asyncio.Task[None]) -> None:
    while not reader.done():
        waiter = asyncio.create_task(feed.next())
        await asyncio.wait({waiter, reader}, return_when=asyncio.FIRST_COMPLETED)
        if not waiter.done():
            waiter.cancel()
            break
        await websocket.send_text(message(waiter.result()))


async def _read(websocket: WebSocket, feed: WallFeed, walls: WallService, wall_id: str) -> None:
    # A display may ask for the current layout again; reading also notices when it leaves.
    while True:
        text = await websocket.receive_text()
        if text.strip() == "resync":
            feed.offer(walls.state(wall_id))


@router.post(
    "/api/walls/{wall_id}/cameras/{camera_id}/whep",
    status_code=status.HTTP_201_CREATED,
    response_class=Response,
    responses={201: {"content": {SDP: {}}}},
)
async def wall_whep(
    wall_id: str,
    camera_id: str,
    request: Request,
    user: Reader,
    granted: Granted,
    live: Live,
    services: Services,
) -> Response:
    """WHEP for a camera the wall shows now, in the stricter of the wall's and the user's
    renditions (logged like any live view); end it with DELETE on the Location."""
    try:
        state = services.walls.state(wall_id)
    except UnknownWall as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    if camera_id not in state.layout.cameras():
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"camera '{camera_id}' is not on wall '{wall_id}' now"
        )
    offer = await read_sdp_offer(request)
    rendition = rendition_for(
        anonymised_viewer=user.anonymised_view,
        anonymised_display=state.rendition == "anonymised",
    )
    try:
        session = await live.open(
            camera_id,
            offer,
            user=user,
            granted=granted,
            rendition=rendition,
            client=client_address(request),
        )
    except CameraNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except InvalidOffer as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    except RenditionUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None
    return Response(
        session.answer_sdp,
        status_code=status.HTTP_201_CREATED,
        media_type=SDP,
        headers={
            "Location": f"/api/cameras/{camera_id}/whep/{session.id}",
            "Cache-Control": "no-store",
        },
    )
