"""The camera service: workers per camera, health on the bus, masked latest frames."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import AsyncIterator, Callable

import numpy as np
import pytest

from csu.bus import EventBus
from csu.config import CameraConfig
from privacy.masking import MASK_COLOUR
from video.events import CameraStatusChanged
from video.health import CameraState
from video.service import CameraService
from video.sources import FrameSource, SourceError, open_source

ZONE = ((0.05, 0.1), (0.45, 0.1), (0.45, 0.5), (0.05, 0.5))
REFUSED = "cannot open stream: Connection refused"


def opener(url: str, fps: float) -> FrameSource:
    """Real sources, except the one camera whose network is down."""
    if url.startswith("rtsp://"):
        raise SourceError(REFUSED)
    return open_source(url, fps)


def cameras() -> list[CameraConfig]:
    """A demo street camera with a privacy zone, a camera that is down, and a disabled one."""
    return [
        CameraConfig(
            id="street", name="Main street", source="demo://street", privacy_zones=(ZONE,), fps=25
        ),
        CameraConfig(id="gate", name="North gate", source="rtsp://10.0.0.9:554/live"),
        CameraConfig(id="spare", name="Spare", source="demo://plaza", enabled=False),
    ]


@pytest.fixture
async def bus() -> AsyncIterator[EventBus]:
    """A started event bus, stopped after the test."""
    event_bus = EventBus()
    await event_bus.start()
    yield event_bus
    await event_bus.stop()


async def until(condition: Callable[[], bool], timeout: float = 3.0) -> bool:
    """Poll `condition` on the event loop until it holds or the deadline passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.02)
    return condition()


def ingest_threads() -> list[str]:
    """Names of the live ingest threads."""
    return [t.name for t in threading.enumerate() if t.name.startswith("ingest-")]


async def test_health_events_and_masked_frames(bus: EventBus) -> None:
    """The demo camera comes online, the failing one is offline with its error, on the bus."""
    events: list[CameraStatusChanged] = []
    bus.subscribe(CameraStatusChanged, events.append)
    service = CameraService(cameras(), bus, opener=opener, monitor_interval_s=0.05)
    await service.start()
    try:

        def settled() -> bool:
            street, gate = service.camera("street"), service.camera("gate")
            return (
                street is not None
                and street.health.state is CameraState.ONLINE
                and gate is not None
                and gate.health.reason == REFUSED
            )

        assert await until(settled)
        await bus.drain()

        views = {v.config.id: v for v in service.cameras()}
        assert list(views) == ["street", "gate", "spare"]
        assert views["street"].health.state is CameraState.ONLINE
        assert views["street"].health.reason is None
        assert views["gate"].health.state is CameraState.OFFLINE
        assert views["gate"].health.reason == REFUSED
        assert views["spare"].health.state is CameraState.OFFLINE
        assert views["spare"].health.reason == "disabled in site file"
        assert service.camera("nope") is None

        by_camera: dict[str, list[CameraStatusChanged]] = {}
        for event in events:
            by_camera.setdefault(event.camera_id, []).append(event)
        assert set(by_camera) == {"street", "gate"}  # a disabled camera is never opened
        assert by_camera["street"][-1].status == "online"
        assert by_camera["street"][-1].reason is None
        assert by_camera["gate"][0].status == "offline"
        assert by_camera["gate"][0].previous is None
        assert by_camera["gate"][0].reason in (REFUSED, "connecting")
        # Only changes (of state, or of the offline reason) are published, naming the state left.
        for changes in by_camera.values():
            for before, after in itertools.pairwise(changes):
                assert after.previous == before.status
                assert (after.status, after.reason) != (before.status, before.reason)

        frame = service.latest_frame("street")
        assert frame is not None
        assert frame.image.shape == (720, 1280, 3)
        zone = frame.image[73:359, 65:575]
        assert (zone == np.array(MASK_COLOUR, np.uint8)).all()
        assert frame.image[450:].std() > 10
        assert service.latest_frame("gate") is None
        assert service.latest_frame("spare") is None
    finally:
        await service.stop()


async def test_check_health_publishes_only_changes(bus: EventBus) -> None:
    """Calling check_health by hand: first a state for each camera, then only changes."""
    events: list[CameraStatusChanged] = []
    bus.subscribe(CameraStatusChanged, events.append)
    # A monitor interval far beyond the test: the health below comes from check_health calls.
    service = CameraService(cameras()[:2], bus, opener=opener, monitor_interval_s=3600)
    await service.start()
    try:
        await asyncio.sleep(0)  # the monitor's first check
        await until(lambda: (f := service.latest_frame("street")) is not None and f.index >= 3)
        for _ in range(5):
            service.check_health()
            await asyncio.sleep(0.05)
        await bus.drain()
        street = [e for e in events if e.camera_id == "street"]
        gate = [e for e in events if e.camera_id == "gate"]
        assert [e.status for e in street][-1] == "online"
        assert len(street) <= 2  # at most offline ("connecting") then online
        assert {e.status for e in gate} == {"offline"}
        assert len(gate) <= 2  # "connecting", then the refusal itself
        assert gate[-1].reason == REFUSED
        view = service.camera("gate")
        assert view is not None and view.health.reason == REFUSED
    finally:
        await service.stop()


async def test_stop_stops_the_workers(bus: EventBus) -> None:
    """stop() ends the monitor and joins every ingest thread; no frames are served after."""
    service = CameraService(cameras(), bus, opener=opener, monitor_interval_s=0.05)
    await service.start()
    assert await until(lambda: service.latest_frame("street") is not None)
    assert "ingest-street" in ingest_threads()
    assert "ingest-gate" in ingest_threads()
    start = time.monotonic()
    await service.stop()
    assert time.monotonic() - start < 2.0
    assert not {"ingest-street", "ingest-gate"} & set(ingest_threads())
    assert service.latest_frame("street") is None
