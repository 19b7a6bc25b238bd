"""What the simulated dome sees: a panorama of its surroundings, looked at through its lens.

The panorama covers the dome's whole pan and tilt range, equirectangular (x: pan from the pan
at ONVIF -1 to +1, y: elevation from the top of the range down), as its privacy zones are drawn.
Each frame is the pinhole picture of that sphere at the head's pan, tilt and field of view,
made by casting each pixel's ray back onto the panorama (cv2.remap), so it is computed apart
from csu's projection of zones (privacy.zones.projection), which goes the other way.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable

import cv2
import numpy as np
from aiohttp import web
from numpy.typing import NDArray

from csu.config.ptz_view import PtzViewConfig

Image = NDArray[np.uint8]
BOUNDARY = "csudome"
Vector = tuple[float, float, float]


def render(
    panorama: Image, view: PtzViewConfig, position: Vector, width: int, height: int
) -> Image:
    """The picture at an ONVIF generic position (pan, tilt, zoom) through the dome's lens."""
    pan, tilt = math.radians(view.pan(position[0])), math.radians(view.tilt(position[1]))
    focal = (width / 2) / math.tan(math.radians(view.field_of_view(position[2])) / 2)
    xs = (np.arange(width, dtype=np.float32) + 0.5 - width / 2) / focal
    ys = -(np.arange(height, dtype=np.float32) + 0.5 - height / 2) / focal
    x, y = np.meshgrid(xs, ys)
    # The ray in the camera is (x, y, 1); turn it by the tilt (about x) then the pan (about y).
    cos_t, sin_t = math.cos(tilt), math.sin(tilt)
    up, ahead = y * cos_t + sin_t, -y * sin_t + cos_t
    cos_p, sin_p = math.cos(pan), math.sin(pan)
    world_x, world_z = x * cos_p + ahead * sin_p, -x * sin_p + ahead * cos_p
    azimuth = np.degrees(np.arctan2(world_x, world_z))
    elevation = np.degrees(np.arctan2(up, np.hypot(world_x, world_z)))
    (pan_low, pan_high), (tilt_low, tilt_high) = view.pan_degrees, view.tilt_degrees
    rows, cols = panorama.shape[:2]
    map_x = ((azimuth - pan_low) / (pan_high - pan_low) * cols - 0.5).astype(np.float32)
    map_y = ((tilt_high - elevation) / (tilt_high - tilt_low) * rows - 0.5).astype(np.float32)
    out = cv2.remap(panorama, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(out, np.uint8)


def street_panorama(width: int = 3600, height: int = 900) -> Image:
    """A drawn street for the demo: sky, a row of façades with windows, a pavement."""
    rng = np.random.default_rng(49)
    image = np.zeros((height, width, 3), np.uint8)
    image[: height // 3] = (205, 170, 120)  # sky (BGR)
    image[height // 3 :] = (95, 95, 90)  # street
    x = 0
    while x < width:
        w = int(rng.integers(180, 320))
        top = int(rng.integers(height // 8, height // 3))
        colour = tuple(int(c) for c in rng.integers(120, 220, 3))
        cv2.rectangle(image, (x, top), (x + w, int(height * 0.72)), colour, -1)
        for wx in range(x + 20, x + w - 40, 55):
            for wy in range(top + 25, int(height * 0.66), 70):
                cv2.rectangle(image, (wx, wy), (wx + 30, wy + 42), (70, 60, 40), -1)
        x += w + int(rng.integers(0, 30))
    cv2.rectangle(image, (0, int(height * 0.72)), (width, int(height * 0.78)), (150, 150, 150), -1)
    return image


class DomeVideo:
    """The dome's picture as an MJPEG stream (multipart/x-mixed-replace), `delay_s` behind the
    head, as a real camera's encoded picture lags its reported position."""

    def __init__(
        self,
        panorama: Image,
        view: PtzViewConfig,
        position: Callable[[], Vector],
        *,
        size: tuple[int, int] = (640, 360),
        fps: float = 10.0,
        delay_s: float = 0.2,
    ) -> None:
        self.panorama, self.view, self.size = panorama, view, size
        self.fps, self.delay_s = fps, delay_s
        self._position = position

    def frame(self, position: Vector) -> Image:
        """The picture at a head position."""
        return render(self.panorama, self.view, position, *self.size)

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """Frames at the dome's rate until the client leaves."""
        response = web.StreamResponse(
            headers={"Content-Type": f"multipart/x-mixed-replace; boundary={BOUNDARY}"}
        )
        await response.prepare(request)
        lag: deque[tuple[float, bytes]] = deque()
        period = 1 / self.fps
        while True:
            started = time.monotonic()
            # The head is read here, on the device's loop, which is the only one that moves it.
            lag.append((started, await asyncio.to_thread(self._jpeg, self._position())))
            while len(lag) > 1 and lag[1][0] <= started - self.delay_s:
                lag.popleft()
            jpeg = lag[0][1]
            head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n"
            try:
                await response.write(head.encode() + b"\r\n" + jpeg + b"\r\n")
            except (ConnectionError, RuntimeError):
                return response
            await asyncio.sleep(max(0.0, period - (time.monotonic() - started)))

    def _jpeg(self, position: Vector) -> bytes:
        return bytes(cv2.imencode(".jpg", self.frame(position), [cv2.IMWRITE_JPEG_QUALITY, 90])[1])
