"""Small-scale geodesy for a city: distances and bearings between WGS84 points."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class LonLat:
    """A WGS84 position, GeoJSON order."""

    lon: float
    lat: float


def distance_m(a: LonLat, b: LonLat) -> float:
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlmb = math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


# A degree of latitude is at least this long anywhere on Earth (the meridian's shortest).
_MIN_M_PER_DEG_LAT = 110_574.0


def within_m(a: LonLat, b: LonLat, limit_m: float) -> bool:
    """True when a and b are at most `limit_m` apart.

    The latitude gap alone rules most far pairs out without trigonometry: correlation asks this
    for every open incident an alarm might join.
    """
    if abs(a.lat - b.lat) * _MIN_M_PER_DEG_LAT > limit_m:
        return False
    return distance_m(a, b) <= limit_m


def bearing_deg(a: LonLat, b: LonLat) -> float:
    """Initial bearing from a to b, degrees clockwise from north in [0, 360)."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dlmb = math.radians(b.lon - a.lon)
    y = math.sin(dlmb) * math.cos(phi2)
    x = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dlmb)
    return math.degrees(math.atan2(y, x)) % 360.0


def angle_between(a_deg: float, b_deg: float) -> float:
    """Smallest absolute difference between two bearings, in [0, 180]."""
    diff = abs(a_deg - b_deg) % 360.0
    return 360.0 - diff if diff > 180.0 else diff


def centroid(points: list[LonLat]) -> LonLat:
    """The mean position of a few nearby points (a city-sized polygon's centre)."""
    if not points:
        raise ValueError("centroid of no points")
    return LonLat(
        lon=sum(p.lon for p in points) / len(points), lat=sum(p.lat for p in points) / len(points)
    )
