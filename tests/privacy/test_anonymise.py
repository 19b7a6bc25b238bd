"""Faces found by CenterFace on a real photo and hidden; the anonymiser fails closed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest

from privacy.anonymise import (
    Anonymiser,
    CenterFaceDetector,
    Detection,
    HoldRule,
    Region,
    Style,
    obscure,
    pixelate,
)
from privacy.masking import MASK_COLOUR, Image

MASK = np.array(MASK_COLOUR, np.uint8)


@pytest.fixture(scope="module")
def detector() -> CenterFaceDetector:
    """One detector for the module: building the session is the slow part."""
    return CenterFaceDetector()


@pytest.fixture
def photo(shared_data: Path) -> Image:
    """Two frontal faces side by side (1126x661)."""
    image = cv2.imread(str(shared_data / "images" / "face_recognition_two_people.jpg"))
    assert image is not None
    return np.asarray(image, np.uint8)


class SwitchableDetector:
    """The real detector, made to fail on demand (an onnxruntime error, a lost model file...)."""

    def __init__(self, inner: CenterFaceDetector) -> None:
        self.inner = inner
        self.failing = False

    def detect(self, image: Image) -> Sequence[Detection]:
        if self.failing:
            raise RuntimeError("onnxruntime: session failed")
        return self.inner.detect(image)


def distinct_colours(patch: Image) -> int:
    """How many different BGR values a patch holds."""
    return len(np.unique(patch.reshape(-1, 3), axis=0))


def test_both_faces_of_the_photo_are_found_where_they_are(
    detector: CenterFaceDetector, photo: Image
) -> None:
    """Two faces, one in each half, in the upper half of the picture, face-sized."""
    faces = sorted(detector.detect(photo), key=lambda d: d.region.x0)
    assert len(faces) == 2
    left, right = (f.region for f in faces)
    assert left.x1 < 0.5 < right.x0
    for face in faces:
        box = face.region
        assert face.score > 0.5
        assert 0.08 < box.width < 0.25 and 0.2 < box.height < 0.5
        assert box.y0 < 0.2 and box.y1 < 0.5
    # The centres sit on the two faces of the composite (measured by eye on the photo).
    assert left.centre == pytest.approx((0.28, 0.19), abs=0.04)
    assert right.centre == pytest.approx((0.77, 0.23), abs=0.04)


def test_the_faces_are_pixelated_and_the_rest_is_untouched(
    detector: CenterFaceDetector, photo: Image
) -> None:
    """Inside each face box a few coarse blocks replace the face; far away nothing changed."""
    anonymiser = Anonymiser(detector)
    anonymiser.observe(photo, at=0.0)
    out = anonymiser.apply(photo, at=0.0)
    height, width = photo.shape[:2]
    for face in detector.detect(photo):
        x0, y0, x1, y1 = face.region.pixels(width, height)
        before, after = photo[y0:y1, x0:x1], out[y0:y1, x0:x1]
        assert distinct_colours(before) > 5000
        assert distinct_colours(after) <= 36  # at most 6 blocks each way over the face
        assert np.abs(after.astype(int) - before.astype(int)).mean() > 8
        # Neighbouring pixels are equal almost everywhere: no detail left to recognise.
        assert (after[1:, 1:] == after[:-1, :-1]).all(axis=2).mean() > 0.8
    assert np.array_equal(out[int(0.6 * height) :], photo[int(0.6 * height) :])
    middle = slice(int(0.45 * width), int(0.6 * width))
    assert np.array_equal(out[:, middle], photo[:, middle])
    assert out is not photo


def test_fill_style_burns_the_face_boxes_to_the_mask_colour(
    detector: CenterFaceDetector, photo: Image
) -> None:
    """The solid style leaves nothing of the face."""
    anonymiser = Anonymiser(detector, style=Style.FILL)
    anonymiser.observe(photo, at=0.0)
    out = anonymiser.apply(photo, at=0.0)
    height, width = photo.shape[:2]
    for face in detector.detect(photo):
        x0, y0, x1, y1 = face.region.pixels(width, height)
        assert (out[y0:y1, x0:x1] == MASK).all()


def test_before_the_first_detection_the_whole_frame_is_hidden(
    detector: CenterFaceDetector, photo: Image
) -> None:
    """No detection has vouched for the picture yet: nothing of it is shown."""
    anonymiser = Anonymiser(detector)
    assert not anonymiser.ready
    assert (anonymiser.apply(photo, at=0.0) == MASK).all()


def test_a_failing_detector_fails_closed_until_it_recovers(
    detector: CenterFaceDetector, photo: Image
) -> None:
    """A detection that raises hides whole frames (the error is re-raised to be logged)."""
    switchable = SwitchableDetector(detector)
    anonymiser = Anonymiser(switchable)
    anonymiser.observe(photo, at=0.0)
    assert not (anonymiser.apply(photo, at=0.1) == MASK).all()
    switchable.failing = True
    with pytest.raises(RuntimeError):
        anonymiser.observe(photo, at=0.2)
    assert not anonymiser.ready
    assert (anonymiser.apply(photo, at=0.25) == MASK).all()
    switchable.failing = False
    anonymiser.observe(photo, at=0.4)
    assert anonymiser.ready
    assert not (anonymiser.apply(photo, at=0.45) == MASK).all()


def test_a_stalled_detector_fails_closed(detector: CenterFaceDetector, photo: Image) -> None:
    """Frames taken longer than stale_after_s after the last detection are wholly hidden."""
    anonymiser = Anonymiser(detector, rule=HoldRule(), stale_after_s=1.0)
    anonymiser.observe(photo, at=10.0)
    assert not (anonymiser.apply(photo, at=10.9) == MASK).all()
    assert (anonymiser.apply(photo, at=11.1) == MASK).all()


def test_pixelate_leaves_at_most_the_given_blocks_across() -> None:
    """A 120x60 box in noise becomes at most 6x3 blocks; the pixels around it are untouched."""
    rng = np.random.default_rng(1)
    frame: Image = rng.integers(0, 256, (100, 200, 3), dtype=np.uint8)
    original = frame.copy()
    pixelate(frame, (40, 20, 160, 80), blocks=6)
    assert distinct_colours(frame[20:80, 40:160]) <= 18
    outside = np.ones((100, 200), np.bool_)
    outside[20:80, 40:160] = False
    assert np.array_equal(frame[outside], original[outside])


def test_obscure_skips_boxes_with_no_area_and_handles_the_border() -> None:
    """An empty box changes nothing; a box on the image edge is hidden up to the edge."""
    frame = np.full((90, 160, 3), 200, np.uint8)
    frame[::2] = 10
    obscure(frame, [Region(0.5, 0.5, 0.5, 0.7)], Style.FILL)
    assert not (frame == MASK).all(axis=2).any()
    obscure(frame, [Region(0.9, 0.9, 1.0, 1.0)], Style.FILL)
    assert (frame[81:, 144:] == MASK).all()
