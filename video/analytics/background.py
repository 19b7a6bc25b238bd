"""Weights-free detection from background modelling: what moves, and what newly stands still.

Both work on a small grey copy of the frame (a quarter of the pixels costs a fifth of the time,
measurements.md). "Moving" is all they claim: a moving blob may be a car, a bicycle or a group of
people; a still blob is something that was not there before and has stopped (a bag, a parked car).
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from video.analytics.geometry import Box
from video.analytics.tracks import MOVING, Detection
from video.sources.base import Image

WORK_WIDTH = 320
# Above this share of foreground pixels a frame is taken as a change of light, not of objects.
SCENE_CHANGE = 0.35
_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))


def _small_grey(image: Image) -> NDArray[np.uint8]:
    scale = WORK_WIDTH / image.shape[1]
    small = cv2.resize(image, (WORK_WIDTH, max(1, round(image.shape[0] * scale))))
    return np.asarray(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), np.uint8)


def blobs(mask: NDArray[np.uint8], min_area: float) -> list[Box]:
    """Boxes of the connected regions covering at least `min_area` of the mask."""
    height, width = mask.shape
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    boxes = []
    for x, y, w, h, area in stats[1:count]:
        if area >= min_area * width * height:
            boxes.append(Box(x / width, y / height, (x + w) / width, (y + h) / height))
    return boxes


class MovingObjects:
    """Foreground blobs from a MOG2 background model: things in motion, whatever they are."""

    def __init__(self, fps: float, *, history_s: float = 10.0, min_area: float = 0.004) -> None:
        self._model = cv2.createBackgroundSubtractorMOG2(
            history=max(10, round(history_s * fps)), varThreshold=25, detectShadows=False
        )
        self._min_area = min_area

    def detect(self, image: Image) -> list[Detection]:
        """The moving blobs of this frame, labelled "moving"."""
        grey = _small_grey(image)
        mask = np.asarray(self._model.apply(grey), np.uint8)
        if cv2.countNonZero(mask) > SCENE_CHANGE * mask.size:
            # Most of the picture changed at once: the camera's exposure or a light, not
            # things moving. Take the new picture as the background and report nothing.
            self._model.apply(grey, learningRate=1.0)
            return []
        mask = np.asarray(cv2.morphologyEx(mask, cv2.MORPH_OPEN, _KERNEL), np.uint8)
        # Closing joins the pieces of one object (a car's roof and bonnet) into one blob.
        mask = np.asarray(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _KERNEL, iterations=3), np.uint8)
        return [Detection(box, frozenset({MOVING}), 1.0) for box in blobs(mask, self._min_area)]


class StillObjects:
    """New still objects by dual backgrounds: foreground to a slow model, background to a fast one.

    An object that arrives and stops is soon absorbed by the fast model (`settle_s`) while the slow
    one (`memory_s`) still sees it as new: the difference is what was left there.
    """

    def __init__(
        self,
        fps: float,
        *,
        settle_s: float = 5.0,
        memory_s: float = 600.0,
        min_area: float = 0.0005,
    ) -> None:
        self._fast = cv2.createBackgroundSubtractorMOG2(history=10, detectShadows=False)
        self._slow = cv2.createBackgroundSubtractorMOG2(history=10, detectShadows=False)
        self._fast_rate = min(1.0, 1.0 / max(1.0, settle_s * fps))
        self._slow_rate = min(1.0, 1.0 / max(1.0, memory_s * fps))
        self._min_area = min_area
        self._frames = 0

    def detect(self, image: Image) -> list[Box]:
        """The boxes of objects that are new to the scene and have stopped moving."""
        grey = _small_grey(image)
        # The first frame teaches both models the scene as it is (rate 1).
        first = self._frames == 0
        self._frames += 1
        fast = self._fast.apply(grey, learningRate=1.0 if first else self._fast_rate)
        slow = self._slow.apply(grey, learningRate=1.0 if first else self._slow_rate)
        still = cv2.bitwise_and(slow, cv2.bitwise_not(fast))
        return blobs(
            np.asarray(cv2.morphologyEx(still, cv2.MORPH_OPEN, _KERNEL), np.uint8), self._min_area
        )
