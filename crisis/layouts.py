"""Video-wall layouts as pure grid maths: tiles, and the engine that fills them for a situation.

A layout is a grid of rectangular tiles. Pinned tiles are the operator's and never change. Other
tiles are filled by `arrange` from the open incidents (most severe first, each incident's covering
cameras nearest first), then with the remaining online cameras, so a quiet wall still shows the
city. Arranging is stable: a camera that stays on the wall stays on its tile.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from csu.bounds import RowId
from csu.times import ApiTime
from incidents.service import severity_rank

MAX_SIDE = 8
# The first pass gives each incident at most this many tiles, so the next incident gets some too;
# leftover tiles then go to the extra cameras of the most severe incidents.
CAMERAS_PER_INCIDENT = 4
VIEWABLE_STATES = frozenset({"online", "degraded"})


class TileKind(StrEnum):
    """What a tile shows."""

    CAMERA = "camera"
    TOUR = "tour"  # a site tour's cameras in turn (crisis.tours); never refilled by `arrange`
    MAP = "map"
    TIMELINE = "timeline"
    ALARMS = "alarms"
    CRISIS_LOG = "crisis_log"
    TEXT = "text"
    EMPTY = "empty"
    RESTRICTED = "restricted"  # as read by someone who may not see the tile's camera


# What a reader who may not see a tile's camera (or any camera of its tour) gets in its place.
RESTRICTED_CONTENT: Mapping[str, object] = {
    "kind": TileKind.RESTRICTED,
    "camera_id": None,
    "incident_id": None,
    "tour_id": None,
    "tour_started_at": None,
}


class Tile(BaseModel):
    """A rectangle of grid cells and what it shows.

    `auto` tiles are the engine's to refill; an operator's (auto false) camera tile is replaced only
    when its camera goes offline; a pinned tile is never touched. An empty tile is always free.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    x: int = Field(ge=0, lt=MAX_SIDE, description="Left column, from 0.")
    y: int = Field(ge=0, lt=MAX_SIDE, description="Top row, from 0.")
    w: int = Field(default=1, ge=1, le=MAX_SIDE, description="Width in columns.")
    h: int = Field(default=1, ge=1, le=MAX_SIDE, description="Height in rows.")
    kind: TileKind = TileKind.EMPTY
    camera_id: str | None = Field(default=None, max_length=64)
    incident_id: RowId | None = Field(default=None, description="The incident the tile is for.")
    text: str | None = Field(default=None, max_length=2000, description="A text panel's words.")
    tour_id: str | None = Field(default=None, max_length=64, description="A tour tile's tour.")
    tour_started_at: ApiTime | None = Field(
        default=None, description="When the tour tile was set: its camera follows from it."
    )
    pinned: bool = False
    auto: bool = False

    @property
    def area(self) -> int:
        """Cells covered."""
        return self.w * self.h

    def covers(self, x: int, y: int) -> bool:
        """Whether the cell (x, y) lies inside the tile."""
        return self.x <= x < self.x + self.w and self.y <= y < self.y + self.h

    def cells(self) -> Iterable[tuple[int, int]]:
        """Every (x, y) cell the tile covers."""
        return (
            (x, y) for y in range(self.y, self.y + self.h) for x in range(self.x, self.x + self.w)
        )


class Layout(BaseModel):
    """A wall's grid and its tiles."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cols: int = Field(ge=1, le=MAX_SIDE)
    rows: int = Field(ge=1, le=MAX_SIDE)
    template: str = Field(default="grid", max_length=32, description="Template it came from.")
    tiles: tuple[Tile, ...] = ()

    def tile_at(self, x: int, y: int) -> int | None:
        """Index of the tile covering the cell, if any."""
        return next((i for i, t in enumerate(self.tiles) if t.covers(x, y)), None)

    def cameras(self) -> list[str]:
        """Cameras shown, in tile order."""
        return [t.camera_id for t in self.tiles if t.kind is TileKind.CAMERA and t.camera_id]

    def seen_by(self, may_see: Callable[[str], bool], blind_tours: Collection[str] = ()) -> Layout:
        """The layout as a reader sees it: tiles of cameras hidden from them are restricted, and
        tour tiles of `blind_tours` (tours with no camera they may see)."""
        hidden = [
            i
            for i, t in enumerate(self.tiles)
            if (t.camera_id is not None and not may_see(t.camera_id)) or t.tour_id in blind_tours
        ]
        return self.changed(hidden, RESTRICTED_CONTENT)

    def changed(self, indices: Collection[int], update: Mapping[str, object]) -> Layout:
        """The layout with these tiles' fields set as `update` says (itself if none)."""
        if not indices:
            return self
        tiles = list(self.tiles)
        for i in indices:
            tiles[i] = tiles[i].model_copy(update=dict(update))
        return self.model_copy(update={"tiles": tuple(tiles)})


