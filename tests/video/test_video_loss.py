"""Video loss and its end on the bus, offline reasons as news, and broken cameras failing alone."""

from __future__ import annotations

import itertools
import threading
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from csu.bus import EventBus
from csu.config import CameraConfig
from tests.video.camera_checks import reason, record, state, until
from tests.video.rtsp_server import free_port
from video.events import CameraStatusChanged, VideoLoss, VideoRestored
from video.health import (
    CONNECTING,
    CameraState,
    FrameClock,
    Health,
    LossWatch,
    VideoBack,
    VideoLost,
    assess,
)
from video.service import CameraService
from video.sources import FrameSource, SourceError, open_source
from video.sources.base import Image

T0 = 1000.0  # an arbitrary monotonic time
UTC0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ONLINE = Health(CameraState.ONLINE, None, 25.0)
REFUSED = "cannot open stream: Connection refused"


def offline(why: str = REFUSED) -> Health:
    """An offline health with reason `why`."""
    return Health(CameraState.OFFLINE, why, 0.0)


# --- the pure rules --------------------------------------------------------------------------


def test_loss_is_raised_once_after_the_delay_then_restored() -> None:
    """Offline from T0: nothing before 30 s, one loss at 30 s naming T0, one restore after."""
    watch = LossWatch(after_s=30.0)
    assert watch.update(offline(), T0, UTC0) is None
    assert watch.update(offline(), T0 + 29.9, UTC0 + timedelta(seconds=29.9)) is None
    lost = watch.update(offline("end of stream"), T0 + 30.0, UTC0 + timedelta(seconds=30))
    assert lost == VideoLost(offline_since=UTC0, reason="end of stream")
    for later in (31.0, 100.0, 1000.0):
        assert watch.update(offline(), T0 + later, UTC0) is None
    assert watch.update(ONLINE, T0 + 1200.0, UTC0) == VideoBack(
        offline_for_s=1200.0, offline_since=UTC0
    )
    assert watch.update(ONLINE, T0 + 1201.0, UTC0) is None


def test_a_short_outage_is_no_loss_and_no_restore() -> None:
    """Back before the delay: neither event; the next outage counts from its own start."""
    watch = LossWatch(after_s=5.0)
    assert watch.update(offline(), T0, UTC0) is None
    assert watch.update(offline(), T0 + 4.0, UTC0) is None
    assert watch.update(ONLINE, T0 + 4.5, UTC0) is None
    assert watch.update(offline(), T0 + 10.0, UTC0 + timedelta(seconds=10)) is None
    assert watch.update(offline(), T0 + 14.9, UTC0) is None
    lost = watch.update(offline(), T0 + 15.0, UTC0)
    assert lost == VideoLost(offline_since=UTC0 + timedelta(seconds=10), reason=REFUSED)


def test_degraded_ends_a_loss() -> None:
    """Frames at a low rate are video again: the loss is restored."""
    watch = LossWatch(after_s=1.0)
    watch.update(offline(), T0, UTC0)
    assert isinstance(watch.update(offline(), T0 + 2.0, UTC0), VideoLost)
    degraded = Health(CameraState.DEGRADED, "3.0 fps, under half the nominal 25", 3.0)
    assert watch.update(degraded, T0 + 3.0, UTC0) == VideoBack(
        offline_for_s=3.0, offline_since=UTC0
    )


def test_the_first_connection_attempt_is_not_an_outage() -> None:
    """A camera still "connecting" after start raises no loss, however short the delay."""
    watch = LossWatch(after_s=1.0)
    connecting = offline(CONNECTING)
    assert connecting.connecting
    for t in (0.0, 2.0, 4.0):
        assert watch.update(connecting, T0 + t, UTC0) is None
    assert watch.update(offline(), T0 + 5.0, UTC0) is None  # the outage starts here
    assert isinstance(watch.update(offline(), T0 + 6.0, UTC0), VideoLost)


