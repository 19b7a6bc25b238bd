"""Privacy zones drawn on a PTZ camera's pan/tilt map, projected onto the picture it shows now.

A pinhole camera turned by pan (about the vertical) then tilt (elevation): a direction at pan a
and elevation e is (cos e sin a, sin e, cos e cos a) with x right, y up, z ahead at pan 0, tilt 0.
A zone's edges are followed in small angle steps (straight lines on the map are curves in the
picture), cut where they pass behind the camera, projected, and filled. What is uncertain about
the view (a camera moving, zooming, or a picture that lags its reported position) is covered by
filling the zone at both ends of the field-of-view range and growing it by the angular margin
at the scale of the narrowest field of view: a pixel is never left visible for want of a guess.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from csu.config.ptz_view import PtzViewConfig

Polygon = Sequence[Sequence[float]]
Mask = NDArray[np.uint8]
Floats = NDArray[np.float64]

STEP_DEGREES = 0.25  # the longest edge piece followed as a straight line in the picture
_NEAR = 1e-3  # the clipping plane, just ahead of the lens (cosine of an angle near 90 degrees)
_FAR_PX = 1 << 20  # projected points are clamped here: fillPoly takes 32-bit coordinates


@dataclass(frozen=True)
class ViewPose:
    """Where the picture may be looking: a pan and tilt (degrees), the horizontal field of view
    somewhere between `fov_low` and `fov_high` (degrees), give or take `margin` degrees."""

    pan: float
    tilt: float
    fov_low: float
    fov_high: float
    margin: float


def map_to_angles(polygon: Polygon, view: PtzViewConfig) -> Floats:
    """A zone's [x, y] points on the pan/tilt map (0..1) as [pan, elevation] degrees."""
    points = np.asarray(polygon, np.float64).reshape(-1, 2)
    (pan_low, pan_high), (tilt_low, tilt_high) = view.pan_degrees, view.tilt_degrees
    pan = pan_low + points[:, 0] * (pan_high - pan_low)
    tilt = tilt_high - points[:, 1] * (tilt_high - tilt_low)
    return np.stack([pan, tilt], axis=1)


def angles_to_map(angles: Floats, view: PtzViewConfig) -> Floats:
    """[pan, elevation] degrees as [x, y] on the pan/tilt map (the inverse of map_to_angles)."""
    (pan_low, pan_high), (tilt_low, tilt_high) = view.pan_degrees, view.tilt_degrees
    x = (angles[:, 0] - pan_low) / (pan_high - pan_low)
    y = (tilt_high - angles[:, 1]) / (tilt_high - tilt_low)
    return np.stack([x, y], axis=1)


def directions(angles: Floats) -> Floats:
    """Unit vectors of [pan, elevation] degrees."""
    a, e = np.radians(angles[:, 0]), np.radians(angles[:, 1])
    return np.stack([np.cos(e) * np.sin(a), np.sin(e), np.cos(e) * np.cos(a)], axis=1)


def camera_axes(pan: float, tilt: float) -> Floats:
    """The camera's right, up and forward unit vectors (rows) at a pan and tilt in degrees."""
    p, t = math.radians(pan), math.radians(tilt)
    right = [math.cos(p), 0.0, -math.sin(p)]
    up = [-math.sin(t) * math.sin(p), math.cos(t), -math.sin(t) * math.cos(p)]
    forward = [math.cos(t) * math.sin(p), math.sin(t), math.cos(t) * math.cos(p)]
    return np.array([right, up, forward], np.float64)


def focal_px(fov: float, width: int) -> float:
    """The focal length in pixels of a picture `width` wide with this horizontal field of view."""
    return (width / 2) / math.tan(math.radians(fov) / 2)


def zone_mask_at(
    polygons: Sequence[Polygon], view: PtzViewConfig, pose: ViewPose, width: int, height: int
) -> Mask | None:
    """A single-channel mask (255 inside) of the map's zones seen from `pose`; None if none."""
    if not polygons:
        return None
    grow = _margin_px(pose, width)
    if grow >= max(width, height):
        return np.full((height, width), 255, np.uint8)
    # A wide margin is drawn on a picture `k` times smaller and enlarged: a dilation's cost
    # grows with its size, and the zones' edges need no finer grain than the margin's.
    k = max(1, grow // 4)
    small = _drawn(polygons, view, pose, (width, height), k)
    reach = -(-grow // k) + (1 if k > 1 else 0)  # one pixel more for the enlargement's grain
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * reach + 1, 2 * reach + 1))
    small = np.asarray(cv2.dilate(small, kernel), np.uint8)
    if k == 1:
        return small
    large = cv2.resize(
        small, (small.shape[1] * k, small.shape[0] * k), interpolation=cv2.INTER_NEAREST
    )
    return np.ascontiguousarray(large[:height, :width])


