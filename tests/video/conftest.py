"""Fixtures for the video tests: small clips encoded with PyAV, and polling with a deadline."""

from __future__ import annotations

import shutil
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import av
import numpy as np
import pytest

from csu.bus import EventBus
from csu.demo.dome.device import OnvifDevice
from tests.conftest import require_service
from tests.video.rtsp_server import RtspServer, free_port
from video.sources.base import Image

CLIP_FRAMES = 10
CLIP_FPS = 25
CLIP_SIZE = (320, 240)


def clip_level(index: int) -> int:
    """The grey level frame `index` of a clip is painted with (far apart, to survive encoding)."""
    return 20 + 20 * index


def decoded_index(frame: Image) -> int:
    """Which clip frame a decoded image is, from its mean grey level."""
    return round((float(frame.mean()) - 20.0) / 20.0)


def make_clip(
    path: Path, frames: int = CLIP_FRAMES, fps: int = CLIP_FPS, size: tuple[int, int] = CLIP_SIZE
) -> Path:
    """Encode `frames` uniform grey frames (levels clip_level(i)) at `fps` into an MP4."""
    width, height = size
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(frames):
            image = np.full((height, width, 3), clip_level(i), np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    """A 10-frame, 25 fps, 320x240 MP4 made for the test."""
    return make_clip(tmp_path / "clip.mp4")


@pytest.fixture
def videos(shared_data: Path) -> Path:
    """The shared test videos."""
    return shared_data / "video"


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, interval: float = 0.01) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


# A real street-camera view: 768x432 H.264 at 10 fps, long enough (139 s) never to loop in a test.
PERSON_VIDEO = "intel_one-by-one-person-detection.mp4"


@pytest.fixture
def person_video(videos: Path) -> Path:
    """The shared 768x432, 10 fps camera video that the stream tests serve."""
    return videos / PERSON_VIDEO


@pytest.fixture
def ffmpeg() -> str:
    """The ffmpeg program, which the RTSP test server runs to packetise video."""
    path = shutil.which("ffmpeg")
    if path is None:
        require_service("ffmpeg")
        raise AssertionError("unreachable: require_service skips or fails")
    return path


@pytest.fixture
def rtsp_server(person_video: Path, ffmpeg: str) -> Iterator[RtspServer]:
    """A real RTSP server streaming the person video (768x432, 10 fps), children stopped after."""
    server = RtspServer(person_video, free_port(), ffmpeg=ffmpeg)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def event_bus() -> AsyncIterator[EventBus]:
    """A started event bus, stopped after the test."""
    bus = EventBus()
    await bus.start()
    yield bus
    await bus.stop()


@pytest.fixture
async def device() -> AsyncIterator[OnvifDevice]:
    """The simulated ONVIF dome on a loopback port."""
    device = OnvifDevice()
    await device.start()
    yield device
    await device.stop()
