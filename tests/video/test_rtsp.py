"""RTSP cameras against a real RTSP server: health, video loss, reconnection, broken servers."""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from csu.bus import EventBus
from csu.config import CameraConfig
from tests.video.camera_checks import (
    assert_masked,
    closest_difference,
    decoded_frames,
    reason,
    record,
    state,
    until,
)
from tests.video.rtsp_server import Fault, RtspServer, free_port
from video.events import CameraStatusChanged, VideoLoss, VideoRestored
from video.health import CameraState
from video.service import CameraService
from video.sources import SourceError
from video.sources.stream import StreamSource

pytestmark = pytest.mark.slow

FPS = 10
ZONE = ((0.1, 0.1), (0.5, 0.1), (0.5, 0.6), (0.1, 0.6))


@pytest.fixture
def garbage_port() -> Iterator[int]:
    """A TCP port whose server answers every client with 64 KiB of random bytes and hangs up."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve() -> None:
        rng = random.Random(7)
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # closed at the end of the test
            with contextlib.suppress(OSError), conn:
                conn.sendall(rng.randbytes(65536))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        thread.join(5.0)


async def test_rtsp_camera_online_lost_and_restored(
    rtsp_server: RtspServer, person_video: Path, event_bus: EventBus
) -> None:
    """Online with masked 768x432 frames; server killed: offline and one video.loss;
    server back on the same port: online again by itself and one video.restored."""
    statuses = record(event_bus, CameraStatusChanged)
    losses = record(event_bus, VideoLoss)
    restorations = record(event_bus, VideoRestored)
    camera = CameraConfig(
        id="door",
        name="Door",
        source=rtsp_server.url,
        fps=FPS,
        privacy_zones=(ZONE,),
        video_loss_after_s=1,
    )
    source_frames = decoded_frames(person_video, 150)  # the first 15 s the server sends
    service = CameraService([camera], event_bus, monitor_interval_s=0.1)
    await service.start()
    try:
        assert await until(lambda: state(service, "door") is CameraState.ONLINE, 15.0)
        frame = service.latest_frame("door")
        assert frame is not None and frame.image.shape == (432, 768, 3)
        assert_masked(frame.image, (ZONE,))
        # H.264 copied through RTP decodes to the very pixels of the file.
        assert closest_difference(frame.image, source_frames, (ZONE,)) < 1.0

        lost_at = datetime.now(UTC)
        rtsp_server.stop()
        assert await until(lambda: bool(losses), 10.0), "no video.loss after the server died"
        assert state(service, "door") is CameraState.OFFLINE
        assert losses[0].camera_id == "door"
        assert losses[0].offline_since.tzinfo is not None
        assert lost_at <= losses[0].offline_since <= datetime.now(UTC)
        assert losses[0].reason

        rtsp_server.start()
        assert await until(lambda: bool(restorations), 25.0), "the camera did not come back"
        assert state(service, "door") is CameraState.ONLINE
        await event_bus.drain()
        assert len(losses) == 1, "video loss is raised once per outage"
        assert [r.camera_id for r in restorations] == ["door"]
        assert restorations[0].offline_for_s >= 1.0
        assert [s.status for s in statuses if s.previous == "online"][:1] == ["offline"]
        assert statuses[-1].status == "online"
        frame = service.latest_frame("door")
        assert frame is not None
        assert_masked(frame.image, (ZONE,))
    finally:
        await service.stop()


async def test_broken_rtsp_cameras_fail_alone(
    rtsp_server: RtspServer, garbage_port: int, event_bus: EventBus
) -> None:
    """A refused port and a garbage server go offline with reasons; the good camera streams on."""
    refused_url = f"rtsp://127.0.0.1:{free_port()}/cam"
    cameras = [
        CameraConfig(id="good", name="Good", source=rtsp_server.url, fps=FPS),
        CameraConfig(id="refused", name="Refused", source=refused_url, fps=FPS),
        CameraConfig(
            id="garbage", name="Garbage", source=f"rtsp://127.0.0.1:{garbage_port}/cam", fps=FPS
        ),
    ]
    service = CameraService(cameras, event_bus, monitor_interval_s=0.1)
    started = time.monotonic()
    await service.start()
    try:
        assert await until(lambda: "Connection refused" in (reason(service, "refused") or ""), 3.0)
        assert state(service, "refused") is CameraState.OFFLINE
        assert await until(lambda: (reason(service, "garbage") or "").startswith("cannot"), 15.0)
        assert state(service, "garbage") is CameraState.OFFLINE
        assert await until(lambda: state(service, "good") is CameraState.ONLINE, 15.0)
        # The good camera keeps streaming while the others keep failing and retrying.
        before = service.latest_frame("good")
        assert before is not None
        assert await until(lambda: _newer(service, before.index + 20), 5.0)
        assert state(service, "good") is CameraState.ONLINE
        assert time.monotonic() - started < 25.0
    finally:
        await service.stop()


def _newer(service: CameraService, index: int) -> bool:
    frame = service.latest_frame("good")
    return frame is not None and frame.index >= index


def test_stalled_rtsp_server_ends_the_read_in_time(rtsp_server: RtspServer) -> None:
    """A server that keeps the connection open but sends nothing fails the read in time."""
    source = StreamSource(rtsp_server.url, FPS, loop=False, read_timeout_s=1.0)
    try:
        assert source.read().shape == (432, 768, 3)
        rtsp_server.stalled.set()
        started = time.monotonic()
        with pytest.raises(SourceError, match="no data for 1 s"):
            while time.monotonic() - started < 10.0:
                source.read()  # drains what was buffered before the stall
        assert time.monotonic() - started < 5.0
    finally:
        source.close()


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (Fault.UNKNOWN_CODEC, "unsupported video codec"),
        (Fault.CORRUPT, "no picture decoded for 2 s"),
    ],
)
def test_undecodable_rtsp_stream_is_a_readable_source_error(
    person_video: Path, ffmpeg: str, fault: Fault, message: str
) -> None:
    """An announced codec without decoder, or payloads of noise, fail with a plain reason."""
    with RtspServer(person_video, free_port(), fault, ffmpeg=ffmpeg) as server:
        # A short open timeout: FFmpeg probes such a stream until the timeout cuts it short.
        source = StreamSource(server.url, FPS, loop=False, open_timeout_s=3.0, read_timeout_s=2.0)
        started = time.monotonic()
        try:
            with pytest.raises(SourceError, match=message) as caught:
                while time.monotonic() - started < 15.0:
                    source.read()  # noise may decode to a stray picture or two first
        finally:
            source.close()
    assert server.url not in str(caught.value)
