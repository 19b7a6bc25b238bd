"""Templates cover their grid exactly; the checks name each bad tile and why."""

from __future__ import annotations

import pytest

from crisis.layouts import Layout, Tile, TileKind, normalise
from crisis.templates import (
    TEMPLATES,
    UnknownTemplate,
    crisis_layout,
    template_layout,
    template_names,
)
from crisis.validation import describe, layout_problems

EXPECTED_TILES = {"1": 1, "2x2": 4, "3x3": 9, "4x3": 12, "1+5": 6, "2+8": 10}


def covered_once(layout: Layout) -> bool:
    cells = [cell for tile in layout.tiles for cell in tile.cells()]
    grid = {(x, y) for x in range(layout.cols) for y in range(layout.rows)}
    return len(cells) == len(set(cells)) and set(cells) == grid


@pytest.mark.parametrize("name", [*TEMPLATES, "grid", "crisis"])
def test_every_template_tiles_its_grid_exactly(name: str) -> None:
    """No overlap, no hole, nothing outside the grid."""
    layout = template_layout(name, wall_cols=4, wall_rows=3)
    assert covered_once(layout)
    assert layout_problems(layout, known_cameras=set(), may_view=lambda _c: True) == []
    if name in EXPECTED_TILES:
        assert len(layout.tiles) == EXPECTED_TILES[name]


def test_large_tiles_of_the_mixed_templates() -> None:
    """1 large + 5 and 2 large + 8 have their 2x2 tiles first."""
    one = template_layout("1+5", wall_cols=1, wall_rows=1)
    assert (one.tiles[0].w, one.tiles[0].h) == (2, 2)
    two = template_layout("2+8", wall_cols=1, wall_rows=1)
    assert [(t.x, t.w) for t in two.tiles[:2]] == [(0, 2), (2, 2)]


def test_unknown_template_lists_the_known_ones() -> None:
    """A wrong name says which names exist."""
    with pytest.raises(UnknownTemplate, match="2x2"):
        template_layout("5x5", wall_cols=2, wall_rows=2)
    assert "1+5" in template_names()


@pytest.mark.parametrize(("cols", "rows"), [(1, 1), (2, 1), (3, 2), (4, 3), (8, 8)])
def test_crisis_layout_keeps_a_camera_tile(cols: int, rows: int) -> None:
    """The crisis layout shows its panels and still leaves cameras room."""
    layout = crisis_layout(cols, rows)
    kinds = [t.kind for t in layout.tiles]
    assert covered_once(layout)
    assert TileKind.EMPTY in kinds
    if cols * rows >= 4:
        assert {TileKind.MAP, TileKind.TIMELINE, TileKind.CRISIS_LOG} <= set(kinds)


def test_problems_name_the_tile_and_the_reason() -> None:
    """Outside the grid, overlapping, unknown camera, forbidden camera: one problem each."""
    layout = Layout(
        cols=2,
        rows=2,
        tiles=(
            Tile(x=0, y=0, kind=TileKind.CAMERA, camera_id="cam-a"),
            Tile(x=1, y=1, w=2, kind=TileKind.CAMERA, camera_id="cam-b"),
            Tile(x=0, y=0, kind=TileKind.MAP),
            Tile(x=0, y=1, kind=TileKind.CAMERA, camera_id="cam-ghost"),
            Tile(x=1, y=0, kind=TileKind.CAMERA, camera_id="cam-secret"),
        ),
    )
    problems = layout_problems(
        layout, known_cameras={"cam-a", "cam-b", "cam-secret"}, may_view=lambda c: c != "cam-secret"
    )
    text = describe(problems)
    assert "tile 1 at (1,1): a 2x1 tile there lies outside the 2x2 grid" in text
    assert "tile 2 at (0,0): overlaps tile 0" in text
    assert "tile 3 at (0,1): unknown camera 'cam-ghost'" in text
    assert "tile 4 at (1,0): you may not view camera 'cam-secret'" in text
    assert [p.forbidden for p in problems] == [False, False, False, True]


def test_auto_tiles_are_not_the_operators_choice() -> None:
    """A camera the engine placed is not held against the operator who sends the layout back."""
    tile = Tile(x=0, y=0, kind=TileKind.CAMERA, camera_id="cam-secret", auto=True)
    layout = Layout(cols=1, rows=1, tiles=(tile,))
    assert layout_problems(layout, known_cameras={"cam-secret"}, may_view=lambda _c: False) == []
    pinned = layout.model_copy(update={"tiles": (tile.model_copy(update={"pinned": True}),)})
    assert layout_problems(pinned, known_cameras={"cam-secret"}, may_view=lambda _c: False)


def test_normalise_fills_holes_with_free_tiles() -> None:
    """Cells no tile covers get empty tiles, in reading order."""
    layout = normalise(Layout(cols=2, rows=2, tiles=(Tile(x=1, y=1, kind=TileKind.MAP),)))
    assert covered_once(layout)
    assert [(t.x, t.y, t.kind) for t in layout.tiles] == [
        (0, 0, TileKind.EMPTY),
        (1, 0, TileKind.EMPTY),
        (0, 1, TileKind.EMPTY),
        (1, 1, TileKind.MAP),
    ]