@dataclass(frozen=True)
class IncidentView:
    """What the engine needs of an open incident."""

    id: int
    severity: str
    cameras: tuple[str, ...]  # covering cameras, nearest first
    exercise: bool = False  # an exercise's: below every real incident, whatever its severity


@dataclass(frozen=True)
class Situation:
    """Everything `arrange` looks at besides the layout itself."""

    incidents: tuple[IncidentView, ...]
    status: Mapping[str, str]  # camera id -> online, degraded or offline
    cameras: tuple[str, ...] = ()  # every camera of the site, in site order: the quiet-wall fill


# Below the lowest severity's rank: real alarms always win the walls over an exercise's.
_EXERCISE_PENALTY = 100


def wall_rank(incident: IncidentView) -> int:
    """What a wall ranks an incident by: its severity, an exercise's below any real one."""
    return severity_rank(incident.severity) - (_EXERCISE_PENALTY if incident.exercise else 0)


def ranked_incidents(incidents: Iterable[IncidentView]) -> list[IncidentView]:
    """Real before exercise, most severe first; among equals the older (lower id) first, so
    newcomers never displace."""
    return sorted(incidents, key=lambda i: (-wall_rank(i), i.id))


def wanted_cameras(situation: Situation, shown_elsewhere: set[str]) -> list[tuple[str, int | None]]:
    """Cameras in the order they deserve a tile, each with the incident it is for (None: fill)."""
    viewable = {c for c, state in situation.status.items() if state in VIEWABLE_STATES}
    taken = set(shown_elsewhere)
    order: list[tuple[str, int | None]] = []

    def take(camera: str, incident: int | None) -> None:
        if camera in viewable and camera not in taken:
            taken.add(camera)
            order.append((camera, incident))

    ranked = ranked_incidents(situation.incidents)
    # An offline camera is skipped, so the next covering camera takes its place in the first pass.
    usable = {i.id: [c for c in i.cameras if c in viewable] for i in ranked}
    for incident in ranked:
        for camera in usable[incident.id][:CAMERAS_PER_INCIDENT]:
            take(camera, incident.id)
    for incident in ranked:
        for camera in usable[incident.id][CAMERAS_PER_INCIDENT:]:
            take(camera, incident.id)
    for camera in situation.cameras:
        take(camera, None)
    return order


def _is_free_camera_slot(tile: Tile, status: Mapping[str, str]) -> bool:
    if tile.pinned:
        return False
    if tile.kind is TileKind.EMPTY:
        return True
    if tile.kind is not TileKind.CAMERA:
        return False
    return tile.auto or status.get(tile.camera_id or "") not in VIEWABLE_STATES


def slot_order(tiles: Sequence[Tile], indices: Iterable[int]) -> list[int]:
    """Large tiles first, then top to bottom, left to right: where the best content goes."""
    return sorted(indices, key=lambda i: (-tiles[i].area, tiles[i].y, tiles[i].x))


