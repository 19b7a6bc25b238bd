"""Privacy zones burned into frames: pure functions over numpy images.

The zone mask is rasterised once per camera and frame size; applying it is one cv2.copyTo
(0.06 ms per 720p frame here, against 3.2 ms for numpy boolean indexing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import cv2
import numpy as np
from numpy.typing import NDArray

from csu.config.ptz_view import PtzViewConfig
from privacy.zones.projection import ViewPose, zone_mask_at

Image = NDArray[np.uint8]
Polygon = Sequence[Sequence[float]]

MASK_COLOUR = (32, 32, 32)


def zone_mask(polygons: Sequence[Polygon], width: int, height: int) -> Image | None:
    """A single-channel mask, 255 inside any zone; None when there are no zones."""
    if not polygons:
        return None
    mask = np.zeros((height, width), np.uint8)
    scale = np.array([width, height], np.float64)
    pts = [np.round(np.asarray(p, np.float64) * scale).astype(np.int32) for p in polygons]
    # One polygon at a time: fillPoly given several contours leaves their overlap unfilled.
    for poly in pts:
        cv2.fillPoly(mask, [poly], 255)
    # Grow by one pixel so rounding at the polygon edge never leaves a sliver visible.
    return np.asarray(cv2.dilate(mask, np.ones((3, 3), np.uint8)), dtype=np.uint8)


class Masker(Protocol):
    """Burns a camera's privacy zones into its frames (on the ingest thread)."""

    def apply(self, frame: Image) -> Image:
        """Mask the zones in place and return the frame."""
        ...


class ZoneMasker:
    """Burns a camera's static privacy zones into frames, re-rasterising on a size change."""

    def __init__(self, polygons: Sequence[Polygon], colour: tuple[int, int, int] = MASK_COLOUR):
        self._polygons = [list(map(tuple, p)) for p in polygons]
        self._colour = colour
        self._mask: Image | None = None
        self._fill: Image | None = None
        self._size: tuple[int, int] | None = None

    @property
    def polygons(self) -> list[list[tuple[float, ...]]]:
        """The zones, in normalised image coordinates."""
        return self._polygons

    def apply(self, frame: Image) -> Image:
        """Mask the zones in place and return the frame."""
        height, width = frame.shape[:2]
        if self._size != (width, height):
            self._mask = zone_mask(self._polygons, width, height)
            self._fill = np.full_like(frame, self._colour)
            self._size = (width, height)
        if self._mask is not None and self._fill is not None:
            cv2.copyTo(self._fill, self._mask, frame)
        return frame


class FollowingZoneMasker:
    """Burns a PTZ camera's zones (drawn on its pan/tilt map) where they are in each frame.

    `pose` says where the picture may be looking now, or None when nobody knows (no position
    read yet, or none for too long): then the whole frame is masked, as the anonymiser fails
    closed. The mask is made again only when the pose or the frame size changes.
    """

    def __init__(
        self,
        polygons: Sequence[Polygon],
        view: PtzViewConfig,
        pose: Callable[[], ViewPose | None],
        colour: tuple[int, int, int] = MASK_COLOUR,
    ) -> None:
        self._polygons = [list(map(tuple, p)) for p in polygons]
        self._view = view
        self._pose = pose
        self._colour = colour
        self._key: tuple[ViewPose, int, int] | None = None
        self._mask: Image | None = None
        self._fill: Image | None = None

    def apply(self, frame: Image) -> Image:
        """Mask the zones as seen from the current pose in place (all of it if unknown)."""
        if not self._polygons:
            return frame
        height, width = frame.shape[:2]
        if self._fill is None or self._fill.shape != frame.shape:
            self._fill = np.full_like(frame, self._colour)
        pose = self._pose()
        if pose is None:
            frame[:] = self._colour
            return frame
        if self._key != (pose, width, height):
            self._mask = zone_mask_at(self._polygons, self._view, pose, width, height)
            self._key = (pose, width, height)
        if self._mask is not None:
            cv2.copyTo(self._fill, self._mask, frame)
        return frame
