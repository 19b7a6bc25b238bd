"""The console event stream's route."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket, status

from csu.identity import service as identity
from csu.identity.roles import Role
from web.deps import bearer_token
from web.services import AppServices

router = APIRouter(tags=["events"])


@router.websocket("/api/events")
async def events(websocket: WebSocket) -> None:
    """Live alarms, incident changes and camera status (Bearer header or session cookie)."""
    services: AppServices = websocket.app.state.services
    token = bearer_token(websocket)
    role: Role | None = None
    if token:
        with services.db.session() as session:
            user = identity.user_for_token(session, token=token)
            role = Role(user.role) if user else None
    if role is None:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="not authenticated")
        return
    await websocket.accept()
    await services.hub.serve(websocket, role)
