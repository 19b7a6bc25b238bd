"""A demo scene played in real time."""

from __future__ import annotations

import threading
import time

from video.scenes import make_scene
from video.sources.base import Image


class DemoSource:
    """Renders a built-in scene at its nominal rate, as a camera would deliver it."""

    def __init__(self, scene: str, fps: float, width: int = 1280, height: int = 720) -> None:
        self.nominal_fps = fps
        self._scene = make_scene(scene, width, height)
        self._start = time.monotonic()
        self._index = 0
        self._closed = threading.Event()

    def read(self) -> Image:
        """The next frame, once its time has come."""
        due = self._start + self._index / self.nominal_fps
        delay = due - time.monotonic()
        if delay > 0:
            self._closed.wait(delay)
        self._index += 1
        return self._scene.render(due - self._start)

    def close(self) -> None:
        """Stop waiting."""
        self._closed.set()
