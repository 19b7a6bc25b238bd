"""Layout templates: the usual wall arrangements, free grids, and the crisis-room layout."""

from __future__ import annotations

from crisis.layouts import Layout, Tile, TileKind
from csu.errors import Invalid

Rect = tuple[int, int, int, int]  # x, y, w, h


def _cells(cols: int, rows: int, *, from_row: int = 0) -> list[Rect]:
    return [(x, y, 1, 1) for y in range(from_row, rows) for x in range(cols)]


# name -> (cols, rows, tiles): 1 large + 5 is a 3x3 with a 2x2 top left; 2 large + 8 a 4x4 with
# two 2x2 on the top half.
TEMPLATES: dict[str, tuple[int, int, list[Rect]]] = {
    "1": (1, 1, [(0, 0, 1, 1)]),
    "2x2": (2, 2, _cells(2, 2)),
    "3x3": (3, 3, _cells(3, 3)),
    "4x3": (4, 3, _cells(4, 3)),
    "1+5": (3, 3, [(0, 0, 2, 2), (2, 0, 1, 1), (2, 1, 1, 1), *_cells(3, 3, from_row=2)]),
    "2+8": (4, 4, [(0, 0, 2, 2), (2, 0, 2, 2), *_cells(4, 4, from_row=2)]),
}
GRID = "grid"
CRISIS = "crisis"
# The crisis panels, in the order they claim cells: down the last column, then leftwards along
# the bottom row; the other cells show the crisis's cameras.
CRISIS_PANELS = (TileKind.MAP, TileKind.TIMELINE, TileKind.CRISIS_LOG)


class UnknownTemplate(Invalid, ValueError):
    """No template of that name; the message lists the known ones."""


def template_names() -> list[str]:
    """Every template a layout can start from ('grid' is the wall's own grid)."""
    return [*TEMPLATES, GRID, CRISIS]


def grid_layout(cols: int, rows: int) -> Layout:
    """A free grid of 1x1 tiles, all free for the engine."""
    return Layout(cols=cols, rows=rows, template=GRID, tiles=_tiles(_cells(cols, rows)))


def template_layout(name: str, *, wall_cols: int, wall_rows: int) -> Layout:
    """An empty layout from a named template; 'grid' and 'crisis' take the wall's own grid."""
    if name == GRID:
        return grid_layout(wall_cols, wall_rows)
    if name == CRISIS:
        return crisis_layout(wall_cols, wall_rows)
    if name not in TEMPLATES:
        raise UnknownTemplate(
            f"unknown template '{name}'; known: {', '.join(template_names())}",
            key="errors.walls.unknown_template",
            template=name,
            known=list(template_names()),
        )
    cols, rows, rects = TEMPLATES[name]
    return Layout(cols=cols, rows=rows, template=name, tiles=_tiles(rects))


def crisis_layout(cols: int, rows: int) -> Layout:
    """The crisis room: map, incident timeline and crisis log beside the crisis's cameras.

    On a wall of fewer than four tiles only the crisis log joins the cameras, so at least one
    camera keeps a tile.
    """
    cells = [(cols - 1, y) for y in range(rows)] + [(x, rows - 1) for x in range(cols - 2, -1, -1)]
    panels: tuple[TileKind, ...] = CRISIS_PANELS if cols * rows >= 4 else (TileKind.CRISIS_LOG,)
    if cols * rows == 1:
        panels = ()
    placed = dict(zip(cells, panels, strict=False))
    tiles = [
        Tile(x=x, y=y, kind=placed.get((x, y), TileKind.EMPTY), auto=True)
        for y in range(rows)
        for x in range(cols)
    ]
    return Layout(cols=cols, rows=rows, template=CRISIS, tiles=tuple(tiles))


def _tiles(rects: list[Rect]) -> tuple[Tile, ...]:
    return tuple(Tile(x=x, y=y, w=w, h=h, auto=True) for x, y, w, h in rects)
