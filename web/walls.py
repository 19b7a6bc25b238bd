"""Video walls over HTTP: list, layout, operator commands (push, pin, salvos)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, ConfigDict, Field

from crisis.service import MAX_SIDE, Layout, Tile, TileKind, WallService, WallState, template_names
from csu.bounds import Key, RowId
from csu.errors import Invalid
from csu.times import UtcTime
from privacy.policy import Action
from privacy.service import Viewer
from web.deps import CurrentViewer, DbSession, WallsDep, require

router = APIRouter(prefix="/api/walls", tags=["walls"])

Reader = Annotated[Viewer, Depends(require(Action.WALL_READ))]
Controller = Annotated[Viewer, Depends(require(Action.WALL_CONTROL))]
Recaller = Annotated[Viewer, Depends(require(Action.WALL_SALVO))]
SalvoName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\w .:-]+$")]


class WallOut(BaseModel):
    """A wall of the site file and where its layout stands."""

    id: str
    name: str
    grid: tuple[int, int]
    rendition: str
    version: int
    mode: str
    crisis_id: int | None


class LayoutIn(BaseModel):
    """A whole layout, or just a template name to start the wall afresh from."""

    model_config = ConfigDict(extra="forbid")

    template: str | None = Field(default=None, max_length=32)
    cols: int | None = Field(default=None, ge=1, le=MAX_SIDE, description="Default: the wall's.")
    rows: int | None = Field(default=None, ge=1, le=MAX_SIDE, description="Default: the wall's.")
    tiles: list[Tile] | None = Field(default=None, max_length=MAX_SIDE * MAX_SIDE)


class PushIn(BaseModel):
    """What to show on the tile covering cell (x, y): a camera, an incident (its nearest camera
    you may view, or its timeline with kind 'timeline'), a site tour (kind 'tour'), or a panel."""

    model_config = ConfigDict(extra="forbid")

    x: int = Field(ge=0, lt=MAX_SIDE)
    y: int = Field(ge=0, lt=MAX_SIDE)
    kind: TileKind = TileKind.CAMERA
    camera_id: str | None = Field(default=None, max_length=64)
    incident_id: RowId | None = None
    text: str | None = Field(default=None, max_length=2000)
    tour_id: str | None = Field(default=None, max_length=64, description="A tour tile's tour.")


class PinIn(BaseModel):
    """Pin or unpin the tile covering cell (x, y)."""

    x: int = Field(ge=0, lt=MAX_SIDE)
    y: int = Field(ge=0, lt=MAX_SIDE)
    pinned: bool = True


class SalvoIn(BaseModel):
    """Save the wall's current layout under this name."""

    name: SalvoName


class SalvoOut(BaseModel):
    """A saved layout."""

    name: str
    layout: Layout
    saved_at: UtcTime
    saved_by: str


def viewer_check(viewer: Viewer) -> Callable[[str], bool]:
    """Whether the user may watch a camera live: what a tile they choose may show."""
    return lambda camera_id: viewer.may(Action.LIVE_VIEW, camera_id)


def _out(walls: WallService, state: WallState) -> WallOut:
    config = walls.config(state.wall_id)
    return WallOut(
        id=state.wall_id,
        name=state.name,
        grid=config.grid,
        rendition=state.rendition,
        version=state.version,
        mode=state.mode,
        crisis_id=state.crisis_id,
    )


@router.get("", response_model=list[WallOut])
def list_walls(_user: Reader, walls: WallsDep) -> list[WallOut]:
    """The site's walls with their layout's version and mode."""
    return [_out(walls, s) for s in walls.states()]


@router.get("/templates", response_model=list[str])
def list_templates(_user: Reader) -> list[str]:
    """The layout templates a wall can start from."""
    return template_names()


@router.get("/{wall_id}/layout", response_model=WallState)
def get_layout(wall_id: Key, _user: Reader, viewer: CurrentViewer, walls: WallsDep) -> WallState:
    """The wall's current layout and its version (cameras hidden from the reader restricted)."""
    return walls.state(wall_id).seen_by(viewer.sees)


