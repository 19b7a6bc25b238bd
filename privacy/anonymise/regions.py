"""Face regions between detections: pure functions over normalised boxes and time.

A detector runs a few times a second, frames come 25 times. Between two detections a face moves,
so each box is held and grown with the time elapsed since the frame it was found on; a face the
detector misses for a few cycles (turned head, motion blur) stays masked, its box still growing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Region:
    """A box in normalised image coordinates (0..1, x to the right, y down)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        """Width as a fraction of the image width."""
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        """Height as a fraction of the image height."""
        return self.y1 - self.y0

    @property
    def centre(self) -> tuple[float, float]:
        """The box centre."""
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2

    def contains(self, x: float, y: float) -> bool:
        """Whether the point lies inside the box (edges included)."""
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    def grown(self, factor: float) -> Region:
        """The box grown on every side by `factor` times its own width and height, clipped."""
        dx, dy = self.width * factor, self.height * factor
        return Region(
            max(0.0, self.x0 - dx),
            max(0.0, self.y0 - dy),
            min(1.0, self.x1 + dx),
            min(1.0, self.y1 + dy),
        )

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The box in pixels of a width x height image, rounded outwards and clipped."""
        # Rounding outwards: a box that covers a face in normalised units must not lose the
        # face's edge pixels to rounding.
        return (
            max(0, math.floor(self.x0 * width)),
            max(0, math.floor(self.y0 * height)),
            min(width, math.ceil(self.x1 * width)),
            min(height, math.ceil(self.y1 * height)),
        )


@dataclass(frozen=True)
class Detection:
    """One object a detector found: where, and how sure it is (0..1)."""

    region: Region
    score: float


@dataclass(frozen=True)
class HeldRegion:
    """A detected box kept between detections: when it was last seen, how many cycles missed."""

    region: Region
    seen_at: float
    misses: int = 0


@dataclass(frozen=True)
class HoldRule:
    """How boxes are grown and held between detections."""

    # Fixed margin on every side, in box sizes: hair, ears and the detector's box jitter.
    margin: float = 0.25
    # Extra margin per second since the box was seen, in box sizes: a face moves between
    # detections, and faster in pixels the closer (larger) it is, so growth scales with the box.
    growth_per_s: float = 3.0
    # Detection cycles a face stays masked after the detector last found it.
    hold_cycles: int = 3
    # None: a found box whose centre lies in a held box's area is that box seen again (faces
    # rarely overlap). A number: only a found box overlapping the held one at least this much
    # (intersection over union) is; people in a crowd overlap, and a neighbour's box must not
    # release the held box of someone the detector has just lost behind a post.
    match_iou: float | None = None


def iou(a: Region, b: Region) -> float:
    """Intersection over union of two boxes (0 when they do not overlap)."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / (a.width * a.height + b.width * b.height - inter)


def region_at(held: HeldRegion, at: float, rule: HoldRule, *, backwards: bool = False) -> Region:
    """The area a held box must mask at time `at` (monotonic seconds).

    With `backwards`, a frame taken before the box was seen (one held back until a later
    detection, as the public rendition does) gets it grown by the time to then as well: the
    object was there a moment before. Without, such a frame gets the box as seen.
    """
    elapsed = at - held.seen_at
    elapsed = abs(elapsed) if backwards else max(0.0, elapsed)
    return held.region.grown(rule.margin + rule.growth_per_s * elapsed)


def regions_at(
    held: Iterable[HeldRegion], at: float, rule: HoldRule, *, backwards: bool = False
) -> list[Region]:
    """Every area to mask on a frame taken at time `at`."""
    return [region_at(h, at, rule, backwards=backwards) for h in held]


def after_detection(
    held: Sequence[HeldRegion], found: Sequence[Region], at: float, rule: HoldRule
) -> tuple[HeldRegion, ...]:
    """The held boxes once a detection on the frame taken at `at` has found `found`.

    Found boxes are held afresh. A held box whose grown area contains a found box's centre (or,
    with `rule.match_iou`, that a found box overlaps enough) is the same object seen again and is
    replaced; any other held box counts a miss and is dropped after
    `rule.hold_cycles` misses in a row.
    """
    fresh = [HeldRegion(region, at) for region in found]
    centres = [region.centre for region in found]
    kept: list[HeldRegion] = []
    for old in held:
        if rule.match_iou is not None:
            if any(iou(old.region, region) >= rule.match_iou for region in found):
                continue
        elif any(region_at(old, at, rule).contains(x, y) for x, y in centres):
            continue
        if old.misses < rule.hold_cycles:
            kept.append(replace(old, misses=old.misses + 1))
    return (*fresh, *kept)
