"""Built-in demo scenes: procedurally drawn city views and a slow pan over a real photo.

Each scene is a pure function of time, so a demo camera is reproducible and costs about a
millisecond a frame: the static background is drawn once, only moving things are drawn per frame.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

Image = NDArray[np.uint8]
SceneFactory = Callable[[int, int], "Scene"]


@dataclass(frozen=True)
class Scene:
    """A renderer: background drawn once, `render(t)` draws the moving parts at t seconds."""

    name: str
    background: Image
    draw: Callable[[Image, float], None]

    def render(self, t: float) -> Image:
        """The frame at t seconds since the scene started."""
        frame = self.background.copy()
        self.draw(frame, t)
        return frame


def _facade(img: Image, x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int]) -> None:
    cv2.rectangle(img, (x0, y0), (x1, y1), colour, -1)
    w, h = x1 - x0, y1 - y0
    for row in range(3):
        for col in range(4):
            wx = x0 + int(w * (0.08 + col * 0.23))
            wy = y0 + int(h * (0.08 + row * 0.3))
            cv2.rectangle(
                img, (wx, wy), (wx + int(w * 0.14), wy + int(h * 0.2)), (200, 170, 90), -1
            )
            cv2.rectangle(img, (wx, wy), (wx + int(w * 0.14), wy + int(h * 0.2)), (60, 50, 40), 2)


def _person(img: Image, x: float, y: float, scale: float, colour: tuple[int, int, int]) -> None:
    cx, cy, s = int(x), int(y), max(scale, 1.0)
    cv2.circle(img, (cx, int(cy - 9 * s)), int(2.2 * s), (150, 180, 220), -1)
    cv2.rectangle(img, (int(cx - 2.5 * s), int(cy - 7 * s)), (int(cx + 2.5 * s), cy), colour, -1)
    cv2.line(img, (cx, cy), (int(cx - 2 * s), int(cy + 6 * s)), (40, 40, 40), max(1, int(s)))
    cv2.line(img, (cx, cy), (int(cx + 2 * s), int(cy + 6 * s)), (40, 40, 40), max(1, int(s)))


def _car(img: Image, x: float, y: float, w: int, h: int, colour: tuple[int, int, int]) -> None:
    x0, y0 = int(x), int(y)
    cv2.rectangle(img, (x0, y0), (x0 + w, y0 + h), colour, -1)
    cv2.rectangle(img, (x0 + w // 5, y0 - h // 2), (x0 + 4 * w // 5, y0), colour, -1)
    for wx in (x0 + w // 5, x0 + 4 * w // 5):
        cv2.circle(img, (wx, y0 + h), max(2, h // 3), (20, 20, 20), -1)


def street(width: int, height: int) -> Scene:
    """A street: house facades with windows (privacy zones), a pavement, passing cars and people."""
    bg = np.full((height, width, 3), (170, 160, 150), np.uint8)
    road_top = int(height * 0.62)
    cv2.rectangle(bg, (0, 0), (width, int(height * 0.2)), (235, 200, 160), -1)
    _facade(
        bg,
        int(width * 0.05),
        int(height * 0.1),
        int(width * 0.45),
        int(height * 0.5),
        (90, 110, 160),
    )
    _facade(
        bg,
        int(width * 0.55),
        int(height * 0.1),
        int(width * 0.95),
        int(height * 0.5),
        (80, 140, 120),
    )
    cv2.rectangle(bg, (0, road_top), (width, height), (70, 70, 70), -1)
    for x in range(0, width, width // 8):
        cv2.rectangle(
            bg, (x, int(height * 0.8)), (x + width // 16, int(height * 0.81)), (240, 240, 240), -1
        )

    def draw(img: Image, t: float) -> None:
        for i, (speed, lane, colour) in enumerate(
            [
                (0.12, 0.70, (40, 40, 200)),
                (-0.09, 0.86, (200, 120, 30)),
                (0.15, 0.70, (30, 160, 200)),
            ]
        ):
            x = ((speed * t + i * 0.37) % 1.3 - 0.15) * width
            if speed < 0:
                x = width - x
            _car(img, x, lane * height, width // 9, height // 18, colour)
        for i in range(4):
            x = ((0.03 + 0.01 * i) * t + i * 0.27) % 1.1 * width
            _person(img, x, height * (0.58 + 0.01 * i), height / 180, (60 + 40 * i, 90, 140))

    return Scene("street", bg, draw)


def plaza(width: int, height: int) -> Scene:
    """A paved square seen from above an entrance: people crossing in several directions."""
    bg = np.full((height, width, 3), (185, 185, 180), np.uint8)
    for y in range(0, height, height // 12):
        cv2.line(bg, (0, y), (width, y), (160, 160, 155), 1)
    for x in range(0, width, width // 16):
        cv2.line(bg, (x, 0), (x, height), (160, 160, 155), 1)
    cv2.circle(bg, (width // 2, height // 2), height // 6, (120, 140, 110), -1)
    _facade(bg, int(width * 0.7), 0, width, int(height * 0.3), (100, 100, 150))

    def draw(img: Image, t: float) -> None:
        for i in range(9):
            angle = i * 0.7
            r = 0.35 + 0.1 * math.sin(i)
            phase = (t * (0.02 + 0.004 * i) + i / 9) % 1.0
            x = width * (0.5 + r * math.cos(angle) * (2 * phase - 1))
            y = height * (0.5 + r * math.sin(angle) * (2 * phase - 1))
            _person(img, x, y, height / 140, (50 + 20 * i, 100, 180 - 10 * i))

    return Scene("plaza", bg, draw)


def parking(width: int, height: int) -> Scene:
    """A car park lane: bays, cars arriving and leaving."""
    bg = np.full((height, width, 3), (90, 90, 90), np.uint8)
    for x in range(0, width, width // 10):
        cv2.line(bg, (x, int(height * 0.05)), (x, int(height * 0.35)), (230, 230, 230), 3)
        cv2.line(bg, (x, int(height * 0.65)), (x, int(height * 0.95)), (230, 230, 230), 3)

    def draw(img: Image, t: float) -> None:
        for bay in range(10):
            occupied = math.sin(t * 0.05 + bay * 1.3) > -0.2
            if occupied:
                _car(
                    img,
                    bay * width / 10 + width / 60,
                    height * 0.2,
                    width // 14,
                    height // 10,
                    (60 + bay * 18, 80, 160),
                )
        x = ((0.08 * t) % 1.4 - 0.2) * width
        _car(img, x, height * 0.48, width // 8, height // 12, (30, 30, 220))

    return Scene("parking", bg, draw)


def photo_pan(width: int, height: int, photo: Path | None = None) -> Scene:
    """A slow virtual pan over a real photograph with faces (shipped in the ultralytics wheel)."""
    path = photo or _packaged_photo("ultralytics", "assets/zidane.jpg")
    source = cv2.imread(str(path))
    if source is None:
        raise FileNotFoundError(f"demo photo not readable: {path}")
    scale = max(width / source.shape[1], height / source.shape[0]) * 1.25
    big = cv2.resize(source, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    span_x, span_y = big.shape[1] - width, big.shape[0] - height
    bg = np.zeros((height, width, 3), np.uint8)

    def draw(img: Image, t: float) -> None:
        # A triangle wave keeps the pan going back and forth without a jump.
        u = abs((t / 40.0) % 2.0 - 1.0)
        x, y = int(span_x * u), int(span_y * (0.5 + 0.5 * math.sin(t / 17.0)))
        img[:] = big[y : y + height, x : x + width]

    return Scene("faces", bg, draw)


def _packaged_photo(package: str, relative: str) -> Path:
    # find_spec locates the package without importing it (importing ultralytics writes settings).
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package '{package}' with the demo photo is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / relative


SCENES: dict[str, SceneFactory] = {
    "street": street,
    "plaza": plaza,
    "parking": parking,
    "faces": photo_pan,
}


def make_scene(name: str, width: int = 1280, height: int = 720) -> Scene:
    """The named demo scene at the given size."""
    try:
        factory = SCENES[name]
    except KeyError:
        raise ValueError(
            f"unknown demo scene '{name}' (known: {', '.join(sorted(SCENES))})"
        ) from None
    return factory(width, height)
