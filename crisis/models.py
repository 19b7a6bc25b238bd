"""Tables for walls' current layouts and their history, salvos, crises and the crisis log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from csu.db import UtcDateTime


class WallLayoutRow(SQLModel, table=True):
    """A wall's current layout: what every display of the wall shows, and its version."""

    __tablename__ = "wall_layouts"

    wall_id: str = Field(primary_key=True, max_length=64)
    version: int = Field(default=0)
    mode: str = Field(default="auto", max_length=16, description="auto or crisis.")
    crisis_id: int | None = Field(default=None)
    layout: str = Field(sa_type=sa.Text, description="The layout as JSON.")
    saved_layout: str | None = Field(
        default=None, sa_type=sa.Text, description="The layout to restore when the crisis ends."
    )
    updated_at: datetime = Field(sa_type=UtcDateTime)
    updated_by: str | None = Field(default=None, max_length=64)


class WallRevision(SQLModel, table=True):
    """One layout a wall showed: the crisis report lists the cameras shown during a crisis."""

    __tablename__ = "wall_revisions"

    id: int | None = Field(default=None, primary_key=True)
    wall_id: str = Field(max_length=64, index=True)
    version: int
    at: datetime = Field(sa_type=UtcDateTime, index=True)
    by: str | None = Field(default=None, max_length=64)
    mode: str = Field(max_length=16)
    crisis_id: int | None = Field(default=None)
    cameras: str = Field(default="[]", sa_type=sa.Text, description="Cameras shown, JSON list.")


class Salvo(SQLModel, table=True):
    """A saved layout of one wall, recalled in one action."""

    __tablename__ = "wall_salvos"
    __table_args__ = (sa.UniqueConstraint("wall_id", "name", name="uq_salvo_wall_name"),)

    id: int | None = Field(default=None, primary_key=True)
    wall_id: str = Field(max_length=64, index=True)
    name: str = Field(max_length=64)
    layout: str = Field(sa_type=sa.Text)
    created_at: datetime = Field(sa_type=UtcDateTime)
    created_by: str = Field(max_length=64)


class CrisisStatus(StrEnum):
    """A crisis is open until someone closes it."""

    OPEN = "open"
    CLOSED = "closed"


class Crisis(SQLModel, table=True):
    """A major event handled by the crisis cell: who takes part, which incidents it covers."""

    __tablename__ = "crises"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=256)
    status: str = Field(default=CrisisStatus.OPEN.value, max_length=16, index=True)
    opened_at: datetime = Field(sa_type=UtcDateTime)
    opened_by: str = Field(max_length=64)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    closed_by: str | None = Field(default=None, max_length=64)
    participants: str = Field(default="[]", sa_type=sa.Text, description="Usernames, JSON.")
    incidents: str = Field(default="[]", sa_type=sa.Text, description="Incident ids, JSON.")
    report: str | None = Field(
        default=None, sa_type=sa.Text, description="The HTML report frozen at closing."
    )
    exercise_id: int | None = Field(default=None, index=True, description="An exercise's crisis.")


class CrisisLogKind(StrEnum):
    """Decisions and actions are written by people; events by csu itself."""

    DECISION = "decision"
    ACTION = "action"
    EVENT = "event"


class CrisisLogEntry(SQLModel, table=True):
    """One line of the crisis log: when, who, what."""

    __tablename__ = "crisis_log"

    id: int | None = Field(default=None, primary_key=True)
    crisis_id: int = Field(foreign_key="crises.id", index=True)
    at: datetime = Field(sa_type=UtcDateTime, index=True)
    author: str | None = Field(default=None, max_length=64)
    kind: str = Field(max_length=16)
    text: str = Field(sa_type=sa.Text)
    incident_id: int | None = Field(
        default=None, description="The incident a decision or an action concerns, if any."
    )
    exercise_id: int | None = Field(default=None, index=True, description="Written in an exercise.")
