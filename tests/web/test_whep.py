"""WHEP live view end to end: a real uvicorn server, real aiortc clients, decoded pictures."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import httpx
import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from csu.app import create_app
from csu.app_services import AppServices
from csu.config import parse_site
from csu.settings import Settings
from privacy.access_log import AccessLogEntry
from privacy.masking import MASK_COLOUR
from privacy.renditions import Rendition
from tests.web.conftest import PASSWORD, SITE, seed_accounts, served
from video.scenes import make_scene

ZONE = ((0.04, 0.09), (0.46, 0.51))  # cam-street's privacy zone, as (x0, y0), (x1, y1)
WIDTH, HEIGHT = 1280, 720  # the demo source's size
SDP = {"Content-Type": "application/sdp"}


@dataclass
class Server:
    """A csu app served by uvicorn on a free loopback port."""

    url: str
    services: AppServices


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real server for the module (its lifespan runs cameras and the live service)."""
    folder: Path = tmp_path_factory.mktemp("whep")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    app = create_app(Settings(data_dir=folder / "var", database_url=url), parse_site(SITE))
    with served(app) as base:
        yield Server(base, app.state.services)


@pytest.fixture
async def http(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the server."""
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        yield client


async def login(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    """Bearer headers for a fresh login."""
    response = await http.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


class Viewer:
    """A WHEP client: a real aiortc peer that only receives video."""

    def __init__(self) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pc.addTransceiver("video", direction="recvonly")
        self.track: asyncio.Future[MediaStreamTrack] = asyncio.get_running_loop().create_future()
        self.pc.on("track", self.track.set_result)
        self.location = ""

    async def offer(self) -> str:
        """The local offer, with every candidate gathered."""
        await self.pc.setLocalDescription(await self.pc.createOffer())
        sdp: str = self.pc.localDescription.sdp
        return sdp

    async def connect(self, answer: str) -> None:
        """Apply the server's answer."""
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))

    async def frames(self, seconds: float) -> list[av.VideoFrame]:
        """Every frame decoded during `seconds` after the first one."""
        track = await asyncio.wait_for(self.track, 10)
        frames: list[av.VideoFrame] = []
        deadline = None
        while deadline is None or time.monotonic() < deadline:
            frame = await asyncio.wait_for(track.recv(), 10 if deadline is None else 5)
            assert isinstance(frame, av.VideoFrame)  # aiortc decodes what it receives
            frames.append(frame)
            deadline = deadline or time.monotonic() + seconds
        return frames


async def post_offer(http: httpx.AsyncClient, auth: dict[str, str]) -> tuple[Viewer, str]:
    """POST an offer for cam-street; the viewer (its Location set) and the SDP answer."""
    viewer = Viewer()
    response = await http.post(
        "/api/cameras/cam-street/whep", content=await viewer.offer(), headers=SDP | auth
    )
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/sdp")
    viewer.location = response.headers["location"]
    assert viewer.location.startswith("/api/cameras/cam-street/whep/")
    return viewer, response.text


async def open_viewer(http: httpx.AsyncClient, auth: dict[str, str]) -> Viewer:
    """POST an offer for cam-street and apply the answer."""
    viewer, answer = await post_offer(http, auth)
    await viewer.connect(answer)
    return viewer


def entries(services: AppServices, action: str) -> list[AccessLogEntry]:
    """Access-log entries of one action."""
    return [e for e in services.access_log.entries() if e.action == action]


def box(frame: np.ndarray, x0: float, y0: float, x1: float, y1: float, inset: int) -> np.ndarray:
    """A region given in normalised coordinates, shrunk by `inset` pixels on each side."""
    h, w = frame.shape[:2]
    return frame[
        int(y0 * h) + inset : int(y1 * h) - inset, int(x0 * w) + inset : int(x1 * w) - inset
    ]


@pytest.mark.slow
async def test_live_view_is_masked_logged_and_ended(
    server: Server, http: httpx.AsyncClient
) -> None:
    auth = await login(http, "operator")
    before = len(entries(server.services, "video.live"))
    viewer, answer = await post_offer(http, auth)
    # Logged before the answer came back: without it no connection, so no picture, can exist.
    started = entries(server.services, "video.live")
    assert len(started) == before + 1
    assert started[-1].user == "operator" and started[-1].camera_id == "cam-street"
    details = json.loads(started[-1].details)
    assert details["rendition"] == "zones" and viewer.location.endswith(details["session"])
    await viewer.connect(answer)

    frames = await viewer.frames(2.0)
    assert len(frames) >= 30  # about 25 fps
    image = frames[-1].to_ndarray(format="bgr24")
    assert image.shape == (HEIGHT, WIDTH, 3)

    # Inside the zone (shrunk for codec edge effects): only the mask colour.
    inside = box(image, *ZONE[0], *ZONE[1], inset=8).astype(int)
    assert np.abs(inside - np.array(MASK_COLOUR)).max() <= 12
    # Outside: the camera's own picture, its static sky band and the right-hand facade.
    background = make_scene("street", WIDTH, HEIGHT).background
    for region in ((0.0, 0.0, 1.0, 0.085), (0.56, 0.11, 0.94, 0.49)):
        got = box(image, *region, inset=4).astype(int)
        expected = box(background, *region, inset=4).astype(int)
        assert np.abs(got - expected).mean() < 4
    facade = box(image, 0.56, 0.11, 0.94, 0.49, inset=4)
    assert facade.std() > 20  # windows, walls: not a uniform patch

    response = await http.delete(viewer.location, headers=auth)
    assert response.status_code == 204
    ended = entries(server.services, "video.live_end")
    assert ended[-1].user == "operator"
    end_details = json.loads(ended[-1].details)
    assert end_details["session"] == details["session"] and end_details["duration_s"] >= 2.0
    assert (await http.delete(viewer.location, headers=auth)).status_code == 404
    await viewer.pc.close()
    await asyncio.sleep(0.3)
    # Exactly one end entry, though the peer connection's close followed the DELETE.
    sessions = [
        json.loads(e.details)["session"] for e in entries(server.services, "video.live_end")
    ]
    assert sessions.count(details["session"]) == 1


