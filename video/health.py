"""Camera health as pure logic: online, degraded (under half the nominal rate) or offline."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum


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
) -> Health:
    """Judge a camera from its recent frames and last source error."""
    fps = clock.fps(now)
    last = clock.last()
    if last is None or now - last > stall_s:
        if error:
            return Health(CameraState.OFFLINE, error, fps)
        if last is None and now - started_at <= stall_s:
            return Health(CameraState.OFFLINE, "connecting", fps)
        return Health(CameraState.OFFLINE, f"no frame for more than {stall_s:g} s", fps)
    # A full window must have passed before a low rate means anything.
    if now - started_at >= clock.window_s and fps < nominal_fps / 2:
        return Health(
            CameraState.DEGRADED, f"{fps:.1f} fps, under half the nominal {nominal_fps:g}", fps
        )
    return Health(CameraState.ONLINE, None, fps)