def test_what_counts_as_news() -> None:
    """A new state, or a new offline reason; a degraded rate that moves is not news."""
    assert offline().differs_from(None)
    assert offline().differs_from(ONLINE)
    assert offline(REFUSED).differs_from(offline(CONNECTING))
    assert not offline(REFUSED).differs_from(offline(REFUSED))
    slow = Health(CameraState.DEGRADED, "3.0 fps, under half the nominal 25", 3.0)
    slower = Health(CameraState.DEGRADED, "2.5 fps, under half the nominal 25", 2.5)
    assert not slower.differs_from(slow)
    assert not ONLINE.differs_from(Health(CameraState.ONLINE, None, 24.0))


def test_a_source_error_is_offline_at_once() -> None:
    """Frames until a moment ago, then the source failed: offline now, with its reason."""
    clock = FrameClock()
    for i in range(50):
        clock.tick(T0 + i * 0.04)
    health = assess(
        clock=clock, now=T0 + 2.0, nominal_fps=25.0, started_at=T0 - 60.0, error="end of stream"
    )
    assert health == Health(CameraState.OFFLINE, "end of stream", health.fps)


def test_a_fresh_reconnection_is_not_degraded() -> None:
    """Just back from offline, the window still holds the outage: not a slow camera yet."""
    clock = FrameClock()
    for i in range(10):
        clock.tick(T0 + 60.0 + i * 0.04)
    offline_seen_at = T0 + 59.9  # the last check that found the camera offline

    def judge(now: float) -> CameraState:
        health = assess(
            clock=clock,
            now=now,
            nominal_fps=25.0,
            started_at=T0,
            error=None,
            offline_seen_at=offline_seen_at,
        )
        return health.state

    assert judge(T0 + 60.4) is CameraState.ONLINE
    # Two seconds on at a fifth of the rate it is degraded after all.
    for i in range(10):
        clock.tick(T0 + 60.4 + i * 0.2)
    assert judge(T0 + 62.2) is CameraState.DEGRADED


# --- the setting -----------------------------------------------------------------------------


def test_video_loss_delay_defaults_to_30_s_within_1_to_3600() -> None:
    """The site-file field: 30 s unless set, whole or fractional seconds from 1 to 3600."""
    base = {"id": "cam", "name": "Cam", "source": "demo://street"}
    assert CameraConfig.model_validate(base).video_loss_after_s == 30.0
    assert CameraConfig.model_validate({**base, "video_loss_after_s": 1}).video_loss_after_s == 1
    assert CameraConfig.model_validate({**base, "video_loss_after_s": 3600}).video_loss_after_s
    for bad in (0, 0.5, 3601, True, "10"):
        with pytest.raises(ValidationError, match="video_loss_after_s"):
            CameraConfig.model_validate({**base, "video_loss_after_s": bad})
    assert CameraConfig.model_fields["video_loss_after_s"].description


# --- through the camera service ----------------------------------------------------------------


class Switch:
    """A camera's network: demo frames while up; while down, the stream drops and is refused."""

    def __init__(self) -> None:
        self.down = threading.Event()

    def __call__(self, url: str, fps: float) -> FrameSource:
        if self.down.is_set():
            raise SourceError(REFUSED)
        return SwitchedSource(open_source(url, fps), self.down)


class SwitchedSource:
    """A demo source that drops its connection when the switch goes down."""

    def __init__(self, inner: FrameSource, down: threading.Event) -> None:
        self.nominal_fps = inner.nominal_fps
        self._inner, self._down = inner, down

    def read(self) -> Image:
        """The next demo frame, unless the network went down."""
        if self._down.is_set():
            raise SourceError("end of stream")
        return self._inner.read()

    def close(self) -> None:
        """Close the demo source."""
        self._inner.close()