@router.put("/{wall_id}/layout", response_model=WallState)
async def put_layout(
    wall_id: Key, body: LayoutIn, user: Controller, viewer: CurrentViewer, walls: WallsDep
) -> WallState:
    """Replace the layout (free tiles are then filled for the situation), or apply a template."""
    if body.tiles is None:
        if body.template is None:
            raise Invalid("send tiles, a template, or both", key="errors.wall.send_tiles")
        state = await walls.use_template(wall_id, body.template, by=user.username)
        return state.seen_by(viewer.sees)
    config = walls.config(wall_id)
    layout = Layout(
        cols=body.cols or config.cols,
        rows=body.rows or config.rows,
        template=body.template or "grid",
        tiles=tuple(body.tiles),
    )
    state = await walls.set_layout(wall_id, layout, by=user.username, may_view=viewer_check(viewer))
    return state.seen_by(viewer.sees)


@router.post("/{wall_id}/push", response_model=WallState)
async def push(
    wall_id: Key, body: PushIn, user: Controller, viewer: CurrentViewer, walls: WallsDep
) -> WallState:
    """Show a camera, an incident or a panel on one tile."""
    content = Tile(
        x=body.x,
        y=body.y,
        kind=body.kind,
        camera_id=body.camera_id,
        incident_id=body.incident_id,
        text=body.text,
        tour_id=body.tour_id,
    )
    state = await walls.push(
        wall_id, body.x, body.y, content, by=user.username, may_view=viewer_check(viewer)
    )
    return state.seen_by(viewer.sees)


@router.post("/{wall_id}/pin", response_model=WallState)
async def pin(
    wall_id: Key, body: PinIn, user: Controller, viewer: CurrentViewer, walls: WallsDep
) -> WallState:
    """Pin a tile (the automatic layout never moves it) or unpin it."""
    state = await walls.pin(
        wall_id,
        body.x,
        body.y,
        pinned=body.pinned,
        by=user.username,
        may_view=viewer_check(viewer),
    )
    return state.seen_by(viewer.sees)


@router.get("/{wall_id}/salvos", response_model=list[SalvoOut])
def list_salvos(
    wall_id: Key, session: DbSession, _user: Reader, viewer: CurrentViewer, walls: WallsDep
) -> list[SalvoOut]:
    """The wall's saved layouts (cameras hidden from the reader restricted)."""
    rows = walls.salvos(session, wall_id)
    return [
        SalvoOut(name=n, layout=lay.seen_by(viewer.sees), saved_at=at, saved_by=by)
        for n, lay, at, by in rows
    ]


@router.post("/{wall_id}/salvos", response_model=SalvoOut, status_code=status.HTTP_201_CREATED)
async def save_salvo(
    wall_id: Key, body: SalvoIn, user: Controller, viewer: CurrentViewer, walls: WallsDep
) -> SalvoOut:
    """Save the wall's current layout as a salvo."""
    layout, at = await walls.save_salvo(wall_id, body.name, by=user.username)
    shown = layout.seen_by(viewer.sees)
    return SalvoOut(name=body.name, layout=shown, saved_at=at, saved_by=user.username)


@router.post("/{wall_id}/salvos/{name}/recall", response_model=WallState)
async def recall_salvo(
    wall_id: Key, name: SalvoName, user: Recaller, viewer: CurrentViewer, walls: WallsDep
) -> WallState:
    """Put a salvo back on the wall (the crisis cell may, though it drives walls no other way)."""
    state = await walls.recall_salvo(wall_id, name, by=user.username, may_view=viewer_check(viewer))
    return state.seen_by(viewer.sees)


@router.delete("/{wall_id}/salvos/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_salvo(
    wall_id: Key, name: SalvoName, _user: Controller, walls: WallsDep
) -> Response:
    """Forget a salvo."""
    await walls.delete_salvo(wall_id, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
