"""Face regions between detections: growth with elapsed time, holding through misses."""

from __future__ import annotations

import pytest

from privacy.anonymise import HeldRegion, HoldRule, Region, after_detection, region_at, regions_at

FACE = Region(0.4, 0.4, 0.5, 0.6)  # 0.1 wide, 0.2 high
RULE = HoldRule(margin=0.25, growth_per_s=2.0, hold_cycles=2)


def box(region: Region) -> tuple[float, float, float, float]:
    """A region's corners as a tuple, for approximate comparison."""
    return region.x0, region.y0, region.x1, region.y1


def test_a_held_box_grows_in_proportion_to_its_size_and_the_time_elapsed() -> None:
    """At seen time only the margin; each second adds growth_per_s box sizes on every side."""
    held = HeldRegion(FACE, seen_at=10.0)
    assert box(region_at(held, 10.0, RULE)) == pytest.approx((0.375, 0.35, 0.525, 0.65))
    # 0.5 s later: 0.25 + 2.0 * 0.5 = 1.25 box sizes on each side.
    assert box(region_at(held, 10.5, RULE)) == pytest.approx((0.275, 0.15, 0.625, 0.85))
    # A frame older than the detection (never expected) does not shrink the box below the margin.
    assert region_at(held, 9.0, RULE) == region_at(held, 10.0, RULE)


def test_growth_is_clipped_to_the_image() -> None:
    """A box near the border grows into the picture, never past it."""
    corner = HeldRegion(Region(0.0, 0.9, 0.1, 1.0), seen_at=0.0)
    grown = region_at(corner, 1.0, RULE)
    assert (grown.x0, grown.y1) == (0.0, 1.0)
    assert grown.x1 == pytest.approx(0.325)
    assert grown.y0 == pytest.approx(0.675)


def test_a_moving_face_stays_inside_the_grown_box_until_the_next_detection() -> None:
    """A face moving 1.5 box widths a second is inside a box growing 2 widths a second."""
    held = HeldRegion(FACE, seen_at=0.0)
    for step in range(1, 11):
        t = step * 0.03
        moved = Region(FACE.x0 + 0.15 * t, FACE.y0, FACE.x1 + 0.15 * t, FACE.y1)
        area = region_at(held, t, RULE)
        assert area.x0 <= moved.x0 and moved.x1 <= area.x1
        assert area.y0 <= moved.y0 and moved.y1 <= area.y1


def test_a_face_seen_again_replaces_its_held_box() -> None:
    """A detection whose centre lies in a held box's grown area is the same face: one box."""
    held = (HeldRegion(FACE, seen_at=0.0, misses=1),)
    moved = Region(0.47, 0.42, 0.57, 0.62)
    after = after_detection(held, [moved], 0.2, RULE)
    assert after == (HeldRegion(moved, seen_at=0.2, misses=0),)


def test_a_missed_face_is_held_for_hold_cycles_detections_then_dropped() -> None:
    """Missed once, twice: still held (and still growing from when it was seen); third: gone."""
    held: tuple[HeldRegion, ...] = (HeldRegion(FACE, seen_at=0.0),)
    held = after_detection(held, [], 0.2, RULE)
    assert held == (HeldRegion(FACE, seen_at=0.0, misses=1),)
    held = after_detection(held, [], 0.4, RULE)
    assert held == (HeldRegion(FACE, seen_at=0.0, misses=2),)
    assert regions_at(held, 0.4, RULE) == [region_at(HeldRegion(FACE, 0.0), 0.4, RULE)]
    assert after_detection(held, [], 0.6, RULE) == ()


def test_new_faces_are_added_and_unrelated_held_boxes_kept() -> None:
    """A face elsewhere does not count as seeing the held one: both are masked."""
    other = Region(0.05, 0.05, 0.1, 0.15)
    after = after_detection((HeldRegion(FACE, seen_at=0.0),), [other], 0.2, RULE)
    assert after == (HeldRegion(other, 0.2), HeldRegion(FACE, 0.0, misses=1))


def test_hold_cycles_zero_drops_a_face_at_its_first_miss() -> None:
    """With no hold, only the faces of the latest detection are masked."""
    rule = HoldRule(hold_cycles=0)
    assert after_detection((HeldRegion(FACE, 0.0),), [], 0.2, rule) == ()


def test_pixel_boxes_round_outwards() -> None:
    """A normalised box covers every pixel it touches, within the image."""
    assert Region(0.101, 0.199, 0.349, 0.5).pixels(100, 10) == (10, 1, 35, 5)
    assert Region(0.0, 0.0, 1.0, 1.0).pixels(640, 360) == (0, 0, 640, 360)
