"""Camera health as pure logic: online, degraded (under half the nominal rate) or offline."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

# The reason of a camera that was just started and has had no time to deliver a frame yet.
CONNECTING = "connecting"


class CameraState(StrEnum):
    """What an operator needs to know about a camera at a glance."""

    ONLINE = "online"
    DEGRADED = "degraded"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Health:
    """A camera's state, why, and the frame rate measured over the last window."""

    state: CameraState
    reason: str | None
    fps: float

    @property
    def connecting(self) -> bool:
        """Whether the camera is still in its first connection attempt, not yet failed."""
        return self.state is CameraState.OFFLINE and self.reason == CONNECTING

    def differs_from(self, previous: Health | None) -> bool:
        """Whether this is news: a new state, or a new reason for being offline."""
        # Degraded reasons carry the measured rate, which moves at every check: not news.
        if previous is None or previous.state is not self.state:
            return True
        return self.state is CameraState.OFFLINE and previous.reason != self.reason


@dataclass
class FrameClock:
    """Arrival times of recent frames; the ingest thread writes, the monitor reads."""

    window_s: float = 2.0
    times: deque[float] = field(default_factory=lambda: deque(maxlen=512))

    def tick(self, now: float) -> None:
        """Record one frame arriving at monotonic time `now`."""
        self.times.append(now)

    def fps(self, now: float) -> float:
        """Frames per second over the window ending at `now`."""
        recent = [t for t in list(self.times) if now - t <= self.window_s]
        return len(recent) / self.window_s

    def last(self) -> float | None:
        """When the last frame arrived, if ever."""
        return self.times[-1] if self.times else None


def assess(
    *,
    clock: FrameClock,
    now: float,
    nominal_fps: float,
    started_at: float,
    error: str | None,
    stall_s: float = 5.0,
    offline_seen_at: float | None = None,
) -> Health:
    """Judge a camera from its recent frames and its source error since the last frame.

    `error` is the ingest worker's failure since its last frame (a frame clears it): the stream
    is down and the worker reconnecting, so the camera is offline at once, not after `stall_s`.
    `offline_seen_at` is when the camera was last judged offline, if ever.
    """
    fps = clock.fps(now)
    last = clock.last()
    if error:
        return Health(CameraState.OFFLINE, error, fps)
    if last is None or now - last > stall_s:
        if last is None and now - started_at <= stall_s:
            return Health(CameraState.OFFLINE, CONNECTING, fps)
        return Health(CameraState.OFFLINE, f"no frame for more than {stall_s:g} s", fps)
    # A low rate means something only once frames have flowed for a full window: right after
    # a (re)connection the window still holds the time spent offline.
    since = started_at if offline_seen_at is None else max(started_at, offline_seen_at)
    if now - since >= clock.window_s and fps < nominal_fps / 2:
        return Health(
            CameraState.DEGRADED, f"{fps:.1f} fps, under half the nominal {nominal_fps:g}", fps
        )
    return Health(CameraState.ONLINE, None, fps)


@dataclass(frozen=True)
class VideoLost:
    """The camera has now been offline longer than its video-loss delay."""

    offline_since: datetime
    reason: str | None


@dataclass(frozen=True)
class VideoBack:
    """A camera whose loss was raised delivers frames again."""

    offline_for_s: float
    offline_since: datetime


@dataclass
class LossWatch:
    """Raises video loss once per outage, after `after_s` offline, and its end after that.

    The outage starts at the first check that finds the camera offline for a real reason; the
    first connection attempt after start ("connecting") is not an outage yet.
    """

    after_s: float
    offline_since: float | None = None
    offline_since_utc: datetime | None = None
    raised: bool = False

    def update(self, health: Health, now: float, now_utc: datetime) -> VideoLost | VideoBack | None:
        """Feed one health check at monotonic `now` (wall clock `now_utc`); the news, if any."""
        if health.state is not CameraState.OFFLINE:
            return self._back(now)
        if health.connecting:
            return None
        if self.offline_since is None or self.offline_since_utc is None:
            self.offline_since, self.offline_since_utc = now, now_utc
        if not self.raised and now - self.offline_since >= self.after_s:
            self.raised = True
            return VideoLost(self.offline_since_utc, health.reason)
        return None

    def _back(self, now: float) -> VideoBack | None:
        since, since_utc, raised = self.offline_since, self.offline_since_utc, self.raised
        self.offline_since, self.offline_since_utc, self.raised = None, None, False
        if raised and since is not None and since_utc is not None:
            return VideoBack(now - since, since_utc)
        return None
