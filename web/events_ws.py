"""The console event stream's route."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket, status

from web.deps import provided, viewer_for
from web.hub import EventHub

router = APIRouter(tags=["events"])


@router.websocket("/api/events")
async def events(websocket: WebSocket) -> None:
    """Live alarms, incident changes and camera status (Bearer header or session cookie)."""
    viewer = await viewer_for(websocket)
    if viewer is None:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="not authenticated")
        return
    await websocket.accept()
    await provided(websocket, EventHub).serve(websocket, viewer)
