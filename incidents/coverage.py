"""Which cameras see a place: pure geometry over position, bearing, field of view and range."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from incidents.geo import LonLat, angle_between, bearing_deg, distance_m

# Closer than this, a point is seen whatever the bearing (it is at the camera's foot).
NEAR_FIELD_M = 3.0


@dataclass(frozen=True)
class CameraCone:
    """A camera's view on the map."""

    camera_id: str
    position: LonLat
    bearing_deg: float
    fov_deg: float
    range_m: float


@dataclass(frozen=True)
class Sighting:
    """A camera that sees the point, and how far away it is."""

    camera_id: str
    distance_m: float


def sees(camera: CameraCone, point: LonLat) -> Sighting | None:
    """The sighting when the point lies within the camera's range and field of view."""
    distance = distance_m(camera.position, point)
    if distance > camera.range_m:
        return None
    if distance > NEAR_FIELD_M and camera.fov_deg < 360.0:
        off_axis = angle_between(bearing_deg(camera.position, point), camera.bearing_deg)
        if off_axis > camera.fov_deg / 2:
            return None
    return Sighting(camera.camera_id, distance)


def covering_cameras(cameras: Iterable[CameraCone], point: LonLat) -> list[Sighting]:
    """Every camera that sees the point, nearest first (ties by id, for stable walls)."""
    found = [s for c in cameras if (s := sees(c, point)) is not None]
    return sorted(found, key=lambda s: (s.distance_m, s.camera_id))
