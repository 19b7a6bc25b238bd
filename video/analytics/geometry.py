"""Plain geometry over normalised image coordinates (0..1, y downwards): boxes, zones, lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[float, float]


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in normalised image coordinates."""

    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def feet(self) -> Point:
        """The middle of the bottom edge: where a standing person touches the ground."""
        return ((self.x1 + self.x2) / 2, self.y2)

    @property
    def centre(self) -> Point:
        """The middle of the box."""
        return ((self.x1 + self.x2) / 2, (self.y1 + self.y2) / 2)

    @property
    def area(self) -> float:
        """The box's share of the image."""
        return max(0.0, self.x2 - self.x1) * max(0.0, self.y2 - self.y1)

    def as_list(self, digits: int = 4) -> list[float]:
        """[x1, y1, x2, y2], rounded for messages and JSON."""
        return [round(v, digits) for v in (self.x1, self.y1, self.x2, self.y2)]


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    w = min(a.x2, b.x2) - max(a.x1, b.x1)
    h = min(a.y2, b.y2) - max(a.y1, b.y1)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / (a.area + b.area - inter)


def inside(point: Point, polygon: Sequence[Point]) -> bool:
    """Whether the point lies inside the polygon (even-odd rule)."""
    # A box cut by the image's edge ends exactly on it: a zone drawn to that edge must hold it.
    x, y = (min(max(v, 1e-9), 1 - 1e-9) for v in point)
    result = False
    for (x0, y0), (x1, y1) in zip(polygon, [*polygon[1:], polygon[0]], strict=True):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            result = not result
    return result


def bounds(polygon: Sequence[Point]) -> Box:
    """The polygon's bounding box."""
    xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
    return Box(min(xs), min(ys), max(xs), max(ys))


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def crosses(start: Point, end: Point, line: tuple[Point, Point]) -> bool:
    """Whether the move from `start` to `end` goes through the line segment."""
    p, q = line
    d1, d2 = _cross(p, q, start), _cross(p, q, end)
    d3, d4 = _cross(start, end, p), _cross(start, end, q)
    # Touching the line is not crossing it: the next move decides (it ends strictly on a side).
    return d1 * d2 < 0 and d3 * d4 <= 0


def side(point: Point, line: tuple[Point, Point]) -> float:
    """Positive on one side of the line, negative on the other (the sign of a cross product)."""
    return _cross(line[0], line[1], point)