def _stable_fill(
    tiles: Sequence[Tile], slots: list[int], current: Mapping[int, object], wanted: Sequence[object]
) -> dict[int, object | None]:
    """Give each wanted value a slot: a value already on a slot keeps it, newcomers take the best
    free slots; slots left over get None."""
    chosen = list(wanted[: len(slots)])
    placed: dict[int, object | None] = {}
    kept: set[object] = set()
    for index in slots:
        value = current.get(index)
        if value is not None and value in chosen and value not in kept:
            placed[index] = value
            kept.add(value)
    open_slots = [i for i in slot_order(tiles, slots) if i not in placed]
    newcomers = [value for value in chosen if value not in kept]
    for index, value in zip(open_slots, newcomers, strict=False):
        placed[index] = value
    for index in open_slots[len(newcomers) :]:
        placed[index] = None
    return placed


def _fill_cameras(tiles: list[Tile], situation: Situation) -> None:
    slots = [i for i, t in enumerate(tiles) if _is_free_camera_slot(t, situation.status)]
    fixed = {t.camera_id for i, t in enumerate(tiles) if i not in slots and t.camera_id}
    wanted = wanted_cameras(situation, {c for c in fixed if c})
    reason = dict(wanted)
    current = {
        i: tiles[i].camera_id for i in slots if tiles[i].kind is TileKind.CAMERA and tiles[i].auto
    }
    placed = _stable_fill(tiles, slots, current, [camera for camera, _ in wanted])
    for index, camera in placed.items():
        tile = tiles[index]
        if camera is None:
            tiles[index] = _retarget(tile, TileKind.EMPTY, None, None)
        else:
            assert isinstance(camera, str)
            tiles[index] = _retarget(tile, TileKind.CAMERA, camera, reason[camera])


def _fill_timelines(tiles: list[Tile], situation: Situation) -> None:
    slots = [
        i for i, t in enumerate(tiles) if t.kind is TileKind.TIMELINE and t.auto and not t.pinned
    ]
    if not slots:
        return
    ranked = [i.id for i in ranked_incidents(situation.incidents)]
    # A timeline keeps its incident while that one is as severe as the top: no flicker on ties.
    rank = {i.id: wall_rank(i) for i in situation.incidents}
    top = max(rank.values(), default=None)
    current = {
        i: tiles[i].incident_id for i in slots if rank.get(tiles[i].incident_id or -1) == top
    }
    steady = [i for i in ranked if i in current.values()]
    placed = _stable_fill(tiles, slots, current, steady + [i for i in ranked if i not in steady])
    for index, incident in placed.items():
        assert incident is None or isinstance(incident, int)
        tiles[index] = tiles[index].model_copy(update={"incident_id": incident})


def _retarget(tile: Tile, kind: TileKind, camera: str | None, incident: int | None) -> Tile:
    return tile.model_copy(
        update={"kind": kind, "camera_id": camera, "incident_id": incident, "auto": True}
    )


def arrange(layout: Layout, situation: Situation) -> Layout:
    """The layout with its free tiles filled for the situation; pinned tiles stay as they are."""
    tiles = list(layout.tiles)
    _fill_cameras(tiles, situation)
    _fill_timelines(tiles, situation)
    return layout.model_copy(update={"tiles": tuple(tiles)})


def normalise(layout: Layout) -> Layout:
    """Cells no tile covers get an empty tile; tiles sorted top to bottom, left to right.

    Call only on a layout whose tiles fit the grid and do not overlap (see `validation`).
    """
    covered = {cell for tile in layout.tiles for cell in tile.cells()}
    holes = [
        Tile(x=x, y=y)
        for y in range(layout.rows)
        for x in range(layout.cols)
        if (x, y) not in covered
    ]
    tiles = sorted((*layout.tiles, *holes), key=lambda t: (t.y, t.x))
    return layout.model_copy(update={"tiles": tuple(tiles)})


def without_retired(layout: Layout, known: frozenset[str]) -> Layout:
    """The layout without the camera tiles of cameras no longer in force (retired by an
    administrator), pinned ones included: a pin keeps a camera, not a dead tile. Each becomes
    the engine's to fill, and the wall is pushed with the change."""
    gone = [
        i
        for i, t in enumerate(layout.tiles)
        if t.kind is TileKind.CAMERA and t.camera_id is not None and t.camera_id not in known
    ]
    free = {"kind": TileKind.EMPTY, "camera_id": None, "incident_id": None}
    return layout.changed(gone, {**free, "pinned": False, "auto": True})
