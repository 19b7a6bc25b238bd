"""Privacy zones: every pixel inside a zone is burned to the mask colour, the rest is untouched."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from privacy.masking import MASK_COLOUR, Image, ZoneMasker, zone_mask

Points = Sequence[tuple[float, float]]
BoolMap = NDArray[np.bool_]

# How far (pixels) from a zone edge a pixel must be to count as "well outside": the mask is
# rounded to whole pixels and grown by one, so two or three pixels of slack are by design.
MARGIN_PX = 3.0


def noise(width: int, height: int, seed: int = 0) -> Image:
    """A random BGR frame, so that "untouched" can only mean "equal to the original"."""
    rng = np.random.default_rng(seed)
    frame: Image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    # Keep the mask colour out of the noise, so a masked pixel can never pass by chance.
    frame[(frame == np.array(MASK_COLOUR, np.uint8)).all(axis=2)] = (0, 0, 0)
    return frame


def _centres(width: int, height: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    return xs + 0.5, ys + 0.5


def inside(polygon: Points, width: int, height: int) -> BoolMap:
    """Pixels whose centre lies inside the polygon (even-odd ray casting, in pixel units)."""
    px, py = _centres(width, height)
    result = np.zeros((height, width), np.bool_)
    pts = [(x * width, y * height) for x, y in polygon]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True):
        if y0 == y1:
            continue
        crosses = (y0 > py) != (y1 > py)
        x_at = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
        result ^= crosses & (px < x_at)
    return result


def near_edge(polygon: Points, width: int, height: int, margin: float = MARGIN_PX) -> BoolMap:
    """Pixels whose centre is within `margin` pixels of any polygon edge."""
    px, py = _centres(width, height)
    result = np.zeros((height, width), np.bool_)
    pts = [(x * width, y * height) for x, y in polygon]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True):
        dx, dy = x1 - x0, y1 - y0
        t = np.clip(((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
        result |= np.hypot(px - (x0 + t * dx), py - (y0 + t * dy)) <= margin
    return result


def masked(frame: Image) -> BoolMap:
    """Pixels that carry exactly the mask colour."""
    result: BoolMap = (frame == np.array(MASK_COLOUR, np.uint8)).all(axis=2)
    return result


def assert_zones_burned(
    original: Image, out: Image, polygons: Sequence[Points], width: int, height: int
) -> None:
    """Inside every zone: mask colour; well outside all zones: the original pixels."""
    in_any = np.zeros((height, width), np.bool_)
    near_any = np.zeros((height, width), np.bool_)
    for polygon in polygons:
        in_any |= inside(polygon, width, height)
        near_any |= near_edge(polygon, width, height)
    assert in_any.any()
    assert masked(out)[in_any].all(), "a pixel inside a privacy zone is visible"
    well_outside = ~in_any & ~near_any
    assert well_outside.any()
    assert np.array_equal(out[well_outside], original[well_outside])


TRIANGLE: Points = [(0.1, 0.1), (0.45, 0.2), (0.2, 0.6)]
WINDOW: Points = [(0.55, 0.15), (0.9, 0.15), (0.9, 0.45), (0.55, 0.45)]
CONCAVE: Points = [(0.3, 0.65), (0.7, 0.65), (0.7, 0.95), (0.5, 0.75), (0.3, 0.95)]


def test_pixels_inside_a_zone_are_masked_and_outside_untouched() -> None:
    """A single triangle on a noise frame: its inside is burned, the rest is the original."""
    width, height = 640, 480
    original = noise(width, height)
    out = ZoneMasker([TRIANGLE]).apply(original.copy())
    assert out.shape == original.shape and out.dtype == np.uint8
    assert_zones_burned(original, out, [TRIANGLE], width, height)


def test_apply_masks_in_place_and_returns_the_frame() -> None:
    """apply() burns the zones into the caller's array: no unmasked copy is left behind."""
    frame = noise(320, 240)
    out = ZoneMasker([WINDOW]).apply(frame)
    assert out is frame
    assert masked(frame)[inside(WINDOW, 320, 240)].all()


