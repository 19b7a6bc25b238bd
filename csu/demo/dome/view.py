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


# The block of flats on the demo dome's panorama, as a fraction of it (x0, y0, x1, y1): its
# windows are homes, and the demo site's privacy zone for the dome covers exactly this.
FLATS = (0.58, 0.16, 0.74, 0.70)


def street_panorama(width: int = 3000, height: int = 1250) -> Image:
    """A drawn square for the demo: sky, shops and offices, the block of flats, a pavement."""
    rng = np.random.default_rng(49)
    image = np.zeros((height, width, 3), np.uint8)
    image[: int(height * 0.3)] = (205, 170, 120)  # sky (BGR)
    image[int(height * 0.3) :] = (95, 95, 90)  # street
    ground = int(height * 0.72)
    x = 0
    while x < width:
        w = int(rng.integers(160, 300))
        top = int(rng.integers(height // 6, int(height * 0.35)))
        colour = tuple(int(c) for c in rng.integers(120, 220, 3))
        cv2.rectangle(image, (x, top), (x + w, ground), colour, -1)
        cv2.rectangle(image, (x + 15, ground - 90), (x + w - 15, ground), (60, 90, 140), -1)
        for wx in range(x + 20, x + w - 40, 55):
            for wy in range(top + 25, ground - 120, 70):
                cv2.rectangle(image, (wx, wy), (wx + 30, wy + 42), (70, 60, 40), -1)
        x += w + int(rng.integers(0, 30))
    _flats(image)
    cv2.rectangle(image, (0, ground), (width, int(height * 0.78)), (150, 150, 150), -1)
    return image


def _flats(image: Image) -> None:
    height, width = image.shape[:2]
    x0, y0, x1, y1 = (
        int(f * n) for f, n in zip(FLATS, (width, height, width, height), strict=True)
    )
    cv2.rectangle(image, (x0, y0), (x1, y1), (170, 200, 225), -1)
    for wx in range(x0 + 25, x1 - 60, 80):
        for wy in range(y0 + 30, y1 - 70, 95):
            cv2.rectangle(image, (wx, wy), (wx + 50, wy + 65), (40, 120, 200), -1)  # lit room
            cv2.rectangle(image, (wx + 5, wy + 5), (wx + 22, wy + 60), (90, 70, 160), -1)  # curtain
    cv2.putText(
        image, "RESIDENCE", (x0 + 20, y0 - 12), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (30, 30, 30), 3
    )


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
