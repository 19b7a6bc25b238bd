"""A right that ends ends everything that depended on it: live video and event streams.

Red-team finding (issue #15): after deactivation, grant removal, grant expiry or logout, an open
WHEP stream kept sending 500-590 frames and WS /api/events kept pushing. Each case here runs
through a real uvicorn server, a real aiortc viewer and a real WebSocket client.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from aiortc.mediastreams import MediaStreamError

from csu.app import create_app
from csu.config import parse_site
from csu.settings import Settings
from tests.conftest import empty_database
from tests.web.conftest import PASSWORD, SITE, seed_accounts, served
from tests.web.test_whep import SDP, Server, Viewer, entries, login
from tests.web.test_whep import http as http

pytestmark = pytest.mark.slow
ENDS_WITHIN_S = 8.0  # the watch checks every 2 s; generous for a shared machine


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """One real server per database kind for the module."""
    folder: Path = tmp_path_factory.mktemp("rights")
    with empty_database(request.param, folder) as url:
        seed_accounts(url)
        app = create_app(Settings(data_dir=folder / "var", database_url=url), parse_site(SITE))
        with served(app) as base_url:
            yield Server(base_url, app.state.services)


_names = iter(range(10_000))


async def new_operator(
    http: httpx.AsyncClient, cameras: list[str], expires: datetime | None = None
) -> tuple[str, dict[str, str]]:
    """A fresh operator account made by the administrator, and its bearer headers."""
    admin = await login(http, "admin")
    name = f"op-{os.getpid()}-{next(_names)}"
    body: dict[str, Any] = {
        "username": name,
        "role": "operator",
        "password": PASSWORD,
        "cameras": cameras,
        "expires_at": expires.isoformat() if expires else None,
    }
    response = await http.post("/api/users", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return name, await login(http, name)


async def watching(http: httpx.AsyncClient, auth: dict[str, str]) -> Viewer:
    """A viewer receiving cam-street's live video."""
    viewer = Viewer()
    response = await http.post(
        "/api/cameras/cam-street/whep", content=await viewer.offer(), headers=SDP | auth
    )
    assert response.status_code == 201, response.text
    viewer.location = response.headers["location"]
    await viewer.connect(response.text)
    assert len(await viewer.frames(0.5)) > 5
    return viewer


async def frames_stop(viewer: Viewer, within_s: float) -> float:
    """Seconds until the stream stops (ended, or no frame for 2 s); fails if it goes on."""
    track = await viewer.track
    start = time.monotonic()
    while time.monotonic() - start < within_s:
        try:
            await asyncio.wait_for(track.recv(), 2.0)
        except (MediaStreamError, TimeoutError):
            return time.monotonic() - start
    raise AssertionError(f"live video still flowing {within_s} s after the right ended")


async def end_reason(server: Server, viewer: Viewer) -> str:
    """The reason logged in the session's video.live_end entry (written as the stream ends)."""
    session = viewer.location.rsplit("/", 1)[1]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for entry in entries(server.services, "video.live_end"):
            details = json.loads(entry.details)
            if details["session"] == session:
                return str(details["reason"])
        await asyncio.sleep(0.2)
    raise AssertionError(f"no video.live_end for session {session}")


async def events_socket(server: Server, auth: dict[str, str]) -> Any:
    """A console's WS /api/events, connected."""
    url = server.url.replace("http://", "ws://") + "/api/events"
    return await websockets.connect(url, additional_headers=auth)


async def closed_code(socket: Any, within_s: float) -> int:
    """The close code once the server closes the socket; fails if it stays open."""
    deadline = time.monotonic() + within_s
    try:
        while time.monotonic() < deadline:
            await asyncio.wait_for(socket.recv(), deadline - time.monotonic())
    except websockets.ConnectionClosed as closed:
        assert closed.rcvd is not None
        return int(closed.rcvd.code)
    except TimeoutError:
        pass
    raise AssertionError(f"event stream still open {within_s} s after the right ended")


