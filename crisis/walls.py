"""The walls' live state: layouts kept filled for the situation, operator commands, crisis mode.

Every change goes through one lock, is stored (with a new version) before any display hears of
it, then offered to each display's feed. Walls whose id starts with "crisis" are crisis-room
walls: they switch to the crisis layout when a crisis opens and back when it closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from sqlmodel import Session

from crisis import wall_store
from crisis.events import CrisisChanged, CrisisSummary, WallLayoutChanged
from crisis.layouts import Layout, Tile, TileKind, arrange, normalise, without_retired
from crisis.situation import SituationBoard, open_situation, summaries
from crisis.templates import crisis_layout, grid_layout, template_layout
from crisis.tours import WallTour, stamp_tours, wall_tour, wall_tours
from crisis.validation import layout_problems
from crisis.wall_errors import SalvoNotFound, UnknownWall, rejection, tile_index
from crisis.wall_state import Mode, WallFeed, WallState
from csu.bus import EventBus
from csu.cameras.events import CameraChanged
from csu.config import CameraConfig, SiteConfig, WallConfig
from csu.db import Database
from csu.errors import NotFound
from incidents.events import IncidentChanged, IncidentSummary
from video.events import CameraStatusChanged

log = logging.getLogger(__name__)

T = TypeVar("T")
MayView = Callable[[str], bool]
CRISIS_WALL_PREFIX = "crisis"


def is_crisis_wall(wall: WallConfig) -> bool:
    """Whether the wall is in the crisis room (its id starts with 'crisis')."""
    return wall.id.startswith(CRISIS_WALL_PREFIX)


class WallService:
    """Keeps every wall's layout, answers operator commands and feeds the displays."""

    def __init__(
        self,
        db: Database,
        bus: EventBus,
        site: SiteConfig,
        camera_status: Callable[[], Mapping[str, str]],
        *,
        cameras_in_force: Callable[[], Sequence[CameraConfig]] | None = None,
    ) -> None:
        self._db = db
        self._bus = bus
        self._configs = {w.id: w for w in site.walls}
        self._known = frozenset(c.id for c in site.cameras)
        self._status = camera_status
        self._board = SituationBoard(site.cameras)
        self._tours = {t.id: t for t in site.tours}
        self._groups = {g.id: g.cameras for g in site.groups}
        # Read again (blocking: the registry) whenever an administrator changes a camera.
        self._cameras_in_force = cameras_in_force
        self._walls: dict[str, wall_store.StoredWall] = {}
        self._feeds: dict[str, set[WallFeed]] = {w: set() for w in self._configs}
        self._lock = asyncio.Lock()
        self._unsubscribe: list[Callable[[], None]] = []

    async def start(self) -> None:
        """Load the walls and the situation, follow the events, bring every wall up to date."""
        stored, incidents, crisis = await asyncio.to_thread(self._in_session, self._load)
        self._board.set_crisis(crisis.incidents if crisis else ())
        for incident in incidents:
            self._board.update(incident)
        for wall_id, config in self._configs.items():
            self._walls[wall_id] = self._toured(stored.get(wall_id) or wall_store.initial(config))
        self._unsubscribe = [
            self._bus.subscribe(IncidentChanged, self._on_incident, name="walls.incidents"),
            self._bus.subscribe(CameraStatusChanged, self._on_camera, name="walls.cameras"),
            self._bus.subscribe(CrisisChanged, self._on_crisis, name="walls.crisis"),
            self._bus.subscribe(WallLayoutChanged, self._on_layout, name="walls.layouts"),
        ]
        if self._cameras_in_force is not None:
            self._unsubscribe.append(
                self._bus.subscribe(CameraChanged, self._on_registry, name="walls.registry")
            )
        async with self._lock:
            await self._follow_crisis(crisis, by=None)

    async def stop(self) -> None:
        """Stop following events."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    def states(self) -> list[WallState]:
        """Every wall's current state, in site-file order."""
        return [self._walls[w].state for w in self._configs]

    def config(self, wall_id: str) -> WallConfig:
        """A wall's site-file configuration; UnknownWall if none."""
        return self._config(wall_id)

    def state(self, wall_id: str) -> WallState:
        """One wall's current state; UnknownWall if none."""
        return self._stored(wall_id).state

    @contextlib.contextmanager
    def follow(self, wall_id: str) -> Iterator[WallFeed]:
        """A feed of the wall's states, starting with the current one."""
        feed = WallFeed()
        feed.put(wall_id, self.state(wall_id))  # a new display gets the current state at once
        self._feeds[wall_id].add(feed)
        try:
            yield feed
        finally:
            self._feeds[wall_id].discard(feed)

    async def set_layout(
        self, wall_id: str, layout: Layout, *, by: str, may_view: MayView
    ) -> WallState:
        """Replace the wall's layout (checked, then filled for the situation)."""
        async with self._lock:
            return await self._replace(wall_id, layout, by=by, may_view=may_view)

    async def use_template(self, wall_id: str, name: str, *, by: str) -> WallState:
        """Start the wall afresh from a template (UnknownTemplate if no such name)."""
        config = self._config(wall_id)
        layout = template_layout(name, wall_cols=config.cols, wall_rows=config.rows)
        async with self._lock:
            return await self._replace(wall_id, layout, by=by, may_view=lambda _c: True)

    async def push(
        self, wall_id: str, x: int, y: int, content: Tile, *, by: str, may_view: MayView
    ) -> WallState:
        """Show a camera, an incident or a panel on the tile covering (x, y)."""
        async with self._lock:
            layout = self.state(wall_id).layout
            index = tile_index(layout, x, y)
            if content.kind is TileKind.CAMERA and content.camera_id is None:
                content = await self._incident_camera(content, may_view)
            old = layout.tiles[index]
            tile = content.model_copy(
                update={
                    "x": old.x,
                    "y": old.y,
                    "w": old.w,
                    "h": old.h,
                    "pinned": old.pinned,
                    "auto": False,
                }
            )
            tiles = list(layout.tiles)
            tiles[index] = tile
            changed = layout.model_copy(update={"tiles": tuple(tiles)})
            return await self._replace(wall_id, changed, by=by, may_view=may_view)

    async def pin(
        self, wall_id: str, x: int, y: int, *, pinned: bool, by: str, may_view: MayView
    ) -> WallState:
        """Pin the tile covering (x, y) (the engine never touches it) or unpin it."""
        async with self._lock:
            layout = self.state(wall_id).layout
            index = tile_index(layout, x, y)
            tiles = list(layout.tiles)
            tiles[index] = tiles[index].model_copy(update={"pinned": pinned})
            changed = layout.model_copy(update={"tiles": tuple(tiles)})
            return await self._replace(wall_id, changed, by=by, may_view=may_view)

    def salvos(self, session: Session, wall_id: str) -> list[tuple[str, Layout, datetime, str]]:
        """The wall's salvos: name, layout, when saved and by whom."""
        self._config(wall_id)
        return [
            (s.name, Layout.model_validate_json(s.layout), s.created_at, s.created_by)
            for s in wall_store.salvos(session, wall_id)
        ]

    async def save_salvo(self, wall_id: str, name: str, *, by: str) -> tuple[Layout, datetime]:
        """Save the wall's current layout under a name (replacing one of that name)."""
        layout = self.state(wall_id).layout
        now = datetime.now(UTC)
        await asyncio.to_thread(
            self._in_session,
            lambda s: wall_store.save_salvo(
                s, wall_id=wall_id, name=name, layout=layout, by=by, at=now
            ),
        )
        return layout, now

    async def recall_salvo(
        self, wall_id: str, name: str, *, by: str, may_view: MayView
    ) -> WallState:
        """Put a salvo back on the wall (checked again: cameras and rights may have changed)."""
        self._config(wall_id)
        row = await asyncio.to_thread(
            self._in_session, lambda s: wall_store.salvo(s, wall_id, name)
        )
        if row is None:
            raise SalvoNotFound(
                f"no salvo '{name}' on wall '{wall_id}'",
                key="errors.wall.no_salvo",
                salvo=name,
                wall=wall_id,
            )
        layout = Layout.model_validate_json(row.layout)
        async with self._lock:
            return await self._replace(wall_id, layout, by=by, may_view=may_view)

    async def delete_salvo(self, wall_id: str, name: str) -> None:
        """Forget a salvo."""
        self._config(wall_id)
        found = await asyncio.to_thread(
            self._in_session, lambda s: wall_store.delete_salvo(s, wall_id, name)
        )
        if not found:
            raise SalvoNotFound(
                f"no salvo '{name}' on wall '{wall_id}'",
                key="errors.wall.no_salvo",
                salvo=name,
                wall=wall_id,
            )

    # --- the situation changes ------------------------------------------------------------------

    async def _on_incident(self, event: IncidentChanged) -> None:
        if self._board.update(event.incident):
            async with self._lock:
                await self._rearrange_all()

    async def _on_camera(self, _event: CameraStatusChanged) -> None:
        async with self._lock:
            await self._rearrange_all()

    async def _on_registry(self, _event: CameraChanged) -> None:
        """An administrator added, edited or retired a camera: layouts may name the cameras in
        force now, and walls fill with them (a retired one leaves the automatic tiles)."""
        assert self._cameras_in_force is not None
        cameras = await asyncio.to_thread(self._cameras_in_force)
        async with self._lock:
            self._known = frozenset(c.id for c in cameras)
            self._board.use_cameras(cameras)
            await self._rearrange_all()

    async def _on_crisis(self, event: CrisisChanged) -> None:
        if event.crisis.exercise_id is not None:
            return  # an exercise's crisis never takes the real watch's crisis walls
        async with self._lock:
            crisis = event.crisis if event.crisis.status == "open" else None
            await self._follow_crisis(crisis, by=event.context.user)

    async def _on_layout(self, event: WallLayoutChanged) -> None:
        # Another API node of a cluster changed a wall (an operator's command there): take the
        # stored state, so that this node's displays and commands follow it. Its own changes,
        # and the same automatic change every node made, are already the state here.
        wall = self._walls.get(event.wall_id)
        if wall is None or (event.version, event.cameras) == (
            wall.state.version,
            wall.state.layout.cameras(),
        ):
            return
        config = self._configs[event.wall_id]
        async with self._lock:
            stored = await asyncio.to_thread(
                self._in_session, lambda s: wall_store.load_all(s, [config])
            )
            fresh = stored.get(event.wall_id)
            if fresh is None or fresh.state.version < wall.state.version:
                return
            fresh = self._toured(fresh)
            self._walls[event.wall_id] = fresh
            for feed in self._feeds[event.wall_id]:
                feed.put(event.wall_id, fresh.state)

    async def _follow_crisis(self, crisis: CrisisSummary | None, *, by: str | None) -> None:
        self._board.set_crisis(crisis.incidents if crisis else ())
        for incident in await asyncio.to_thread(
            self._in_session, lambda s: summaries(s, self._board.missing())
        ):
            self._board.update(incident)
        for wall_id, config in self._configs.items():
            wall = self._walls[wall_id]
            if is_crisis_wall(config) and crisis is not None and wall.state.crisis_id != crisis.id:
                crisis_tiles = crisis_layout(config.cols, config.rows)
                saved = wall.saved if wall.state.mode == "crisis" else wall.state.layout
                await self._switch(
                    wall_id, crisis_tiles, by=by, mode="crisis", crisis_id=crisis.id, saved=saved
                )
            elif crisis is None and wall.state.mode == "crisis":
                back = wall.saved or grid_layout(config.cols, config.rows)
                await self._switch(wall_id, back, by=by, mode="auto", crisis_id=None, saved=None)
        await self._rearrange_all()

    async def _rearrange_all(self) -> None:
        for wall_id in self._configs:
            await self._commit(wall_id, self.state(wall_id).layout, by=None)

    # --- changing a wall ------------------------------------------------------------------------

    async def _replace(
        self, wall_id: str, layout: Layout, *, by: str, may_view: MayView
    ) -> WallState:
        self._config(wall_id)
        tours = {i: self._tour(i).cameras for i in self._tours}
        problems = layout_problems(
            layout, known_cameras=self._known, may_view=may_view, tours=tours
        )
        if problems:
            raise rejection(problems)
        layout = stamp_tours(layout, self.state(wall_id).layout, datetime.now(UTC))
        return await self._commit(wall_id, normalise(layout), by=by)

    async def _commit(self, wall_id: str, layout: Layout, *, by: str | None) -> WallState:
        """Fill the layout for the situation, keeping the wall's mode."""
        wall = self._walls[wall_id]
        return await self._switch(
            wall_id,
            layout,
            by=by,
            mode=wall.state.mode,
            crisis_id=wall.state.crisis_id,
            saved=wall.saved,
        )

    async def _switch(
        self,
        wall_id: str,
        layout: Layout,
        *,
        by: str | None,
        mode: Mode,
        crisis_id: int | None,
        saved: Layout | None,
    ) -> WallState:
        """Fill the layout for the situation and, if anything changed, store and announce it."""
        old = self._walls[wall_id].state
        situation = self._board.situation(crisis=mode == "crisis", status=self._status())
        filled = arrange(without_retired(layout, self._known), situation)
        tours = self._tours_of(filled)
        if (filled, tours, mode, crisis_id) == (old.layout, old.tours, old.mode, old.crisis_id):
            return old
        state = old.model_copy(
            update={
                "version": old.version + 1,
                "mode": mode,
                "crisis_id": crisis_id,
                "layout": filled,
                "tours": tours,
                "updated_at": datetime.now(UTC),
                "updated_by": by,
            }
        )
        stored = wall_store.StoredWall(state, saved)
        await asyncio.to_thread(self._in_session, lambda s: wall_store.save(s, stored))
        self._walls[wall_id] = stored
        for feed in self._feeds[wall_id]:
            feed.put(wall_id, state)
        self._bus.publish(
            WallLayoutChanged(
                wall_id=wall_id, version=state.version, mode=mode, cameras=filled.cameras()
            )
        )
        return state

    async def _incident_camera(self, content: Tile, may_view: MayView) -> Tile:
        """A camera tile for an incident: its nearest covering camera the user may view."""
        incident_id = content.incident_id
        if incident_id is None:
            return content
        found = await asyncio.to_thread(self._in_session, lambda s: summaries(s, [incident_id]))
        if not found:
            raise NotFound(
                f"no incident {incident_id}", key="errors.incidents.unknown", incident=incident_id
            )
        status = self._status()
        usable = [c for c in found[0].cameras if may_view(c) and status.get(c) != "offline"]
        if not usable:
            return content.model_copy(update={"kind": TileKind.TIMELINE})
        return content.model_copy(update={"camera_id": usable[0]})

    # --- storage --------------------------------------------------------------------------------

    def _in_session(self, work: Callable[[Session], T]) -> T:
        with self._db.session() as session:
            return work(session)

    def _load(
        self, session: Session
    ) -> tuple[dict[str, wall_store.StoredWall], list[IncidentSummary], CrisisSummary | None]:
        stored = wall_store.load_all(session, list(self._configs.values()))
        incidents, crisis = open_situation(session)
        return stored, incidents, crisis

    def _tour(self, tour_id: str) -> WallTour:
        return wall_tour(self._tours[tour_id], self._groups, self._known)

    def _tours_of(self, layout: Layout) -> dict[str, WallTour]:
        return wall_tours(layout, self._tours, self._groups, self._known)

    def _toured(self, wall: wall_store.StoredWall) -> wall_store.StoredWall:
        """A stored wall with its tours as the site has them now (they are not stored)."""
        tours = self._tours_of(wall.state.layout)
        return wall_store.StoredWall(wall.state.model_copy(update={"tours": tours}), wall.saved)

    def _config(self, wall_id: str) -> WallConfig:
        config = self._configs.get(wall_id)
        if config is None:
            raise UnknownWall(f"no wall '{wall_id}'", key="errors.wall.unknown", wall=wall_id)
        return config

    def _stored(self, wall_id: str) -> wall_store.StoredWall:
        self._config(wall_id)
        return self._walls[wall_id]
