"""Camera coverage geometry against hand-checked positions in Angers."""

from __future__ import annotations

import math

import pytest

from incidents.coverage import CameraCone, covering_cameras, sees
from incidents.geo import LonLat, angle_between, bearing_deg, distance_m

RALLIEMENT = LonLat(lon=-0.5536, lat=47.4712)
M_PER_DEG_LAT = 111_195.0


def north_of(p: LonLat, metres: float) -> LonLat:
    """A point `metres` due north."""
    return LonLat(p.lon, p.lat + metres / M_PER_DEG_LAT)


def east_of(p: LonLat, metres: float) -> LonLat:
    """A point `metres` due east."""
    return LonLat(p.lon + metres / (M_PER_DEG_LAT * math.cos(math.radians(p.lat))), p.lat)


def test_distance_and_bearing_on_the_cardinal_points() -> None:
    """100 m north is 100 m at bearing 0; 100 m east is bearing 90."""
    assert distance_m(RALLIEMENT, north_of(RALLIEMENT, 100)) == pytest.approx(100, rel=1e-3)
    assert bearing_deg(RALLIEMENT, north_of(RALLIEMENT, 100)) == pytest.approx(0, abs=0.01)
    assert bearing_deg(RALLIEMENT, east_of(RALLIEMENT, 100)) == pytest.approx(90, abs=0.05)
    assert angle_between(350, 10) == pytest.approx(20)
    assert angle_between(90, 270) == pytest.approx(180)


CAM_NORTH = CameraCone("cam-n", RALLIEMENT, bearing_deg=0, fov_deg=60, range_m=80)


@pytest.mark.parametrize(
    ("point", "seen"),
    [
        (north_of(RALLIEMENT, 50), True),  # straight ahead, in range
        (north_of(RALLIEMENT, 90), False),  # straight ahead, beyond range
        (east_of(north_of(RALLIEMENT, 50), 25), True),  # ~26.6 deg off axis, inside 30
        (east_of(north_of(RALLIEMENT, 50), 35), False),  # ~35 deg off axis, outside 30
        (east_of(RALLIEMENT, 40), False),  # beside the camera
        (north_of(RALLIEMENT, -40), False),  # behind it
        (east_of(RALLIEMENT, 1), True),  # at its foot
    ],
)
def test_a_camera_sees_only_its_cone(point: LonLat, seen: bool) -> None:
    """Range and field of view both limit what a camera sees."""
    assert (sees(CAM_NORTH, point) is not None) is seen


def test_a_cone_across_north_wraps_around() -> None:
    """A camera facing 350 deg sees a point at bearing 10 deg with a 40 deg field of view."""
    cam = CameraCone("cam-w", RALLIEMENT, bearing_deg=350, fov_deg=40, range_m=100)
    target = east_of(north_of(RALLIEMENT, 50), 8.8)  # bearing ~10 deg
    assert sees(cam, target) is not None


def test_covering_cameras_are_nearest_first() -> None:
    """Every camera that sees the point, sorted by distance."""
    point = north_of(RALLIEMENT, 40)
    far = CameraCone("cam-far", north_of(RALLIEMENT, -30), 0, 60, 100)
    near = CameraCone("cam-near", north_of(RALLIEMENT, 20), 0, 60, 100)
    blind = CameraCone("cam-blind", RALLIEMENT, 180, 60, 100)
    found = covering_cameras([far, blind, near], point)
    assert [s.camera_id for s in found] == ["cam-near", "cam-far"]
    assert found[0].distance_m == pytest.approx(20, rel=1e-2)