async def test_loss_and_restore_are_published_once(event_bus: EventBus) -> None:
    """Down for 2 s past a 1 s delay: one video.loss, the reason change, one video.restored."""
    statuses = record(event_bus, CameraStatusChanged)
    losses = record(event_bus, VideoLoss)
    restorations = record(event_bus, VideoRestored)
    switch = Switch()
    camera = CameraConfig(id="quay", name="Quay", source="demo://street", video_loss_after_s=1)
    service = CameraService([camera], event_bus, opener=switch, monitor_interval_s=0.05)
    await service.start()
    try:
        assert await until(lambda: state(service, "quay") is CameraState.ONLINE, 5.0)
        went_down = datetime.now(UTC)
        switch.down.set()
        assert await until(lambda: bool(losses), 5.0)
        assert await until(lambda: reason(service, "quay") == REFUSED, 5.0)
        await until(lambda: False, 0.5)  # more checks while still down: no second loss
        switch.down.clear()
        assert await until(lambda: bool(restorations), 10.0)  # reconnect backoff included
        await event_bus.drain()
    finally:
        await service.stop()
    assert len(losses) == 1 and losses[0].camera_id == "quay"
    assert went_down <= losses[0].offline_since <= went_down + timedelta(seconds=1)
    assert losses[0].reason in ("end of stream", REFUSED)
    assert len(restorations) == 1 and restorations[0].offline_for_s >= 1.0
    # The reason change while offline was news of its own, with status == previous.
    assert any(
        (s.status, s.previous, s.reason) == ("offline", "offline", REFUSED) for s in statuses
    )
    for before, after in itertools.pairwise(statuses):
        assert after.previous == before.status
        assert (after.status, after.reason) != (before.status, before.reason)
    assert [s.status for s in statuses][-2:] == ["offline", "online"]


async def test_a_short_outage_raises_nothing(event_bus: EventBus) -> None:
    """Down for less than the camera's delay (30 s by default): no loss, no restore."""
    losses = record(event_bus, VideoLoss)
    restorations = record(event_bus, VideoRestored)
    switch = Switch()
    camera = CameraConfig(id="quay", name="Quay", source="demo://street")
    service = CameraService([camera], event_bus, opener=switch, monitor_interval_s=0.05)
    await service.start()
    try:
        assert await until(lambda: state(service, "quay") is CameraState.ONLINE, 5.0)
        switch.down.set()
        assert await until(lambda: state(service, "quay") is CameraState.OFFLINE, 5.0)
        switch.down.clear()
        assert await until(lambda: state(service, "quay") is CameraState.ONLINE, 10.0)
        await event_bus.drain()
    finally:
        await service.stop()
    assert losses == [] and restorations == []


def audio_only_file(path: Path) -> Path:
    """A valid WAV file: a stream FFmpeg reads fine, but no video in it."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 8000)
    return path


@pytest.fixture
def broken_sources(tmp_path: Path) -> dict[str, tuple[str, str]]:
    """Broken camera URLs and what their offline reason must say."""
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(bytes(range(256)) * 64)
    return {
        "refused": (f"rtsp://127.0.0.1:{free_port()}/cam", "Connection refused"),
        "no-video": (audio_only_file(tmp_path / "audio.wav").as_uri(), "no video stream"),
        "corrupt": (corrupt.as_uri(), "cannot open stream: Invalid data"),
    }


async def test_broken_cameras_go_offline_alone(
    event_bus: EventBus, broken_sources: dict[str, tuple[str, str]]
) -> None:
    """Each broken camera is offline with its own reason; the demo camera streams on."""
    cameras = [CameraConfig(id="demo", name="Demo", source="demo://plaza")]
    cameras += [
        CameraConfig(id=name, name=name, source=url) for name, (url, _) in broken_sources.items()
    ]
    service = CameraService(cameras, event_bus, monitor_interval_s=0.05)
    await service.start()
    try:
        for name, (_, expected) in broken_sources.items():
            assert await until(lambda n=name, e=expected: e in (reason(service, n) or ""), 5.0), (
                f"{name}: {reason(service, name)!r}"
            )
            assert state(service, name) is CameraState.OFFLINE
        assert await until(lambda: state(service, "demo") is CameraState.ONLINE, 5.0)
        first = service.latest_frame("demo")
        assert first is not None
        assert await until(lambda: _index(service) >= first.index + 25, 3.0)
        assert state(service, "demo") is CameraState.ONLINE
        assert all(service.latest_frame(name) is None for name in broken_sources)
    finally:
        await service.stop()


def _index(service: CameraService) -> int:
    frame = service.latest_frame("demo")
    return -1 if frame is None else frame.index