def _drawn(
    polygons: Sequence[Polygon], view: PtzViewConfig, pose: ViewPose, size: tuple[int, int], k: int
) -> Mask:
    """The zones filled (not grown) on the frame shrunk k times (pixel x there: k * x here)."""
    width, height = size
    mask = np.zeros((-(-height // k), -(-width // k)), np.uint8)
    axes = camera_axes(pose.pan, pose.tilt)
    centre = np.array([width / 2, height / 2]) / k
    focals = sorted({focal_px(pose.fov_low, width) / k, focal_px(pose.fov_high, width) / k})
    for polygon in polygons:
        plane = on_image_plane(followed(map_to_angles(polygon, view)), axes)
        if plane is None:
            continue
        for focal in focals:  # one at a time: fillPoly leaves the overlap of several unfilled
            cv2.fillPoly(mask, [_pixels(centre + focal * plane)], 255)
        if len(focals) == 2:
            _fill_zoom_sweep(mask, centre, plane, focals)
    return mask


def _margin_px(pose: ViewPose, width: int) -> int:
    # Pixels per degree are most at the edge of the narrowest view: f * sec^2(fov / 2).
    half = math.radians(min(pose.fov_low, pose.fov_high)) / 2
    per_degree = focal_px(min(pose.fov_low, pose.fov_high), width) / math.cos(half) ** 2
    # Two pixels more than the margin, for the rounding of the outlines and of the sweep.
    return math.ceil(pose.margin * math.pi / 180 * per_degree) + 2


def followed(angles: Floats) -> Floats:
    """The polygon's closed outline with each edge cut into pieces of at most STEP_DEGREES."""
    pieces = []
    for start, end in zip(angles, np.roll(angles, -1, axis=0), strict=True):
        steps = max(1, math.ceil(float(np.max(np.abs(end - start))) / STEP_DEGREES))
        t = np.arange(steps, dtype=np.float64)[:, None] / steps
        pieces.append(start + (end - start) * t)
    return np.concatenate(pieces)


def on_image_plane(angles: Floats, axes: Floats) -> Floats | None:
    """The outline on the image plane at focal length 1 (x right, y down), cut at the lens."""
    camera = _clipped(directions(angles) @ axes.T)
    if camera is None:
        return None
    return np.stack([camera[:, 0] / camera[:, 2], -camera[:, 1] / camera[:, 2]], axis=1)


def _pixels(points: Floats) -> NDArray[np.int32]:
    return np.round(np.clip(points, -_FAR_PX, _FAR_PX)).astype(np.int32)


def _fill_zoom_sweep(mask: Mask, centre: Floats, plane: Floats, focals: list[float]) -> None:
    """Fill what the outline crosses while zooming between two focal lengths: a point of the
    zone seen at a focal length in between is in the zone at either end or on a swept edge."""
    # Each edge sweeps a trapezoid (its two ends slide along rays from the centre): convex.
    near, far = _pixels(centre + focals[0] * plane), _pixels(centre + focals[1] * plane)
    quads = np.stack([near, np.roll(near, -1, axis=0), np.roll(far, -1, axis=0), far], axis=1)
    for quad in quads:
        cv2.fillConvexPoly(mask, quad, 255)


def _clipped(points: Floats) -> Floats | None:
    """The closed outline cut by the plane just ahead of the lens (Sutherland-Hodgman)."""
    ahead = points[:, 2] > _NEAR
    if ahead.all():
        return points
    if not ahead.any():
        return None
    kept: list[Floats] = []
    for (p, p_ahead), (q, q_ahead) in zip(
        zip(points, ahead, strict=True),
        zip(np.roll(points, -1, axis=0), np.roll(ahead, -1), strict=True),
        strict=True,
    ):
        if p_ahead:
            kept.append(p)
        if p_ahead != q_ahead:
            t = (_NEAR - p[2]) / (q[2] - p[2])
            kept.append(p + (q - p) * t)
    return np.array(kept) if len(kept) >= 3 else None
