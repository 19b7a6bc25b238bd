"""Why a wall refuses a request: an unknown wall or salvo, or a layout with problems (each
named by tile, in English for logs and API clients and by catalogue text for pages)."""

from __future__ import annotations

from crisis.layouts import Layout, Tile
from crisis.validation import Problem, describe
from csu.errors import Forbidden, Invalid, NotFound


class UnknownWall(NotFound, LookupError):
    """No wall with that id in the site file."""


class SalvoNotFound(NotFound, LookupError):
    """No salvo of that name on the wall."""


class LayoutRejected(Invalid, ValueError):
    """The layout is refused; the wall keeps the one it had."""

    def __init__(self, problems: list[Problem]) -> None:
        words = [p.term() for p in problems]
        super().__init__(describe(problems), key="errors.wall.layout", problems=words)
        self.problems = problems


class LayoutForbidden(Forbidden, LayoutRejected):
    """A layout refused only for cameras the user may not view: a missing right, not bad input."""


def rejection(problems: list[Problem]) -> LayoutRejected:
    """The refusal of a layout with these problems."""
    if all(p.forbidden for p in problems):
        return LayoutForbidden(problems)
    return LayoutRejected(problems)


def tile_index(layout: Layout, x: int, y: int) -> int:
    """The index of the tile covering the cell; a refusal naming the cell when none does."""
    index = layout.tile_at(x, y)
    if index is None:
        grid = f"{layout.cols}x{layout.rows}"
        cell = Tile(x=max(x, 0), y=max(y, 0))
        words: dict[str, object] = {"grid": grid}
        raise rejection(
            [Problem(-1, cell, f"outside the {grid} grid", "errors.wall.off_grid", words)]
        )
    return index
