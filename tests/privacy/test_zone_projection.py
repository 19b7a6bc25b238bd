"""Zones on a PTZ camera's pan/tilt map, projected onto what it films, checked against the
simulated dome's own rendering of that map (which casts rays the other way)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from csu.config.ptz_view import PtzViewConfig
from csu.demo.dome.view import render
from privacy.masking import FollowingZoneMasker
from privacy.zones import projection
from privacy.zones.projection import ViewPose, angles_to_map, map_to_angles, zone_mask_at

VIEW = PtzViewConfig(
    pan_degrees=(-60, 60), tilt_degrees=(-40, 10), fov=((0, 70), (0.5, 30), (1, 8))
)
MAGENTA = (255, 0, 255)
# A façade's windows, on the map (x across the pan range, y down the tilt range).
FACADE = [(0.55, 0.30), (0.70, 0.30), (0.70, 0.55), (0.55, 0.55)]


def panorama() -> np.ndarray:
    rng = np.random.default_rng(1)
    image = rng.integers(0, 160, (500, 1200, 3), dtype=np.uint8)  # nothing saturated magenta
    x0, y0 = int(0.55 * 1200), int(0.30 * 500)
    x1, y1 = int(0.70 * 1200), int(0.55 * 500)
    image[y0:y1, x0:x1] = MAGENTA
    return image


def magenta(frame: np.ndarray) -> np.ndarray:
    b, g, r = (frame[..., i].astype(int) for i in range(3))
    return (b > 200) & (r > 200) & (g < 60)


def pose_of(position: tuple[float, float, float], margin: float = 0.5) -> ViewPose:
    fov = VIEW.field_of_view(position[2])
    return ViewPose(VIEW.pan(position[0]), VIEW.tilt(position[1]), fov, fov, margin)


@pytest.mark.parametrize(
    "position",
    [
        (0.0, 0.0, 0.0),
        (0.3, 0.2, 0.0),
        (0.25, 0.1, 0.6),
        (0.4, 0.3, 1.0),
        (-0.5, -0.8, 0.2),
        (0.1, -0.3, 0.45),
    ],
)
def test_the_projected_zone_covers_the_facade_in_the_picture_and_little_else(
    position: tuple[float, float, float],
) -> None:
    frame = render(panorama(), VIEW, position, 640, 360)
    seen = magenta(frame)
    mask = zone_mask_at([FACADE], VIEW, pose_of(position), 640, 360)
    assert mask is not None
    assert not (seen & (mask == 0)).any(), "a façade pixel outside the mask"
    # Little else: what the mask covers beyond the façade is its margin, a thin band.
    extra = int(((mask > 0) & ~seen).sum())
    assert extra <= max(0.4 * seen.sum(), 0.03 * mask.size) or seen.sum() == 0


def test_a_masker_hides_the_facade_and_leaves_the_street() -> None:
    frame = render(panorama(), VIEW, (0.3, 0.2, 0.0), 640, 360)
    assert magenta(frame).sum() > 5000
    out = FollowingZoneMasker([FACADE], VIEW, lambda: pose_of((0.3, 0.2, 0.0))).apply(frame)
    assert magenta(out).sum() == 0
    assert (out != (32, 32, 32)).any(axis=2).mean() > 0.5  # most of the picture still shows


def test_with_no_position_the_whole_frame_is_masked() -> None:
    frame = render(panorama(), VIEW, (-0.9, 0.0, 0.0), 640, 360)  # far from the façade
    out = FollowingZoneMasker([FACADE], VIEW, lambda: None).apply(frame)
    assert (out == 32).all()


def test_a_camera_without_zones_is_never_masked() -> None:
    frame = render(panorama(), VIEW, (0.0, 0.0, 0.0), 320, 180)
    assert (FollowingZoneMasker([], VIEW, lambda: None).apply(frame.copy()) == frame).all()


def test_a_zone_behind_the_camera_masks_nothing_and_one_beside_it_is_cut_not_wrapped() -> None:
    wide = PtzViewConfig(pan_degrees=(-180, 180), tilt_degrees=(-90, 90), fov=((0, 90),))
    behind = [(0.95, 0.4), (0.99, 0.4), (0.99, 0.6), (0.95, 0.6)]  # pan 162..178
    mask = zone_mask_at([behind], wide, ViewPose(0, 0, 90, 90, 0), 400, 300)
    assert mask is not None and not mask.any()
    beside = [(0.59, 0.45), (0.78, 0.45), (0.78, 0.55), (0.59, 0.55)]  # pan 32..101, partly behind
    mask = zone_mask_at([beside], wide, ViewPose(0, 0, 90, 90, 0), 400, 300)
    assert mask is not None
    assert mask[:, -5:].any() and not mask[:, :200].any()


def test_a_margin_wider_than_the_picture_masks_all_of_it() -> None:
    mask = zone_mask_at([FACADE], VIEW, ViewPose(0, 0, 8, 8, 30), 640, 360)
    assert mask is not None and mask.all()


def test_the_map_and_angles_convert_both_ways() -> None:
    points = np.array(FACADE, np.float64)
    assert np.allclose(angles_to_map(map_to_angles(points, VIEW), VIEW), points)


def test_a_zone_seen_while_zooming_is_covered_at_every_focal_length_in_between() -> None:
    small = [(0.56, 0.40), (0.57, 0.40), (0.57, 0.42), (0.56, 0.42)]  # 7 degrees off, small
    sweep = zone_mask_at([small], VIEW, ViewPose(0, -10, 18, 70, 0), 640, 360)
    assert sweep is not None
    for fov in (20, 30, 45, 60):
        seen = zone_mask_at([small], VIEW, ViewPose(0, -10, fov, fov, 0), 640, 360)
        assert seen is not None and seen.any()
        seen = cv2.erode(seen, np.ones((5, 5), np.uint8))  # the zone itself, without its 2 px
        assert not ((seen > 0) & (sweep == 0)).any(), f"field of view {fov} not covered"


@pytest.mark.parametrize("margin", [3.0, 12.0])
def test_a_wide_margin_drawn_small_still_covers_all_a_full_size_dilation_would(
    margin: float,
) -> None:
    pose = ViewPose(12.0, -8.0, 20.0, 45.0, margin)
    mask = zone_mask_at([FACADE], VIEW, pose, 1280, 720)
    grow = projection._margin_px(pose, 1280)
    exact = projection._drawn([FACADE], VIEW, pose, (1280, 720), 1)
    exact = cv2.dilate(exact, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
    assert mask is not None and mask.shape == exact.shape
    assert not ((exact > 0) & (mask == 0)).any()
    assert (mask > 0).sum() < 1.3 * (exact > 0).sum()  # and not much more