def test_several_polygons_are_all_masked() -> None:
    """Three disjoint zones, one of them concave: all burned, the space between untouched."""
    width, height = 800, 600
    zones = [TRIANGLE, WINDOW, CONCAVE]
    original = noise(width, height, seed=1)
    out = ZoneMasker(zones).apply(original.copy())
    assert_zones_burned(original, out, zones, width, height)
    # The notch of the concave zone is outside it and stays visible.
    notch = (int(0.5 * width), int(0.9 * height))
    assert np.array_equal(out[notch[1], notch[0]], original[notch[1], notch[0]])


def test_overlapping_zones_mask_their_overlap() -> None:
    """Two overlapping zones: the shared area is masked too (no even-odd hole)."""
    width, height = 400, 300
    a: Points = [(0.1, 0.1), (0.6, 0.1), (0.6, 0.6), (0.1, 0.6)]
    b: Points = [(0.4, 0.4), (0.9, 0.4), (0.9, 0.9), (0.4, 0.9)]
    original = noise(width, height, seed=2)
    out = ZoneMasker([a, b]).apply(original.copy())
    assert_zones_burned(original, out, [a, b], width, height)
    overlap = inside(a, width, height) & inside(b, width, height)
    assert overlap.sum() > 1000
    assert masked(out)[overlap].all()


def test_no_zones_leaves_the_frame_unchanged() -> None:
    """Without zones there is no mask and apply() changes nothing."""
    assert zone_mask([], 1280, 720) is None
    original = noise(1280, 720, seed=3)
    out = ZoneMasker([]).apply(original.copy())
    assert np.array_equal(out, original)


def test_a_size_change_re_rasterises_the_mask() -> None:
    """The same masker on frames of different sizes masks the zone at each size."""
    masker = ZoneMasker([WINDOW, TRIANGLE])
    for width, height, seed in [(640, 360, 4), (1280, 720, 5), (320, 240, 6), (640, 360, 7)]:
        original = noise(width, height, seed)
        out = masker.apply(original.copy())
        assert_zones_burned(original, out, [WINDOW, TRIANGLE], width, height)


def test_a_zone_covering_the_whole_frame_masks_every_pixel() -> None:
    """The unit square reaches the last row and column (1.0 maps to the far edge)."""
    full: Points = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
    out = ZoneMasker([full]).apply(noise(333, 187, seed=8))
    assert masked(out).all()


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (768, 432), (960, 540)])
def test_normalised_coordinates_map_to_pixels_on_non_square_frames(width: int, height: int) -> None:
    """x scales with the width and y with the height: a box lands on the expected pixels."""
    x0, y0, x1, y1 = 0.25, 0.1, 0.5, 0.8
    box: Points = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    original = noise(width, height, seed=width)
    out = ZoneMasker([box]).apply(original.copy())
    assert_zones_burned(original, out, [box], width, height)
    hit = masked(out)
    rows, cols = np.nonzero(hit)
    # The masked area's bounding box is the zone's in pixels, give or take rounding, the
    # inclusive polygon edge and the one-pixel growth (at most 2.5 px on the far side).
    assert abs(cols.min() - x0 * width) <= MARGIN_PX
    assert abs(cols.max() + 1 - x1 * width) <= MARGIN_PX
    assert abs(rows.min() - y0 * height) <= MARGIN_PX
    assert abs(rows.max() + 1 - y1 * height) <= MARGIN_PX
    expected_area = (x1 - x0) * width * (y1 - y0) * height
    assert expected_area <= hit.sum() <= expected_area * 1.05


def test_zone_mask_is_single_channel_and_binary() -> None:
    """zone_mask gives an HxW uint8 mask of 0 and 255 at the frame's size."""
    mask = zone_mask([WINDOW], 768, 432)
    assert mask is not None
    assert mask.shape == (432, 768) and mask.dtype == np.uint8
    assert set(np.unique(mask).tolist()) == {0, 255}
    assert (mask[inside(WINDOW, 768, 432)] == 255).all()


def test_custom_colour_is_used() -> None:
    """A masker built with another colour burns that colour."""
    frame = noise(200, 100, seed=9)
    out = ZoneMasker([WINDOW], colour=(0, 0, 255)).apply(frame)
    assert (out[inside(WINDOW, 200, 100)] == np.array([0, 0, 255], np.uint8)).all()
