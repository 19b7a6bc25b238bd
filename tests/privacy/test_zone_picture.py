"""Zones drawn on a dome's picture and kept on its pan/tilt map, and the map's zones outlined on a
picture: both ways round, against the simulated dome's own rendering of the map (which casts each
pixel's ray onto a panorama), and what they cover once the masker projects them again."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from pydantic import TypeAdapter

from csu.config import Polygon
from csu.config.ptz_view import PtzViewConfig
from csu.demo.dome.view import render
from privacy.zones.picture import (
    MAX_POINTS,
    DrawingRefused,
    PicturePose,
    map_to_picture,
    outlines,
    picture_to_map,
    with_drawn,
)
from privacy.zones.projection import ViewPose, zone_mask_at

VIEW = PtzViewConfig(
    pan_degrees=(-60, 60), tilt_degrees=(-40, 10), fov=((0, 70), (0.5, 30), (1, 8))
)
TURN = PtzViewConfig(pan_degrees=(-180, 180), tilt_degrees=(-90, 0))
FACADE = [(0.55, 0.30), (0.70, 0.30), (0.70, 0.55), (0.55, 0.55)]
MAGENTA = (255, 0, 255)
SIZE = (640, 360)
RECT = [(0.2, 0.25), (0.7, 0.25), (0.7, 0.8), (0.2, 0.8)]
L_SHAPE = [(0.1, 0.1), (0.6, 0.1), (0.6, 0.4), (0.3, 0.4), (0.3, 0.9), (0.1, 0.9)]
FULL = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]


def panorama() -> np.ndarray:
    rng = np.random.default_rng(3)
    image = rng.integers(0, 160, (500, 1200, 3), dtype=np.uint8)  # nothing saturated magenta
    image[150:275, 660:840] = MAGENTA  # FACADE in panorama pixels
    return image


def magenta(frame: np.ndarray) -> np.ndarray:
    b, g, r = (frame[..., i].astype(int) for i in range(3))
    return (b > 200) & (r > 200) & (g < 60)


def pose_at(position: tuple[float, float, float], view: PtzViewConfig = VIEW) -> PicturePose:
    """The pose of the dome's picture at an ONVIF position, as the API carries it."""
    return PicturePose(
        view.pan(position[0]),
        view.tilt(position[1]),
        view.field_of_view(position[2]),
        SIZE[0] / SIZE[1],
    )


