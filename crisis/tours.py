"""Tours on a wall tile: a site tour's cameras shown in turn, each for its dwell time.

No timer runs anywhere: a tour tile keeps the moment it was set, and the camera on at any moment
follows from it (turn = elapsed // dwell, over the tour's cameras in order). Every display of the
wall, and the server, work the same camera out from the same facts. A camera that cannot be
shown at its turn (offline) is skipped: the next one in the tour takes the turn.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from crisis.layouts import Layout, Tile, TileKind
from csu.config.desk import TourConfig


class WallTour(BaseModel):
    """A site tour as a wall's readers receive it: its cameras, each reader's own."""

    model_config = ConfigDict(frozen=True)

    name: str
    dwell_s: int = Field(description="Seconds each camera stays on.")
    cameras: tuple[str, ...] = Field(description="Its cameras in order, groups expanded.")

    def seen_by(self, may_see: Callable[[str], bool]) -> WallTour:
        """The tour with only the cameras the reader may see."""
        shown = tuple(c for c in self.cameras if may_see(c))
        return self if shown == self.cameras else self.model_copy(update={"cameras": shown})


def wall_tour(
    tour: TourConfig, groups: Mapping[str, tuple[str, ...]], in_force: Collection[str]
) -> WallTour:
    """The site tour for a wall: groups expanded, cameras no longer in force left out."""
    cameras = tuple(c for c in tour.cameras(groups) if c in in_force)
    return WallTour(name=tour.name, dwell_s=tour.dwell_s, cameras=cameras)


def tour_step(
    cameras: Sequence[str],
    started_at: datetime,
    dwell_s: float,
    now: datetime,
    usable: Callable[[str], bool],
) -> int | None:
    """Index in `cameras` of the camera on at `now`; None when none of them is usable.

    The tour's turn is (now - started_at) // dwell_s, round and round its cameras; a camera not
    usable at its turn is skipped for the next usable one after it.
    """
    if not cameras:
        return None
    elapsed = max(0.0, (now - started_at).total_seconds())
    turn = int(elapsed // dwell_s) % len(cameras)
    for ahead in range(len(cameras)):
        index = (turn + ahead) % len(cameras)
        if usable(cameras[index]):
            return index
    return None


def wall_tours(
    layout: Layout,
    tours: Mapping[str, TourConfig],
    groups: Mapping[str, tuple[str, ...]],
    in_force: Collection[str],
) -> dict[str, WallTour]:
    """The tours the layout's tour tiles run, by id (a tour the site no longer has is left out)."""
    ids = [t.tour_id for t in layout.tiles if t.kind is TileKind.TOUR and t.tour_id in tours]
    return {i: wall_tour(tours[i], groups, in_force) for i in ids if i is not None}


def stamp_tours(layout: Layout, before: Layout, now: datetime) -> Layout:
    """Tour tiles given the moment they start from: their own if they carry one (a salvo, a
    layout read and sent back), else the running one's when the same tour already runs on the
    same rectangle, else now. Other tiles carry no start."""

    def started(tile: Tile) -> Tile:
        if tile.kind is not TileKind.TOUR:
            return (
                tile
                if tile.tour_started_at is None
                else tile.model_copy(update={"tour_started_at": None})
            )
        if tile.tour_started_at is not None:
            return tile
        same = (tile.x, tile.y, tile.w, tile.h, tile.tour_id)
        running = (
            old.tour_started_at
            for old in before.tiles
            if old.kind is TileKind.TOUR and (old.x, old.y, old.w, old.h, old.tour_id) == same
        )
        return tile.model_copy(update={"tour_started_at": next(running, None) or now})

    tiles = tuple(started(tile) for tile in layout.tiles)
    return layout if tiles == layout.tiles else layout.model_copy(update={"tiles": tiles})