@pytest.mark.slow
async def test_two_viewers_share_one_encoder(server: Server, http: httpx.AsyncClient) -> None:
    auth = await login(http, "supervisor")
    live = server.services.live
    one = await open_viewer(http, auth)
    await one.frames(0.5)
    encoder = live.pool.encoder("cam-street", Rendition.ZONES)
    assert encoder is not None
    count, since = encoder.frames_encoded, time.monotonic()
    await one.frames(1.0)
    single_rate = (encoder.frames_encoded - count) / (time.monotonic() - since)

    two = await open_viewer(http, auth)
    await asyncio.gather(one.frames(0.5), two.frames(0.5))
    count, since = encoder.frames_encoded, time.monotonic()
    received = await asyncio.gather(one.frames(1.0), two.frames(1.0))
    double_rate = (encoder.frames_encoded - count) / (time.monotonic() - since)

    assert live.pool.encoder_count() == 1
    assert live.pool.encoder("cam-street", Rendition.ZONES) is encoder
    assert live.pool.viewer_count("cam-street", Rendition.ZONES) == 2
    assert double_rate < 1.3 * single_rate  # encoded once for both
    assert all(len(frames) >= 20 for frames in received)
    for viewer in (one, two):
        assert (await http.delete(viewer.location, headers=auth)).status_code == 204
        await viewer.pc.close()


@pytest.mark.slow
async def test_a_closed_peer_ends_its_session(server: Server, http: httpx.AsyncClient) -> None:
    auth = await login(http, "crisis")
    viewer = await open_viewer(http, auth)
    await viewer.frames(0.2)
    session_id = viewer.location.rsplit("/", 1)[1]
    await viewer.pc.close()  # the browser tab closes without a DELETE

    def end_entries() -> list[dict[str, object]]:
        ended = (json.loads(e.details) for e in entries(server.services, "video.live_end"))
        return [d for d in ended if d["session"] == session_id]

    deadline = time.monotonic() + 10
    while not end_entries() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert server.services.live.session(session_id) is None
    (end,) = end_entries()
    assert end["reason"] in ("connection closed", "connection failed") and isinstance(
        end["duration_s"], float
    )


async def test_refusals_name_the_problem(server: Server, http: httpx.AsyncClient) -> None:
    whep = "/api/cameras/cam-street/whep"
    offer = await Viewer().offer()
    assert (await http.post(whep, content=offer, headers=SDP)).status_code == 401

    officer = await login(http, "privacy_officer")
    response = await http.post(whep, content=offer, headers=SDP | officer)
    assert response.status_code == 403
    assert response.json() == {"detail": "no live-view right on camera 'cam-street'"}
    denied = entries(server.services, "video.live")[-1]
    assert denied.user == "privacy_officer" and denied.outcome == "denied"

    operator = await login(http, "operator")
    response = await http.post(
        "/api/cameras/cam-nowhere/whep", content=offer, headers=SDP | operator
    )
    assert response.status_code == 404 and "cam-nowhere" in response.json()["detail"]
    response = await http.post(
        whep, content=offer, headers={"Content-Type": "application/json"} | operator
    )
    assert response.status_code == 415 and "application/sdp" in response.json()["detail"]
    response = await http.post(whep, content="v=0\r\nhello", headers=SDP | operator)
    assert response.status_code == 400 and "no video section" in response.json()["detail"]

    response = await http.options(whep, headers=operator)
    assert response.status_code == 204
    assert response.headers["accept-post"] == "application/sdp"
    assert "POST" in response.headers["allow"]
    assert (await http.delete(f"{whep}/no-such-session", headers=operator)).status_code == 404


async def test_only_the_owner_or_an_admin_ends_a_session(
    server: Server, http: httpx.AsyncClient
) -> None:
    owner = await login(http, "operator")
    viewer = await open_viewer(http, owner)
    other = await login(http, "supervisor")
    response = await http.delete(viewer.location, headers=other)
    assert response.status_code == 403 and "another user" in response.json()["detail"]
    admin = await login(http, "admin")
    assert (await http.delete(viewer.location, headers=admin)).status_code == 204
    await viewer.pc.close()