async def test_deactivation_ends_live_video_and_the_event_stream(
    server: Server, http: httpx.AsyncClient
) -> None:
    name, auth = await new_operator(http, ["cam-street"])
    viewer = await watching(http, auth)
    socket = await events_socket(server, auth)
    admin = await login(http, "admin")
    response = await http.post(
        f"/api/users/{name}/deactivate", json={"reason": "left"}, headers=admin
    )
    assert response.status_code == 200, response.text
    assert await frames_stop(viewer, ENDS_WITHIN_S) < ENDS_WITHIN_S
    assert await closed_code(socket, ENDS_WITHIN_S) == 1008
    assert "account deactivated" in await end_reason(server, viewer)
    await viewer.pc.close()


async def test_removing_the_grant_ends_that_camera_only(
    server: Server, http: httpx.AsyncClient
) -> None:
    name, auth = await new_operator(http, ["cam-street", "cam-plaza"])
    viewer = await watching(http, auth)
    socket = await events_socket(server, auth)
    admin = await login(http, "admin")
    change = {"grants": [{"camera_id": "cam-plaza"}], "reason": "moved to the plaza"}
    response = await http.put(f"/api/users/{name}/grants", json=change, headers=admin)
    assert response.status_code == 200, response.text
    await frames_stop(viewer, ENDS_WITHIN_S)
    assert await end_reason(server, viewer) == (
        "right ended: live-view right on camera 'cam-street' ended"
    )
    # The login itself holds: the console keeps its event stream and is told its cameras changed.
    assert (await http.get("/api/auth/me", headers=auth)).status_code == 200
    told = json.loads(await asyncio.wait_for(socket.recv(), ENDS_WITHIN_S))
    assert told == {"type": "rights"}
    await socket.close()
    await viewer.pc.close()


@pytest.mark.parametrize(
    ("method", "path", "body", "why"),
    [
        ("PUT", "role", {"role": "crisis"}, "role changed to crisis"),
        ("POST", "password-reset", {}, "password reset by an administrator"),
    ],
)
async def test_a_role_change_or_a_reset_ends_live_video_and_the_event_stream(
    server: Server, http: httpx.AsyncClient, method: str, path: str, body: dict[str, str], why: str
) -> None:
    """The sessions opened under the old role (or the old password) end, and all they held."""
    name, auth = await new_operator(http, ["cam-street"])
    viewer = await watching(http, auth)
    socket = await events_socket(server, auth)
    admin = await login(http, "admin")
    change = {**body, "reason": "ticket 4711"}
    response = await http.request(method, f"/api/users/{name}/{path}", json=change, headers=admin)
    assert response.status_code == 200, response.text
    assert await frames_stop(viewer, ENDS_WITHIN_S) < ENDS_WITHIN_S
    assert await closed_code(socket, ENDS_WITHIN_S) == 1008
    assert why in await end_reason(server, viewer)
    assert (await http.get("/api/auth/me", headers=auth)).status_code == 401
    await viewer.pc.close()


async def test_an_expiring_grant_ends_live_video_on_time(
    server: Server, http: httpx.AsyncClient
) -> None:
    expires = datetime.now(UTC) + timedelta(seconds=6)
    _name, auth = await new_operator(http, ["cam-street"], expires)
    viewer = await watching(http, auth)
    await frames_stop(viewer, (expires - datetime.now(UTC)).total_seconds() + ENDS_WITHIN_S)
    assert datetime.now(UTC) >= expires
    assert "live-view right on camera 'cam-street' ended" in await end_reason(server, viewer)
    refused = await http.post(
        "/api/cameras/cam-street/whep", content=await Viewer().offer(), headers=SDP | auth
    )
    assert refused.status_code == 403, refused.text
    await viewer.pc.close()


async def test_logout_ends_the_sessions_opened_under_it(
    server: Server, http: httpx.AsyncClient
) -> None:
    _name, auth = await new_operator(http, ["cam-street"])
    viewer = await watching(http, auth)
    socket = await events_socket(server, auth)
    response = await http.post("/api/auth/logout", headers=auth)
    assert response.status_code == 204, response.text
    assert await frames_stop(viewer, ENDS_WITHIN_S) < ENDS_WITHIN_S
    assert await closed_code(socket, ENDS_WITHIN_S) == 1008
    assert "right ended" in await end_reason(server, viewer)
    # Ended by the server: nothing left for the viewer to end.
    assert server.services.live.count() == 0 or all(
        s.id != viewer.location.rsplit("/", 1)[1] for s in server.services.live.sessions()
    )
    await viewer.pc.close()
