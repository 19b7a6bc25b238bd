"""Walls' layouts, their history and salvos in the database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from crisis.layouts import Layout
from crisis.models import Salvo, WallLayoutRow, WallRevision
from crisis.templates import grid_layout
from crisis.wall_state import WallState
from csu.config import WallConfig


@dataclass(frozen=True)
class StoredWall:
    """A wall as last saved, with the layout it returns to after a crisis."""

    state: WallState
    saved: Layout | None


def load(session: Session, wall_id: str, *, name: str, rendition: str) -> StoredWall | None:
    """A wall's saved state, if it was ever saved."""
    row = session.get(WallLayoutRow, wall_id)
    if row is None:
        return None
    mode = "crisis" if row.mode == "crisis" else "auto"
    state = WallState(
        wall_id=wall_id,
        name=name,
        rendition=rendition,
        version=row.version,
        mode=mode,
        crisis_id=row.crisis_id,
        layout=Layout.model_validate_json(row.layout),
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )
    saved = Layout.model_validate_json(row.saved_layout) if row.saved_layout else None
    return StoredWall(state, saved)


def initial(config: WallConfig) -> StoredWall:
    """A wall never saved yet: its own grid, every tile free, version 0."""
    state = WallState(
        wall_id=config.id,
        name=config.name,
        rendition=config.rendition,
        version=0,
        mode="auto",
        crisis_id=None,
        layout=grid_layout(config.cols, config.rows),
        updated_at=datetime.now(UTC),
        updated_by=None,
    )
    return StoredWall(state, None)


def load_all(session: Session, configs: list[WallConfig]) -> dict[str, StoredWall]:
    """The saved state of every wall that has one."""
    found = {c.id: load(session, c.id, name=c.name, rendition=c.rendition) for c in configs}
    return {wall_id: wall for wall_id, wall in found.items() if wall is not None}


def save(session: Session, wall: StoredWall) -> None:
    """Store the wall's new state and add it to the wall's history."""
    state = wall.state
    row = session.get(WallLayoutRow, state.wall_id) or WallLayoutRow(
        wall_id=state.wall_id, layout="", updated_at=state.updated_at
    )
    row.version = state.version
    row.mode = state.mode
    row.crisis_id = state.crisis_id
    row.layout = state.layout.model_dump_json()
    row.saved_layout = wall.saved.model_dump_json() if wall.saved else None
    row.updated_at = state.updated_at
    row.updated_by = state.updated_by
    session.add(row)
    session.add(
        WallRevision(
            wall_id=state.wall_id,
            version=state.version,
            at=state.updated_at,
            by=state.updated_by,
            mode=state.mode,
            crisis_id=state.crisis_id,
            cameras=json.dumps(state.layout.cameras()),
        )
    )


def salvos(session: Session, wall_id: str) -> list[Salvo]:
    """A wall's salvos by name."""
    query = select(Salvo).where(Salvo.wall_id == wall_id).order_by(col(Salvo.name))
    return list(session.exec(query))


def salvo(session: Session, wall_id: str, name: str) -> Salvo | None:
    """One salvo by name."""
    return session.exec(select(Salvo).where(Salvo.wall_id == wall_id, Salvo.name == name)).first()


def save_salvo(
    session: Session, *, wall_id: str, name: str, layout: Layout, by: str, at: datetime
) -> Salvo:
    """Save a layout under a name, replacing a salvo of the same name."""
    row = salvo(session, wall_id, name) or Salvo(
        wall_id=wall_id, name=name, layout="", created_at=at, created_by=by
    )
    row.layout = layout.model_dump_json()
    row.created_at = at
    row.created_by = by
    session.add(row)
    session.flush()
    return row


def delete_salvo(session: Session, wall_id: str, name: str) -> bool:
    """Remove a salvo; False if there was none."""
    row = salvo(session, wall_id, name)
    if row is None:
        return False
    session.delete(row)
    return True
