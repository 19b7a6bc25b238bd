"""Zones drawn on a dome's picture, kept on its pan/tilt map; and the map's zones on a picture.

A point of a picture taken at a known pan, tilt and field of view is a direction (the pinhole of
projection.py run backwards), and a direction is a point of the map. A straight edge drawn on
the picture is a great circle, which the equirectangular map bends, so each edge is followed in
steps of at most STEP_DEGREES and the curve kept, then simplified to the site file's 64 points
(Douglas-Peucker in degrees, with the smallest tolerance that fits). A drawing across the pan
seam of a full-turn dome is kept as one zone on each side; one around the point straight below
(or above) the dome is closed along the map's bottom (or top) edge. What lies beyond the map
(past the dome's pan or tilt range) cannot be kept: the drawing is cut there, and says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from csu.config.ptz_view import PtzViewConfig
from csu.errors import Invalid
from privacy.zones.projection import (
    STEP_DEGREES,
    Floats,
    Polygon,
    angles_to_map,
    camera_axes,
    followed,
    map_to_angles,
    on_image_plane,
)

MAX_POINTS = 64  # a site file's polygon
MAX_ZONES = 64  # a camera's zones, as the API takes them
_CUT_SHARE = 1e-3  # less of the drawing lost than this is the simplification's rounding
_PICTURE_TOLERANCE = 2e-4  # how closely an outline shown on a picture follows the zone


@dataclass(frozen=True)
class PicturePose:
    """Where a dome's picture looks: pan, tilt and horizontal field of view in degrees, and the
    picture's width over its height."""

    pan: float
    tilt: float
    fov: float
    aspect: float


@dataclass(frozen=True)
class MapDrawing:
    """A drawing kept on the map: its zones (3 to 64 [x, y] points each, 0..1), whether part of
    it lay beyond the map and was left out, and how far (degrees) the kept outline may stray
    from the drawn one."""

    zones: list[Floats]
    cut: bool
    tolerance: float


class DrawingRefused(Invalid):
    """Zones drawn on a dome's picture that its map cannot hold; the message says why."""


@dataclass(frozen=True)
class DomeZones:
    """A dome's zones after an edit (on its map), and what the conversion had to say."""

    zones: list[list[list[float]]]
    notes: list[str]


def with_drawn(
    kept: Sequence[Polygon], drawn: Sequence[Polygon], view: PtzViewConfig, pose: PicturePose
) -> DomeZones:
    """The map zones kept, then each polygon drawn on the picture at `pose`, on the map."""
    zones = [[[float(x), float(y)] for x, y in zone] for zone in kept]
    notes = []
    for number, polygon in enumerate(drawn, 1):
        drawing = picture_to_map(polygon, view, pose)
        if not drawing.zones:
            raise DrawingRefused(
                f"new zone {number} lies wholly beyond the dome's pan and tilt range:"
                " its map cannot hold it",
                key="errors.zones.beyond_range",
                number=number,
            )
        if drawing.cut:
            notes.append(
                f"New zone {number} reached beyond the dome's pan and tilt range and was cut"
                " there: what lies past the range cannot be masked."
            )
        zones.extend(zone.tolist() for zone in drawing.zones)
    if len(zones) > MAX_ZONES:
        raise DrawingRefused(
            f"{len(zones)} zones: a camera has at most {MAX_ZONES}",
            key="errors.zones.over_limit",
            count=len(zones),
            most=MAX_ZONES,
        )
    return DomeZones(zones, notes)


def picture_directions(points: Floats, pose: PicturePose) -> Floats:
    """Unit vectors of normalised picture points (x right, y down, 0..1) seen at `pose`."""
    half = math.tan(math.radians(pose.fov) / 2)
    camera = np.stack(
        [
            (points[:, 0] - 0.5) * 2 * half,
            -(points[:, 1] - 0.5) * 2 * half / pose.aspect,
            np.ones(len(points)),
        ],
        axis=1,
    )
    world = camera @ camera_axes(pose.pan, pose.tilt)
    return np.asarray(world / np.linalg.norm(world, axis=1, keepdims=True), np.float64)


def direction_angles(vectors: Floats) -> Floats:
    """[pan, elevation] degrees of unit vectors (the inverse of projection.directions)."""
    pan = np.degrees(np.arctan2(vectors[:, 0], vectors[:, 2]))
    elevation = np.degrees(np.arctan2(vectors[:, 1], np.hypot(vectors[:, 0], vectors[:, 2])))
    return np.stack([pan, elevation], axis=1)


def picture_to_map(polygon: Polygon, view: PtzViewConfig, pose: PicturePose) -> MapDrawing:
    """A polygon drawn in normalised picture coordinates at `pose`, as zones on the map."""
    outline = _around_pole(_drawn_angles(np.asarray(polygon, np.float64), pose), pose)
    (pan_low, pan_high), (tilt_low, tilt_high) = view.pan_degrees, view.tilt_degrees
    first = math.ceil((pan_low - outline[:, 0].max()) / 360)
    last = math.floor((pan_high - outline[:, 0].min()) / 360)
    pieces = []
    for turn in range(first, last + 1):  # the same directions, a whole turn of pan apart
        shifted = outline + np.array([360.0 * turn, 0.0])
        piece = clip_to_box(shifted, (pan_low, tilt_low), (pan_high, tilt_high))
        if piece is not None:
            pieces.append(piece)
    kept = sum(area(piece) for piece in pieces)
    tolerance, zones = 0.0, []
    for piece in pieces:
        simple, error = _simplified(piece)
        tolerance = max(tolerance, error)
        points = np.clip(np.round(angles_to_map(simple, view), 6), 0.0, 1.0)
        if len(points) >= 3 and area(points) > 1e-8:
            zones.append(points)
    return MapDrawing(zones, kept < area(outline) * (1 - _CUT_SHARE), tolerance)


