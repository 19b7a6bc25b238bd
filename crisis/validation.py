"""Checks on a layout an operator sends: every problem named by tile and reason."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass, field

from crisis.layouts import Layout, Tile, TileKind
from csu.errors import Term, term


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one tile; `forbidden` when it is a missing right, not bad input."""

    index: int
    tile: Tile
    reason: str
    key: str  # the reason's catalogue text (area errors), for people reading it in a page
    params: Mapping[str, object] = field(default_factory=dict)
    forbidden: bool = False

    def __str__(self) -> str:
        where = f"({self.tile.x},{self.tile.y})"
        if self.index < 0:  # a command aimed at a cell no tile covers
            return f"cell {where}: {self.reason}"
        return f"tile {self.index} at {where}: {self.reason}"

    def term(self) -> Term:
        """The problem in the catalogue's words: where, then why."""
        reason = Term(self.key, self.params)
        if self.index < 0:
            return term("errors.wall.cell", x=self.tile.x, y=self.tile.y, reason=reason)
        return term(
            "errors.wall.tile", index=self.index, x=self.tile.x, y=self.tile.y, reason=reason
        )


def _outside(layout: Layout, index: int, tile: Tile) -> list[Problem]:
    if tile.x + tile.w <= layout.cols and tile.y + tile.h <= layout.rows:
        return []
    size = f"{tile.w}x{tile.h}"
    grid = f"{layout.cols}x{layout.rows}"
    reason = f"a {size} tile there lies outside the {grid} grid"
    return [Problem(index, tile, reason, "errors.wall.outside", {"size": size, "grid": grid})]


def _overlaps(layout: Layout) -> list[Problem]:
    owner: dict[tuple[int, int], int] = {}
    problems: list[Problem] = []
    for index, tile in enumerate(layout.tiles):
        clash = sorted({owner[c] for c in tile.cells() if c in owner})
        if clash:
            reason = f"overlaps tile {clash[0]}"
            problems.append(
                Problem(index, tile, reason, "errors.wall.overlap", {"other": clash[0]})
            )
        for cell in tile.cells():
            owner.setdefault(cell, index)
    return problems


def _tour(
    index: int, tile: Tile, tours: Mapping[str, Sequence[str]], may_view: Callable[[str], bool]
) -> list[Problem]:
    if tile.kind is not TileKind.TOUR:
        if tile.tour_id is not None:
            reason = f"a {tile.kind.value} tile cannot name a tour"
            return [Problem(index, tile, reason, "errors.wall.tour_not_here")]
        return []
    if tile.camera_id is not None:
        return [
            Problem(index, tile, "a tour tile cannot name a camera", "errors.wall.camera_not_here")
        ]
    if not tile.tour_id:
        return [Problem(index, tile, "a tour tile needs a tour_id", "errors.wall.tour_needed")]
    if tile.tour_id not in tours:
        reason = f"unknown tour '{tile.tour_id}'"
        return [Problem(index, tile, reason, "errors.wall.unknown_tour", {"tour": tile.tour_id})]
    if not any(may_view(camera) for camera in tours[tile.tour_id]):
        reason = f"you may not view any camera of tour '{tile.tour_id}'"
        words: dict[str, object] = {"tour": tile.tour_id}
        return [Problem(index, tile, reason, "errors.wall.tour_forbidden", words, forbidden=True)]
    return []


def _content(
    index: int, tile: Tile, known: Set[str], may_view: Callable[[str], bool]
) -> list[Problem]:
    if tile.kind is TileKind.TOUR:
        return []  # see _tour
    if tile.kind is TileKind.RESTRICTED:
        reason = "a restricted tile is only ever read; push to it instead"
        return [Problem(index, tile, reason, "errors.wall.restricted")]
    if tile.kind is not TileKind.CAMERA:
        if tile.camera_id is not None:
            reason = f"a {tile.kind.value} tile cannot name a camera"
            return [Problem(index, tile, reason, "errors.wall.camera_not_here")]
        return []
    if not tile.camera_id:
        return [
            Problem(index, tile, "a camera tile needs a camera_id", "errors.wall.camera_needed")
        ]
    if tile.camera_id not in known:
        reason = f"unknown camera '{tile.camera_id}'"
        words = {"camera": tile.camera_id}
        return [Problem(index, tile, reason, "errors.wall.unknown_camera", words)]
    # An unpinned auto tile is the engine's choice and will be re-chosen: only the operator's own
    # choices need the operator's right to view.
    if (tile.pinned or not tile.auto) and not may_view(tile.camera_id):
        reason = f"you may not view camera '{tile.camera_id}'"
        words = {"camera": tile.camera_id}
        return [Problem(index, tile, reason, "errors.wall.camera_forbidden", words, forbidden=True)]
    return []


def layout_problems(
    layout: Layout,
    *,
    known_cameras: Set[str],
    may_view: Callable[[str], bool],
    tours: Mapping[str, Sequence[str]] | None = None,
) -> list[Problem]:
    """Tiles outside the grid, overlapping, naming unknown or forbidden cameras or tours (the
    site's tours by id, each with its cameras); [] when sound."""
    problems: list[Problem] = []
    for index, tile in enumerate(layout.tiles):
        problems += _outside(layout, index, tile)
        problems += _content(index, tile, known_cameras, may_view)
        problems += _tour(index, tile, tours or {}, may_view)
    problems += _overlaps(layout)
    return sorted(problems, key=lambda p: p.index)


def describe(problems: list[Problem]) -> str:
    """All problems in one sentence, tile by tile."""
    return "; ".join(str(p) for p in problems)
