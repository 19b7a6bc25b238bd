"""The console event stream's route."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket, status

from web.deps import viewer_for
from web.services import AppServices

router = APIRouter(tags=["events"])


@router.websocket("/api/events")
async def events(websocket: WebSocket) -> None:
    """Live alarms, incident changes and camera status (Bearer header or session cookie)."""
    services: AppServices = websocket.app.state.services
    viewer = await viewer_for(websocket)
    if viewer is None:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="not authenticated")
        return
    await websocket.accept()
    await services.hub.serve(websocket, viewer)