def map_to_picture(polygon: Polygon, view: PtzViewConfig, pose: PicturePose) -> Floats | None:
    """A map zone's outline in normalised picture coordinates at `pose`, cut at the picture's
    edges; None when none of it is in view."""
    plane = on_image_plane(followed(map_to_angles(polygon, view)), camera_axes(pose.pan, pose.tilt))
    if plane is None:
        return None
    half = math.tan(math.radians(pose.fov) / 2)
    points = np.stack(
        [0.5 + plane[:, 0] / (2 * half), 0.5 + plane[:, 1] * pose.aspect / (2 * half)], axis=1
    )
    seen = clip_to_box(points, (0.0, 0.0), (1.0, 1.0))
    if seen is None or area(seen) < 1e-8:
        return None
    simple = cv2.approxPolyDP(seen.astype(np.float32)[:, None, :], _PICTURE_TOLERANCE, True)
    return np.asarray(simple[:, 0, :], np.float64).round(5)


def outlines(
    zones: Sequence[Polygon], view: PtzViewConfig, pose: PicturePose
) -> list[list[list[float]] | None]:
    """Each map zone's outline on the picture at `pose` as plain lists (None: not in view)."""
    shown = (map_to_picture(zone, view, pose) for zone in zones)
    return [None if points is None else points.tolist() for points in shown]


def clip_to_box(
    points: Floats, low: tuple[float, float], high: tuple[float, float]
) -> Floats | None:
    """The closed outline cut to an axis-aligned box (Sutherland-Hodgman); None if nothing is
    left."""
    for axis in (0, 1):
        for bound, sign in ((low[axis], 1.0), (high[axis], -1.0)):
            points = _clip_half(points, axis, bound, sign)
            if len(points) < 3:
                return None
    return points


def area(points: Floats) -> float:
    """The area a closed outline encloses (its units squared)."""
    x, y = points[:, 0], points[:, 1]
    return abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))) / 2


def _drawn_angles(points: Floats, pose: PicturePose) -> Floats:
    """The drawn outline's [pan, elevation] with each edge followed in small steps, closed (the
    first point again at the end), the pan unwrapped so that it never jumps a turn."""
    ends = picture_directions(points, pose)
    pieces = []
    for (start, end), (start_dir, end_dir) in zip(
        zip(points, np.roll(points, -1, axis=0), strict=True),
        zip(ends, np.roll(ends, -1, axis=0), strict=True),
        strict=True,
    ):
        degrees = math.degrees(math.acos(min(1.0, float(np.dot(start_dir, end_dir)))))
        steps = max(1, math.ceil(degrees / STEP_DEGREES))
        t = np.arange(steps, dtype=np.float64)[:, None] / steps
        pieces.append(start + (end - start) * t)
    picture = np.concatenate([*pieces, points[:1]])
    angles = direction_angles(picture_directions(picture, pose))
    angles[:, 0] = np.unwrap(angles[:, 0], period=360.0)
    return angles


def _around_pole(closed: Floats, pose: PicturePose) -> Floats:
    """The outline as a polygon of the (pan, elevation) plane: as it is, or, when it winds once
    round the pole it encloses, closed along that pole's edge of the map."""
    winding = closed[-1, 0] - closed[0, 0]
    if abs(winding) < 180:
        return closed[:-1]
    # Only a pole in front of the lens can be inside a drawing: below when it looks down.
    pole = -90.0 if pose.tilt < 0 else 90.0
    return np.concatenate([closed, [[closed[-1, 0], pole], [closed[0, 0], pole]]])


def _simplified(points: Floats) -> tuple[Floats, float]:
    """At most MAX_POINTS of the outline, with the smallest tolerance (degrees) that gives it."""
    contour = points.astype(np.float32)[:, None, :]
    tolerance, simple = 0.0, np.asarray(contour)
    while len(simple) > MAX_POINTS:
        tolerance = max(tolerance * 1.5, 1e-3)
        simple = np.asarray(cv2.approxPolyDP(contour, tolerance, True))
    return np.asarray(simple[:, 0, :], np.float64), tolerance


def _clip_half(points: Floats, axis: int, bound: float, sign: float) -> Floats:
    """The part of the outline where sign * (coordinate - bound) >= 0."""
    inside = sign * (points[:, axis] - bound) >= 0
    if inside.all():
        return points
    kept: list[Floats] = []
    for p, q, p_in, q_in in zip(
        points, np.roll(points, -1, axis=0), inside, np.roll(inside, -1), strict=True
    ):
        if p_in:
            kept.append(p)
        if p_in != q_in:
            t = (bound - p[axis]) / (q[axis] - p[axis])
            crossing = p + (q - p) * t
            crossing[axis] = bound
            kept.append(crossing)
    return np.array(kept).reshape(-1, 2)