def filled(polygons: list[list[tuple[float, float]]] | list[np.ndarray], size: tuple[int, int]):
    """The polygons (normalised) filled on a raster of `size`, not grown."""
    mask = np.zeros((size[1], size[0]), np.uint8)
    for polygon in polygons:
        points = np.round(np.asarray(polygon, np.float64) * size).astype(np.int32)
        cv2.fillPoly(mask, [points], 255)
    return mask > 0


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def test_a_polygon_drawn_round_the_painted_facade_is_the_facades_map_rectangle() -> None:
    position = (0.3, 0.2, 0.0)
    seen = magenta(render(panorama(), VIEW, position, *SIZE))
    contours, _ = cv2.findContours(seen.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    outline = max(contours, key=cv2.contourArea)
    corners = cv2.approxPolyDP(outline, 0.7, True)[:, 0, :]
    drawn = (corners + 0.5) / SIZE  # pixel centres, normalised

    drawing = picture_to_map(drawn, VIEW, pose_at(position))

    assert len(drawing.zones) == 1 and not drawing.cut
    zone = drawing.zones[0]
    assert len(zone) <= MAX_POINTS
    # Within a pixel of the picture (0.11 degrees: 0.001 of the map across, 0.002 down).
    assert np.allclose(zone.min(axis=0), FACADE[0], atol=0.004)
    assert np.allclose(zone.max(axis=0), FACADE[2], atol=0.004)
    grid = (1200, 500)
    assert overlap(filled([zone], grid), filled([FACADE], grid)) > 0.97


@pytest.mark.parametrize("position", [(0.3, 0.2, 0.0), (0.25, 0.1, 0.6), (0.1, -0.3, 0.45)])
def test_a_map_zone_is_outlined_where_the_dome_shows_it(
    position: tuple[float, float, float],
) -> None:
    seen = magenta(render(panorama(), VIEW, position, *SIZE))
    outline = map_to_picture(FACADE, VIEW, pose_at(position))
    assert outline is not None
    assert overlap(filled([outline], SIZE), seen) > 0.95


def test_a_zone_out_of_view_has_no_outline_and_one_half_in_view_is_cut_at_the_edge() -> None:
    assert map_to_picture(FACADE, VIEW, pose_at((-0.8, 0.0, 0.5))) is None
    # Looking at the façade's left edge (pan 6 degrees): its left part fills the picture's right.
    outline = map_to_picture(FACADE, VIEW, pose_at((0.1, 0.2, 0.5)))
    assert outline is not None
    assert outline[:, 0].max() == 1.0 and 0 < outline[:, 0].min() < 1
    shown = outlines([FACADE, [(0.0, 0.0), (0.1, 0.0), (0.1, 0.1)]], VIEW, pose_at((0.3, 0.2, 0)))
    assert shown[0] is not None and shown[1] is None


@pytest.mark.parametrize("polygon", [RECT, L_SHAPE])
def test_drawn_then_shown_again_is_what_was_drawn(polygon: list[tuple[float, float]]) -> None:
    pose = pose_at((0.1, -0.2, 0.2))
    drawing = picture_to_map(polygon, VIEW, pose)
    assert len(drawing.zones) == 1
    shown = map_to_picture(drawing.zones[0], VIEW, pose)
    assert shown is not None
    assert overlap(filled([shown], SIZE), filled([polygon], SIZE)) > 0.99


def test_a_map_zone_shown_then_drawn_again_is_the_same_zone() -> None:
    pose = pose_at((0.3, 0.2, 0.3))
    shown = map_to_picture(FACADE, VIEW, pose)
    assert shown is not None and shown.min() > 0 and shown.max() < 1  # wholly in view
    drawing = picture_to_map(shown, VIEW, pose)
    grid = (1200, 500)
    assert overlap(filled(drawing.zones, grid), filled([FACADE], grid)) > 0.99


@pytest.mark.parametrize(
    ("view", "pose", "polygon", "pieces"),
    [
        (VIEW, pose_at((0.1, -0.2, 0.2)), L_SHAPE, {1}),
        (VIEW, pose_at((-0.4, 0.5, 0.9)), RECT, {1}),
        # Across the pan seam of a full-turn dome: one zone on each side of the map.
        (TURN, PicturePose(178.0, -30.0, 60.0, 16 / 9), RECT, {2}),
        # Looking down past the point below the dome: the drawing goes round it, along the
        # map's bottom edge (cut at the seam when it crosses it, as it may).
        (TURN, PicturePose(40.0, -75.0, 60.0, 16 / 9), FULL, {1, 2}),
        (TURN, PicturePose(-120.0, -88.0, 20.0, 4 / 3), L_SHAPE, {1, 2}),
    ],
)
def test_what_is_drawn_is_masked_when_the_dome_looks_there_again(
    view: PtzViewConfig,
    pose: PicturePose,
    polygon: list[tuple[float, float]],
    pieces: set[int],
) -> None:
    drawing = picture_to_map(polygon, view, pose)
    assert len(drawing.zones) in pieces and not drawing.cut
    assert drawing.tolerance < 0.1  # degrees: well inside the half-degree margin at rest
    for zone in drawing.zones:  # each one a zone the site file takes
        TypeAdapter(Polygon).validate_python(tuple(map(tuple, zone.tolist())))
    width, height = 1280, round(1280 / pose.aspect)
    again = ViewPose(pose.pan, pose.tilt, pose.fov, pose.fov, margin=0.0)
    mask = zone_mask_at([z.tolist() for z in drawing.zones], view, again, width, height)
    assert mask is not None
    # Every pixel drawn over is masked, even with no margin (one pixel in for the rounding).
    drawn = cv2.erode(filled([polygon], (width, height)).astype(np.uint8), np.ones((3, 3)))
    assert not (drawn.astype(bool) & (mask == 0)).any()


def test_what_lies_past_the_tilt_range_is_cut_and_said() -> None:
    # Level, with a 70-degree view: the picture's top is 21 degrees up, the map ends at 10.
    drawing = picture_to_map(FULL, VIEW, PicturePose(0.0, 0.0, 70.0, 16 / 9))
    assert drawing.cut and len(drawing.zones) == 1
    assert drawing.zones[0][:, 1].min() == 0.0  # up to the map's top edge, no further
    low = [(0.2, 0.5), (0.7, 0.5), (0.7, 0.8), (0.2, 0.8)]  # below the horizon
    kept = with_drawn([FACADE], [low, FULL], VIEW, PicturePose(0.0, 0.0, 70.0, 16 / 9))
    assert kept.zones[0] == [list(p) for p in FACADE] and len(kept.zones) == 3
    assert len(kept.notes) == 1 and kept.notes[0].startswith("New zone 2 reached beyond")


def test_a_drawing_the_map_cannot_hold_is_refused() -> None:
    behind = PicturePose(170.0, 0.0, 30.0, 16 / 9)  # past the pan range's end (60 degrees)
    with pytest.raises(DrawingRefused, match="wholly beyond"):
        with_drawn([], [RECT], VIEW, behind)
    with pytest.raises(DrawingRefused, match="at most 64"):
        with_drawn([FACADE] * 64, [RECT], VIEW, pose_at((0.0, 0.0, 0.0)))
