"""Masks that follow a PTZ camera: the simulated dome films a panorama with a façade painted
magenta, pans and zooms; in every masked frame the camera service serves, no façade pixel shows."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from csu.bus import EventBus
from csu.config import CameraConfig
from csu.config.onvif import OnvifConfig
from csu.config.ptz_view import PtzViewConfig
from csu.demo.dome.device import OnvifDevice
from csu.demo.dome.head import PtzHead
from csu.demo.dome.view import DomeVideo
from privacy.renditions import Rendition
from video.ingest import MaskedFrame
from video.service import CameraService

pytestmark = pytest.mark.slow

VIEW = PtzViewConfig(
    pan_degrees=(-60, 60),
    tilt_degrees=(-40, 10),
    fov=((0, 70), (0.5, 30), (1, 8)),
    max_pan_tilt_speed=65,  # the dome: 1 ONVIF unit a second, 60 degrees of this pan range
    max_zoom_speed=0.6,
    status_interval_s=0.2,
    video_delay_s=0.6,  # the dome's 0.25 s, the JPEG transfer and the decoder's buffer
    margin_degrees=0.5,
)
FACADE = [(0.55, 0.30), (0.70, 0.30), (0.70, 0.55), (0.55, 0.55)]
MAGENTA = (255, 0, 255)


def panorama() -> np.ndarray:
    rng = np.random.default_rng(7)
    image = rng.integers(0, 160, (500, 1200, 3), dtype=np.uint8)
    image[150:275, 660:840] = MAGENTA  # the façade's map rectangle, FACADE in pixels
    return image


def facade_pixels(frame: np.ndarray) -> int:
    b, g, r = (frame[..., i].astype(int) for i in range(3))
    return int(((b > 190) & (r > 190) & (g < 80)).sum())


def dome_video(head: PtzHead) -> DomeVideo:
    return DomeVideo(panorama(), VIEW, head.advance, size=(480, 270), fps=12, delay_s=0.25)


async def collect(service: CameraService, seconds: float, frames: list[MaskedFrame]) -> None:
    feed = service.feed("dome", Rendition.ZONES)
    assert feed is not None
    end, last = time.monotonic() + seconds, -1
    while time.monotonic() < end:
        frame = await asyncio.to_thread(feed.wait_frame, last, 1.0)
        if frame is not None:
            frames.append(frame)
            last = frame.index


async def test_the_facade_stays_masked_while_the_dome_pans_and_zooms() -> None:
    device = OnvifDevice(video=dome_video)
    await device.start()
    assert device.head is not None
    camera = CameraConfig(
        id="dome",
        name="Dome",
        source=device.stream_url,
        fps=12,
        onvif=OnvifConfig(url=device.url, username=device.username, password=device.password),
        ptz_view=VIEW,
        privacy_zones=(tuple(FACADE),),
    )
    bus = EventBus()
    await bus.start()
    service = CameraService([camera], bus, monitor_interval_s=0.2)
    await service.start()
    frames: list[MaskedFrame] = []
    try:
        device.head.position = (0.2, 0.2, 0.0)  # the façade in view at rest
        await collect(service, 4.0, frames)
        rest = frames[-1].image
        # Sweep across the façade, zoom in, swing back and zoom out while frames are taken.
        device.head.continuous((0.5, 0.0, 0.0), None)
        await collect(service, 1.5, frames)
        device.head.continuous((0.0, -0.3, 0.6), None)
        await collect(service, 1.5, frames)
        device.head.goto((-0.1, 0.4, 0.1))
        await collect(service, 2.0, frames)
        device.head.stop()
        await collect(service, 2.0, frames)
    finally:
        await service.stop()
        await bus.stop()
        await device.stop()
    assert len(frames) > 60
    leaks = [(f.index, facade_pixels(f.image)) for f in frames if facade_pixels(f.image) > 0]
    assert not leaks, f"façade pixels shown: {leaks[:10]}"
    # Not a blank wall: at rest the rest of the street shows.
    assert (rest != (32, 32, 32)).any(axis=2).mean() > 0.4
