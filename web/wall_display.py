"""What a wall display uses: its page, its layout feed, and live video in the wall's rendition.

A display signs in as a named display account (role crisis: it watches, it operates nothing).
The rendition its camera tiles get is the stricter of the account's and the wall's: a wall
configured `anonymised` shows anonymised video whoever is signed in on it, because its video comes
through the wall's own WHEP endpoint, never through the viewer's choice.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Request, Response, WebSocket, status
from fastapi.responses import HTMLResponse

from crisis.service import WallService, WallState
from csu.bounds import Key
from csu.errors import Conflict, NotFound
from privacy.policy import Action
from privacy.service import RightsWatch, Viewer
from web.deps import (
    CamerasDep,
    CurrentViewer,
    LiveDep,
    RedirectsDep,
    SiteDep,
    WallsDep,
    checked,
    provided,
    viewer_for,
)
from web.live import SDP, answer_offer, redirect_live
from web.pages import page
from web.push import push, session_ended

router = APIRouter(tags=["walls"])


def message(state: WallState) -> str:
    """The layout message every display of the wall receives."""
    return json.dumps({"type": "layout", **state.model_dump(mode="json")})


@router.get("/wall/{wall_id}", response_class=HTMLResponse, include_in_schema=False)
def wall_page(wall_id: Key, site: SiteDep) -> Response:
    """The kiosk page of a wall (it signs in and follows the layout by itself)."""
    if site.wall(wall_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no wall '{wall_id}'")
    return page("wall")


@router.websocket("/api/walls/{wall_id}/ws")
async def wall_feed(websocket: WebSocket, wall_id: Key) -> None:
    """The wall's layout now, then every new version; send "resync" to get the current again.

    The feed ends when the display's session ends (logout, deactivation, expiry).
    """
    walls = provided(websocket, WallService)
    viewer = await viewer_for(websocket)
    if viewer is None or not viewer.has(Action.WALL_READ):
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="not authenticated")
        return
    try:
        walls.state(wall_id)
    except NotFound as exc:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason=str(exc))
        return
    await websocket.accept()
    rights = _Following(viewer)
    release = (
        provided(websocket, RightsWatch).hold(
            viewer.token_hash, rights.follow, session_ended(websocket)
        )
        if viewer.token_hash
        else lambda: None
    )

    def render(states: list[WallState]) -> list[str]:
        return [message(state.seen_by(rights.viewer.sees)) for state in states]

    def resync(text: str) -> None:
        # A display may ask for the current layout again.
        if text.strip() == "resync":
            feed.put(wall_id, walls.state(wall_id))

    with walls.follow(wall_id) as feed:
        try:
            await push(websocket, feed, render, on_text=resync)
        finally:
            release()


class _Following:
    """A display's rights as the rights watch last read them."""

    def __init__(self, viewer: Viewer) -> None:
        self.viewer = viewer

    def follow(self, viewer: Viewer) -> str | None:
        self.viewer = viewer
        return None if viewer.has(Action.WALL_READ) else "wall-read right ended"


@router.post(
    "/api/walls/{wall_id}/cameras/{camera_id}/whep",
    status_code=status.HTTP_201_CREATED,
    response_class=Response,
    responses={201: {"content": {SDP: {}}}},
)
async def wall_whep(
    wall_id: Key,
    camera_id: Key,
    request: Request,
    viewer: CurrentViewer,
    live: LiveDep,
    walls: WallsDep,
    cameras: CamerasDep,
    redirects: RedirectsDep,
) -> Response:
    """WHEP for a camera the wall shows now (or one of its tours shows in turn), in the stricter
    of the wall's and the user's renditions (logged like any live view); end it with DELETE on
    the Location."""
    state = walls.state(wall_id)
    touring = state.seen_by(viewer.sees).tour_cameras()
    if camera_id not in state.layout.cameras() and camera_id not in touring:
        raise Conflict(
            f"camera '{camera_id}' is not on wall '{wall_id}' now",
            key="errors.wall.not_shown",
            camera=camera_id,
            wall=wall_id,
        )
    checked(viewer, Action.WALL_READ)
    rendition = viewer.rendition(anonymised_display=state.rendition == "anonymised")
    if redirects is not None:
        return await redirect_live(redirects, cameras, camera_id, viewer, request, rendition)
    return await answer_offer(live, camera_id, viewer, request, rendition)
