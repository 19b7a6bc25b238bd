"""Where a PTZ camera's picture may be looking: its position read over ONVIF, and the doubt.

The ingest thread masks each frame from `PoseBoard.estimate()`. A picture lags the position the
camera reports by up to `video_delay_s`, and the camera may have moved since the last reading,
so while it moves (a reading says so, readings differ, or csu just sent it a command) the pose
covers every position read over the lag window plus the way the camera could have gone since
the last reading at its top speed. At rest it is the reading itself. With no reading for
`stale_after` seconds (the camera does not answer) there is no pose, and the whole frame is
masked. A move started by something other than csu is seen at the next reading: until then
(at most one status interval plus the picture's delay) the zones may lag behind the picture.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections import deque
from dataclasses import dataclass

from csu.backoff import Backoff
from csu.config.ptz_view import PtzViewConfig
from privacy.zones.projection import ViewPose
from video.onvif.ptz import OnvifPtz, PtzRefused, PtzUnavailable

log = logging.getLogger(__name__)
_RETRY = Backoff(initial_s=0.5, maximum_s=10.0)
_KEPT = 64  # readings kept: several seconds at the fastest status interval


@dataclass(frozen=True)
class Reading:
    """One position read: degrees of pan and elevation, ONVIF zoom (None when the camera does
    not say: any zoom), and when (monotonic)."""

    pan: float
    tilt: float
    zoom: float | None
    moving: bool
    at: float


def stale_after(view: PtzViewConfig) -> float:
    """How old the last reading may be before nothing is known (seconds)."""
    return max(1.0, 5 * view.status_interval_s)


def estimate(
    view: PtzViewConfig, readings: list[Reading], commanded_at: float | None, now: float
) -> ViewPose | None:
    """The pose a frame shown at `now` may have, from the readings in time order."""
    if not readings or now - readings[-1].at > stale_after(view):
        return None
    rest = resting(view, readings, commanded_at, now)
    if rest is not None:
        return rest
    last = readings[-1]
    window = _window(view, readings, now)
    since = now - last.at
    pans, tilts = [r.pan for r in window], [r.tilt for r in window]
    spread = max(max(pans) - min(pans), max(tilts) - min(tilts)) / 2
    zoom_low, zoom_high = _zoom_range(window, view.max_zoom_speed * since)
    margin = view.margin_degrees + spread + view.max_pan_tilt_speed * since
    return ViewPose(
        (max(pans) + min(pans)) / 2,
        (max(tilts) + min(tilts)) / 2,
        view.field_of_view(zoom_high),
        view.field_of_view(zoom_low),
        _rounded_up(margin),
    )


def resting(
    view: PtzViewConfig, readings: list[Reading], commanded_at: float | None, now: float
) -> ViewPose | None:
    """The pose of a camera known to be still (every reading over the picture's lag agrees,
    none says it moves, csu sent it no command within the lag, its zoom is known); else None."""
    if not readings or now - readings[-1].at > stale_after(view):
        return None
    last = readings[-1]
    lag = view.video_delay_s + view.status_interval_s
    hinted = commanded_at is not None and now - commanded_at < lag + view.status_interval_s
    window = _window(view, readings, now)
    still = {(r.pan, r.tilt, r.zoom) for r in window} == {(last.pan, last.tilt, last.zoom)}
    if not still or last.moving or hinted or last.zoom is None:
        return None
    fov = view.field_of_view(last.zoom)
    return ViewPose(last.pan, last.tilt, fov, fov, view.margin_degrees)


def _window(view: PtzViewConfig, readings: list[Reading], now: float) -> list[Reading]:
    # The readings a picture shown now may have been taken at (the last one at least).
    lag = view.video_delay_s + view.status_interval_s
    return [r for r in readings if r.at >= now - lag - view.status_interval_s] or [readings[-1]]


def _zoom_range(window: list[Reading], reach: float) -> tuple[float, float]:
    zooms = [r.zoom for r in window]
    if any(zoom is None for zoom in zooms):
        return 0.0, 1.0
    known = [zoom for zoom in zooms if zoom is not None]
    return max(0.0, min(known) - reach), min(1.0, max(known) + reach)


def _rounded_up(degrees: float) -> float:
    # A quarter degree steps: a few masks a second while moving, not one a frame for nothing.
    return -(-degrees // 0.25) * 0.25


class PoseBoard:
    """A camera's recent readings, written by its tracker and read by its ingest thread."""

    def __init__(self, view: PtzViewConfig) -> None:
        self.view = view
        self._readings: deque[Reading] = deque(maxlen=_KEPT)
        self._commanded_at: float | None = None
        self._lock = threading.Lock()

    def add(self, reading: Reading) -> None:
        """A new position reading."""
        with self._lock:
            self._readings.append(reading)

    def commanded(self) -> None:
        """csu just sent the camera a move: it may be moving before a reading says so."""
        with self._lock:
            self._commanded_at = time.monotonic()

    def estimate(self) -> ViewPose | None:
        """Where the frame taken now may be looking (None: unknown, mask everything)."""
        with self._lock:
            readings, commanded_at = list(self._readings), self._commanded_at
        return estimate(self.view, readings, commanded_at, time.monotonic())

    def at_rest(self) -> ViewPose | None:
        """Where the frame taken now looks if the camera is known to be still; else None."""
        with self._lock:
            readings, commanded_at = list(self._readings), self._commanded_at
        return resting(self.view, readings, commanded_at, time.monotonic())


class PoseTracker:
    """Reads one camera's PTZ position every status interval into its board."""

    def __init__(self, camera_id: str, ptz: OnvifPtz, board: PoseBoard) -> None:
        self.camera_id = camera_id
        self.board = board
        self._ptz = ptz
        self._task: asyncio.Task[None] | None = None
        self._rng = random.Random()

    def start(self) -> None:
        """Start reading, on a task of the running loop."""
        self._task = asyncio.create_task(self._run(), name=f"ptz-pose:{self.camera_id}")

    async def stop(self) -> None:
        """Stop reading and close the connection."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._ptz.close()

    async def _run(self) -> None:
        view, failures = self.board.view, 0
        while True:
            try:
                position = await self._ptz.status()
            except (PtzUnavailable, PtzRefused) as exc:
                if failures == 0:
                    log.warning("camera %s: position unknown: %s", self.camera_id, exc)
                await asyncio.sleep(_RETRY.delay(failures, self._rng))
                failures += 1
                continue
            failures = 0
            if position.pan is not None and position.tilt is not None:
                self.board.add(
                    Reading(
                        view.pan(position.pan),
                        view.tilt(position.tilt),
                        position.zoom,
                        position.moving,
                        time.monotonic(),
                    )
                )
            await asyncio.sleep(view.status_interval_s)
