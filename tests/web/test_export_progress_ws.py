"""An export's progress reaches, live on /api/events, those who may export its camera only."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from fastapi.testclient import TestClient

from csu.db import Database
from csu.identity import service as identity
from csu.identity.roles import Role
from tests.web.conftest import PASSWORD, login, services_of
from tests.web.test_exports_api import body, client  # noqa: F401 (fixture)
from video.events import CameraStatusChanged


class Listener:
    """Every message of one console's socket, read on a thread until the socket closes."""

    def __init__(self, ws: Any) -> None:
        self.messages: list[dict[str, Any]] = []
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(ws,), daemon=True)
        self._thread.start()

    def _read(self, ws: Any) -> None:
        try:
            while True:
                message = json.loads(ws.receive_text())
                self.messages.append(message)
                if message["type"] == "export" and message["state"] == "done":
                    self.done.set()
        except Exception:  # the socket closed at the end of the test
            return

    def wait_for(self, camera_id: str, timeout: float = 10) -> bool:
        """True once a state of this camera has come."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(m.get("camera_id") == camera_id for m in self.messages if m["type"] == "camera"):
                return True
            time.sleep(0.02)
        return False

    def exports(self) -> list[dict[str, Any]]:
        """The export messages received, in order."""
        return [m for m in self.messages if m["type"] == "export"]


def test_progress_reaches_those_who_may_export_the_camera_in_order(
    client: TestClient,  # noqa: F811
    database_url: str,
) -> None:
    """The supervisor gets the export from pending to done at 100, never going back; an
    operator who sees the camera (no export right) and a supervisor of another camera get
    nothing of it."""
    db = Database(database_url)
    with db.session() as session:
        identity.create_user(
            session,
            username="plaza-sup",
            role=Role.SUPERVISOR,
            password=PASSWORD,
            cameras=["cam-plaza"],
        )
    db.dispose()
    supervisor = login(client, "supervisor")
    others = [login(client, "street-only"), login(client, "plaza-sup")]
    with (
        client.websocket_connect("/api/events", headers=supervisor) as ws,
        client.websocket_connect("/api/events", headers=others[0]) as operator_ws,
        client.websocket_connect("/api/events", headers=others[1]) as plaza_ws,
    ):
        listeners = [Listener(ws), Listener(operator_ws), Listener(plaza_ws)]
        created = client.post(
            "/api/exports", json=body(1, 6, reason="assault report"), headers=supervisor
        ).json()
        assert listeners[0].done.wait(60), listeners[0].messages[-5:]
        # Every console was offered "done" at once; a camera state each other console may
        # see, told after it, shows what they got before is all they will get of the export.
        bus = services_of(client).bus
        for camera_id in ("cam-street", "cam-plaza"):
            bus.publish_threadsafe(
                CameraStatusChanged(
                    camera_id=camera_id, status="offline", previous="online", reason="test"
                )
            )
        for listener, camera_id in zip(listeners[1:], ("cam-street", "cam-plaza"), strict=True):
            assert listener.wait_for(camera_id), listener.messages
        ended = client.get(f"/api/exports/{created['id']}", headers=supervisor).json()
    told = listeners[0].exports()
    assert {(m["export_id"], m["camera_id"], m["user"]) for m in told} == {
        (created["id"], "cam-street", "supervisor")
    }
    order = {"pending": 0, "running": 1, "done": 2}
    steps = [(order[m["state"]], m["percent"]) for m in told]
    assert steps == sorted(steps) and steps[-1] == (2, 100)
    assert ended["progress"] == 100
    assert listeners[1].exports() == [] and listeners[2].exports() == []
