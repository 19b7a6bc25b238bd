"""Events the crisis package publishes."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel

from csu.events import Event, Reach
from csu.times import UtcTime


class CrisisSummary(BaseModel):
    """A crisis as the room and the consoles show it."""

    id: int
    title: str
    status: str
    opened_at: UtcTime
    opened_by: str
    closed_at: UtcTime | None
    closed_by: str | None
    participants: list[str]
    incidents: list[int]
    exercise_id: int | None = None  # an exercise's crisis: never the real cell's, never a wall's


class CrisisChanged(Event):
    """A crisis was opened, changed or closed; `change` says how."""

    topic: ClassVar[str] = "crisis.changed"
    # Live: rooms and walls on every node follow it; the crisis is in the database.
    reach: ClassVar[Reach] = "live"
    crisis: CrisisSummary
    change: str  # opened, incident, participant, log, closed


class WallLayoutChanged(Event):
    """A wall's layout has a new version."""

    topic: ClassVar[str] = "crisis.wall_layout"
    reach: ClassVar[Reach] = "live"  # a push to the wall displays; the layout is stored
    wall_id: str
    version: int
    mode: str
    cameras: list[str]
