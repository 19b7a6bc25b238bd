"""A dome's zones follow it in what csu serves: snapshots and WHEP frames, decoded, while an
operator pans and zooms it through the PTZ API, never show the façade painted under its zone."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from csu.app import create_app
from csu.config import parse_site
from csu.demo.dome.device import OnvifDevice
from csu.demo.dome.head import PtzHead
from csu.demo.dome.thread import DeviceThread
from csu.demo.dome.view import DomeVideo
from csu.settings import Settings
from tests.video.ptz.test_zones_follow import FACADE, VIEW, facade_pixels, panorama
from tests.web.conftest import PASSWORD, seed_accounts, served

pytestmark = pytest.mark.slow
CAMERA = "dome"


def dome_video(head: PtzHead) -> DomeVideo:
    return DomeVideo(panorama(), VIEW, head.advance, size=(480, 270), fps=12, delay_s=0.25)


def site_yaml(device: OnvifDevice) -> str:
    view = VIEW.model_dump(mode="json")
    zone = [list(point) for point in FACADE]
    return f"""
site: {{name: Testville, timezone: Europe/Paris}}
cameras:
  - id: {CAMERA}
    name: Dome
    source: {device.stream_url}
    fps: 12
    recording: {{mode: "off"}}
    onvif: {{url: "{device.url}", username: {device.username}, password: {device.password}}}
    ptz_view: {view}
    privacy_zones: [{zone}]
"""


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, PtzHead]]:
    folder: Path = tmp_path_factory.mktemp("dome")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    with DeviceThread(OnvifDevice(video=dome_video)) as device:
        assert device.head is not None
        site = parse_site(site_yaml(device))
        app = create_app(Settings(data_dir=folder / "var", database_url=url), site)
        with served(app) as address:
            yield address, device.head


@pytest.fixture
async def http(base: tuple[str, PtzHead]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base[0], timeout=20) as client:
        response = await client.post(
            "/api/auth/login", json={"username": "operator", "password": PASSWORD}
        )
        client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        yield client


async def whep_frames(
    http: httpx.AsyncClient, frames: list[np.ndarray], stop: asyncio.Event
) -> None:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    track: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    pc.on("track", track.set_result)
    await pc.setLocalDescription(await pc.createOffer())
    answer = await http.post(
        f"/api/cameras/{CAMERA}/whep",
        content=pc.localDescription.sdp,
        headers={"Content-Type": "application/sdp"},
    )
    assert answer.status_code == 201, answer.text
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer.text, type="answer"))
    received = await asyncio.wait_for(track, 15)
    try:
        while not stop.is_set():
            frame = await asyncio.wait_for(received.recv(), 10)  # type: ignore[attr-defined]
            frames.append(frame.to_ndarray(format="bgr24"))
    finally:
        await pc.close()


async def snapshots(http: httpx.AsyncClient, frames: list[np.ndarray], stop: asyncio.Event) -> None:
    while not stop.is_set():
        response = await http.get(f"/api/cameras/{CAMERA}/snapshot.jpg")
        if response.status_code == 200:
            frames.append(cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR))
        await asyncio.sleep(0.1)


async def move(http: httpx.AsyncClient, **speeds: float) -> None:
    response = await http.post(f"/api/cameras/{CAMERA}/ptz", json={"action": "move", **speeds})
    assert response.status_code == 200, response.text


async def test_snapshots_and_live_frames_never_show_the_zone_while_the_dome_moves(
    base: tuple[str, PtzHead], http: httpx.AsyncClient
) -> None:
    deadline = time.monotonic() + 30
    while (await http.get(f"/api/cameras/{CAMERA}/snapshot.jpg")).status_code != 200:
        assert time.monotonic() < deadline, "the dome's picture never came"
        await asyncio.sleep(0.3)
    metrics = (await http.get("/metrics")).text
    assert f'csu_camera_position_known{{camera="{CAMERA}"}} 1.0' in metrics
    live: list[np.ndarray] = []
    stills: list[np.ndarray] = []
    stop = asyncio.Event()
    watchers = [
        asyncio.create_task(whep_frames(http, live, stop)),
        asyncio.create_task(snapshots(http, stills, stop)),
    ]
    try:
        await asyncio.sleep(2)
        await move(http, pan=0.5)  # across the façade
        await asyncio.sleep(1.5)
        await move(http, tilt=-0.3, zoom=0.6)
        await asyncio.sleep(1.5)
        await move(http, pan=-0.6, zoom=-0.5)
        await asyncio.sleep(1.5)
        assert (await http.post(f"/api/cameras/{CAMERA}/ptz", json={"action": "stop"})).is_success
        await asyncio.sleep(2)
    finally:
        stop.set()
        await asyncio.gather(*watchers)
    assert len(live) > 40 and len(stills) > 20
    # Compression blurs the mask's edge: a handful of tinted pixels is not the façade.
    shown = [
        (kind, i, n)
        for kind, frames in (("live", live), ("snapshot", stills))
        for i, frame in enumerate(frames)
        if (n := facade_pixels(frame)) > 20
    ]
    assert not shown, f"façade shown: {shown[:10]}"
