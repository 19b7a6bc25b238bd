"""Frames csu owns for calibrating a quantised detector: never a site's video, never test data.

Static int8 quantisation needs the range of every activation on typical input. The two street
photos in the ultralytics wheel (people and a bus, near and far) give people at many scales once
cropped, flipped and tiled small, and the demo scenes give flat city backgrounds; measured on the
shared test videos, this set calibrates as well as frames of those videos themselves.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np

from video.scenes import make_scene
from video.sources.base import Image

PHOTOS = ("assets/bus.jpg", "assets/zidane.jpg")
# Crops at these shares of the photo's side, at its corners and centre: nearer people.
_ZOOMS = (0.5, 0.7)
# Each photo also tiled 3x3 at a third of its size: far people, as on a plaza camera.
_TILES = 3
_SCENES = ("street", "plaza", "parking")
_SCENE_TIMES = (0.0, 7.0, 19.0)


class CalibrationError(RuntimeError):
    """The calibration photos cannot be read; the message says which."""


def _photo(relative: str) -> Image:
    # find_spec locates ultralytics without importing it (importing it writes settings).
    spec = importlib.util.find_spec("ultralytics")
    if spec is None or not spec.submodule_search_locations:
        raise CalibrationError("the ultralytics wheel with the calibration photos is missing")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    image = cv2.imread(str(path))
    if image is None:
        raise CalibrationError(f"calibration photo not readable: {path}")
    return np.asarray(image, np.uint8)


def _views(photo: Image) -> list[Image]:
    height, width = photo.shape[:2]
    views: list[Image] = [photo, np.asarray(cv2.flip(photo, 1), np.uint8)]
    for zoom in _ZOOMS:
        crop_w, crop_h = int(width * zoom), int(height * zoom)
        centre = ((width - crop_w) // 2, (height - crop_h) // 2)
        for x, y in ((0, 0), (width - crop_w, height - crop_h), centre):
            views.append(photo[y : y + crop_h, x : x + crop_w])
    small = cv2.resize(photo, (width // _TILES, height // _TILES), interpolation=cv2.INTER_AREA)
    views.append(np.asarray(np.vstack([np.hstack([small] * _TILES)] * _TILES), np.uint8))
    return views


def calibration_images() -> list[Image]:
    """The calibration set: views of the packaged photos, then frames of the demo scenes."""
    images = [view for relative in PHOTOS for view in _views(_photo(relative))]
    for name in _SCENES:
        scene = make_scene(name, 1280, 720)
        images += [scene.render(t) for t in _SCENE_TIMES]
    return images
