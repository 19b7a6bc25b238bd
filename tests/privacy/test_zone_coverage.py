"""What a privacy-zone change does to the masked area, computed on the masks themselves."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.zones.coverage import CoverageChange, coverage_change, describe

Zone = list[list[float]]


def rect(x0: float, y0: float, x1: float, y1: float) -> Zone:
    """An axis-aligned rectangle as a zone."""
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


HOUSE = rect(0.1, 0.1, 0.5, 0.5)
SHOP = rect(0.6, 0.6, 0.9, 0.9)

points = st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)).map(list), min_size=3, max_size=12)
zone_sets = st.lists(points, min_size=0, max_size=6)


def test_the_same_zones_change_nothing() -> None:
    """Identical, reordered or repeated zones mask the same area."""
    assert coverage_change([HOUSE, SHOP], [HOUSE, SHOP]) == CoverageChange(0.0, 0.0)
    assert coverage_change([HOUSE, SHOP], [SHOP, HOUSE, SHOP]) == CoverageChange(0.0, 0.0)
    assert coverage_change([], []) == CoverageChange(0.0, 0.0)


def test_adding_or_enlarging_keeps_every_old_zone_covered() -> None:
    """A new zone, or a zone grown on every side, only adds masked area."""
    added = coverage_change([HOUSE], [HOUSE, SHOP])
    assert not added.removes_coverage and abs(added.masked - 0.09) < 0.002
    grown = coverage_change([HOUSE], [rect(0.05, 0.05, 0.55, 0.6)])
    assert not grown.removes_coverage and grown.masked > 0.05
    assert not coverage_change([], [HOUSE]).removes_coverage


def test_the_same_area_drawn_another_way_is_still_covered() -> None:
    """A zone split into halves or triangles, or halves merged into one, masks the same pixels."""
    halves = [rect(0.1, 0.1, 0.3, 0.5), rect(0.3, 0.1, 0.5, 0.5)]
    triangles = [[[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]], [[0.1, 0.1], [0.5, 0.5], [0.1, 0.5]]]
    assert coverage_change([HOUSE], halves) == CoverageChange(0.0, 0.0)
    assert coverage_change(halves, [HOUSE]) == CoverageChange(0.0, 0.0)
    assert not coverage_change([HOUSE], triangles).removes_coverage


def test_removing_shrinking_or_moving_a_zone_unmasks_part_of_the_picture() -> None:
    """Each of these shows something that was masked: it needs a second person."""
    removed = coverage_change([HOUSE, SHOP], [HOUSE])
    assert removed.removes_coverage and abs(removed.unmasked - 0.09) < 0.002
    everything = coverage_change([HOUSE, SHOP], [])
    # The masks grow by one pixel at their edges, as burned in: a little more than 25 %.
    assert 0.25 < everything.unmasked < 0.256 and everything.masked == 0
    # One pixel of the grid off one edge is enough: many small shrinks must not add up unseen.
    shrunk = coverage_change([HOUSE], [rect(0.1, 0.1, 0.498, 0.5)])
    assert shrunk.removes_coverage
    moved = coverage_change([HOUSE], [rect(0.2, 0.1, 0.6, 0.5)])
    assert moved.removes_coverage and moved.masked > 0


@settings(max_examples=60, deadline=None)
@given(before=zone_sets, extra=zone_sets)
def test_adding_zones_never_unmasks_anything(before: list[Zone], extra: list[Zone]) -> None:
    """Whatever the polygons (overlapping, self-crossing, degenerate), adding keeps coverage."""
    assert not coverage_change(before, before + extra).removes_coverage


@settings(max_examples=60, deadline=None)
@given(before=zone_sets, after=zone_sets)
def test_unmasked_and_masked_are_the_two_sides_of_one_difference(
    before: list[Zone], after: list[Zone]
) -> None:
    """Going back undoes the change: what one way unmasks, the other masks."""
    forth, back = coverage_change(before, after), coverage_change(after, before)
    assert (forth.unmasked, forth.masked) == (back.masked, back.unmasked)
    assert 0 <= forth.unmasked <= 1 and 0 <= forth.masked <= 1


def test_the_change_in_words() -> None:
    """What the privacy officer reads instead of seeing the camera."""
    assert describe([HOUSE, SHOP], [HOUSE], coverage_change([HOUSE, SHOP], [HOUSE])) == (
        "2 zones now, 1 zone after the change; 9.2 % of the picture would no longer be masked"
    )
    assert describe([HOUSE], [HOUSE, SHOP], coverage_change([HOUSE], [HOUSE, SHOP])) == (
        "1 zone now, 2 zones after the change; 9.2 % newly masked"
    )
    sliver = CoverageChange(unmasked=0.00002, masked=0.0)
    assert describe([HOUSE], [HOUSE], sliver).endswith(
        "under 0.1 % of the picture would no longer be masked"
    )
