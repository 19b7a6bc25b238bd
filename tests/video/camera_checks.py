"""Checks shared by the stream tests: waiting on the loop, bus recording, mask and pixel checks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import av
import cv2
import numpy as np

from csu.bus import EventBus
from csu.events import Event
from privacy.masking import MASK_COLOUR, ZoneMasker, zone_mask
from video.health import CameraState
from video.service import CameraService
from video.sources.base import Image

E = TypeVar("E", bound=Event)
Zones = Sequence[Sequence[tuple[float, float]]]
MASK = np.array(MASK_COLOUR, np.uint8)


async def until(condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll `condition` on the event loop until it holds or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(interval)
    return condition()


def record(bus: EventBus, event_type: type[E]) -> list[E]:
    """Every event of `event_type` published on `bus` from now on, in order."""
    seen: list[E] = []
    bus.subscribe(event_type, seen.append)
    return seen


def state(service: CameraService, camera_id: str) -> CameraState | None:
    """A camera's current state."""
    view = service.camera(camera_id)
    return None if view is None else view.health.state


def reason(service: CameraService, camera_id: str) -> str | None:
    """A camera's current offline or degraded reason."""
    view = service.camera(camera_id)
    return None if view is None else view.health.reason


def inside_and_outside(image: Image, zones: Zones) -> tuple[Image, Image]:
    """The pixels well inside the zones and those well clear of them (2 px from any edge)."""
    height, width = image.shape[:2]
    mask = zone_mask(zones, width, height)
    assert mask is not None
    kernel = np.ones((5, 5), np.uint8)
    inside = cv2.erode(mask, kernel) > 0
    outside = cv2.dilate(mask, kernel) == 0
    return image[inside], image[outside]


def assert_masked(image: Image, zones: Zones) -> Image:
    """The zones are solid mask colour and the rest is a picture; the outside pixels."""
    inside, outside = inside_and_outside(image, zones)
    assert inside.size > 0 and (inside == MASK).all(), "unmasked pixels inside a privacy zone"
    assert not (outside == MASK).all(axis=1).all()
    assert outside.std() > 10, "the picture outside the zones is flat"
    return outside


def decoded_frames(path: Path, count: int) -> list[Image]:
    """The first `count` frames of a video file, decoded by FFmpeg as BGR."""
    frames: list[Image] = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="bgr24"))
            if len(frames) == count:
                break
    return frames


def closest_difference(image: Image, candidates: Sequence[Image], zones: Zones) -> float:
    """Mean absolute pixel difference to the most alike candidate, both masked alike."""
    masker = ZoneMasker(zones)
    _, ours = inside_and_outside(image, zones)
    best = float("inf")
    for candidate in candidates:
        _, theirs = inside_and_outside(masker.apply(candidate.copy()), zones)
        best = min(best, float(np.abs(ours.astype(np.int16) - theirs.astype(np.int16)).mean()))
    return best
