"""What a change of privacy zones does to the masked area: pure, computed on the masks.

Both sets are rasterised by the masks' own rasteriser (privacy.masking.zone_mask) on a fixed
square grid, so "still covered" means what the burned-in mask means, whatever the polygons'
order, overlaps or splits. Zones are in normalised image coordinates, and covering is preserved
by stretching the picture, so a square grid serves every frame size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from privacy.masking import Polygon, zone_mask

GRID = 1000


@dataclass(frozen=True)
class CoverageChange:
    """The share of the picture a change unmasks and masks anew (0..1 each)."""

    unmasked: float
    masked: float

    @property
    def removes_coverage(self) -> bool:
        """True when some part of the picture masked now would be seen after the change."""
        return self.unmasked > 0


def coverage_change(
    before: Sequence[Polygon], after: Sequence[Polygon], grid: int = GRID
) -> CoverageChange:
    """Compare the masked areas of two zone sets on a grid x grid raster."""
    empty = np.zeros((grid, grid), np.uint8)
    old = zone_mask(before, grid, grid)
    new = zone_mask(after, grid, grid)
    old_on = (old if old is not None else empty) > 0
    new_on = (new if new is not None else empty) > 0
    cells = float(grid * grid)
    return CoverageChange(
        unmasked=float(np.count_nonzero(old_on & ~new_on)) / cells,
        masked=float(np.count_nonzero(new_on & ~old_on)) / cells,
    )


def describe(
    before: Sequence[Polygon],
    after: Sequence[Polygon],
    change: CoverageChange,
    whole: str = "the picture",
) -> str:
    """The change in words, for whoever confirms it without seeing the camera (`whole`: what the
    zones are drawn on)."""
    words = f"{_zones(len(before))} now, {_zones(len(after))} after the change"
    if change.removes_coverage:
        words += f"; {_percent(change.unmasked)} of {whole} would no longer be masked"
    if change.masked:
        words += f"; {_percent(change.masked)} newly masked"
    return words


def _zones(count: int) -> str:
    return f"{count} zone" if count == 1 else f"{count} zones"


def _percent(share: float) -> str:
    # Never print "0.0 %" for a real but tiny unmasked sliver: it is what the confirmer must see.
    return "under 0.1 %" if 0 < share < 0.001 else f"{share:.1%}".replace("%", " %")
